package consensus

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// waitFor polls cond until it holds, failing with what() after a while.
func waitFor(t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A leader cut off from its group appends entries no one else gets; the
// others elect a new leader and commit theirs. Healed, the old leader,
// now a follower on raft-wal, deletes its conflicting suffix and takes the
// new leader's entries; restarted, it opens its log and converges. With
// raft-wal v0.4.0 the suffix deletion left a segment without its index,
// and the restart panicked in raft.NewRaft.
func TestWALFollowerDropsConflictingSuffix(t *testing.T) {
	fsms := []*listFSM{{}, {}, {}}
	c := openInmemGroups(t, "conflict", 100*time.Millisecond, []raft.FSM{fsms[0], fsms[1], fsms[2]}, func(cfg *Config) {
		cfg.LogStore, cfg.SegmentBytes = LogStoreWAL, 64<<10
	})
	c.apply("a")
	c.apply("b")
	old := c.leader()
	logs := c.groups[old].Logs()
	before, err := logs.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	c.link(old, false)
	for _, cmd := range []string{"x1", "x2", "x3"} {
		c.groups[old].Raft().Apply([]byte(cmd), 0) // never committed
	}
	waitFor(t, func() bool { last, _ := logs.LastIndex(); return last >= before+3 },
		func() string { return "the cut-off leader did not append its entries" })
	waitFor(t, func() bool { return !c.groups[old].IsLeader() },
		func() string { return "the cut-off leader did not step down" })
	c.apply("c")
	c.apply("d")

	c.link(old, true)
	const want = "a,b,c,d"
	waitFor(t, func() bool { return strings.Join(fsms[old].snapshot(), ",") == want },
		func() string {
			return "old leader applied " + strings.Join(fsms[old].snapshot(), ",") + ", want " + want
		})
	for i := before + 1; i <= before+3; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err == nil && strings.HasPrefix(string(l.Data), "x") {
			t.Fatalf("entry %d still holds the conflicting %q", i, l.Data)
		}
	}

	restarted := &listFSM{}
	c.restart(old, restarted)
	c.apply("e")
	waitFor(t, func() bool { return strings.Join(restarted.snapshot(), ",") == want+",e" },
		func() string { return "restarted replica applied " + strings.Join(restarted.snapshot(), ",") })
}
