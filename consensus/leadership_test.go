package consensus

import (
	"testing"
	"time"
)

// LeaderSince is when the replica took the lead, and zero on the others;
// it follows a leadership transfer.
func TestLeaderSince(t *testing.T) {
	muxes := startMuxes(t, 3, time.Second)
	rs := openReplicas(t, muxes, "region-1")
	rs.apply(t, "a")
	leader := func() (int, time.Time) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for i, g := range rs.groups {
				if since := g.LeaderSince(); !since.IsZero() {
					return i, since
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("no replica reports LeaderSince")
		return 0, time.Time{}
	}
	old, since := leader()
	if since.After(time.Now()) {
		t.Errorf("LeaderSince %s is in the future", since)
	}
	for i, g := range rs.groups {
		if i != old && !g.LeaderSince().IsZero() {
			t.Errorf("follower %d reports LeaderSince %s", i, g.LeaderSince())
		}
	}
	next := (old + 1) % len(rs.groups)
	moved := time.Now()
	if err := rs.groups[old].TransferLeadership(string(replicaID(next)), muxes[next].Addr().String()); err != nil {
		t.Fatalf("transfer to replica %d: %v", next, err)
	}
	var now int
	for now, since = leader(); now == old && time.Since(moved) < 10*time.Second; now, since = leader() {
		time.Sleep(10 * time.Millisecond)
	}
	if now == old || since.Before(moved) {
		t.Errorf("after the transfer replica %d leads since %s, want replica %d since after %s", now, since, next, moved)
	}
	if !rs.groups[old].LeaderSince().IsZero() {
		t.Errorf("the former leader still reports LeaderSince %s", rs.groups[old].LeaderSince())
	}
}
