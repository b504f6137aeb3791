package snapshot

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/task"
)

// TestPinsMoveOnlyAfterCommit: a recorded frontier moves the pipe's log pin
// only once it is committed, to the entry after it; a failed commit and a
// frontier still in the historical phase move nothing.
func TestPinsMoveOnlyAfterCommit(t *testing.T) {
	store := &fakeStore{fail: 1}
	rs := replicas(true, 1, 2)
	f := newFrontiers(store, rs)
	owner := task.Owner("p")
	rs[0].log.Pin(owner, 3)
	rs[1].log.Pin(owner, 2)
	ref := Ref{"p", 1}
	f.Record(ref, 1, done(9))
	f.Record(ref, 2, confignode.Progress{Index: 50})
	if i, _ := rs[0].log.pin(owner); i != 3 {
		t.Fatalf("pin moved to %d before the commit", i)
	}
	if err := f.Commit(context.Background()); err == nil {
		t.Fatal("want the commit to fail")
	}
	if i, _ := rs[0].log.pin(owner); i != 3 {
		t.Fatalf("pin moved to %d after a failed commit", i)
	}
	if err := f.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if i, _ := rs[0].log.pin(owner); i != 10 {
		t.Fatalf("pin at %d after the commit, want 10", i)
	}
	if i, _ := rs[1].log.pin(owner); i != 2 {
		t.Fatalf("a frontier in the historical phase moved the pin to %d", i)
	}
}

// TestReleaseDropped: the pins of a dropped pipe are released, those of a
// stopped pipe and of other owners kept.
func TestReleaseDropped(t *testing.T) {
	rs := replicas(false, 1, 2)
	f := newFrontiers(&fakeStore{}, rs)
	for _, r := range rs {
		r.log.Pin(task.Owner("stopped"), 4)
		r.log.Pin(task.Owner("dropped"), 4)
		r.log.Pin("snapshot-install", 4)
	}
	f.ReleaseDropped([]confignode.Pipe{{Name: "stopped", State: confignode.PipeStopped}})
	for _, r := range rs {
		if _, ok := r.log.pin(task.Owner("dropped")); ok {
			t.Errorf("region %d: the dropped pipe's pin was kept", r.id)
		}
		if _, ok := r.log.pin(task.Owner("stopped")); !ok {
			t.Errorf("region %d: the stopped pipe's pin was released", r.id)
		}
		if _, ok := r.log.pin("snapshot-install"); !ok {
			t.Errorf("region %d: another owner's pin was released", r.id)
		}
	}
}

// TestPinFollowers: followers pin their log just after each pipe's
// frontier (recorded here if further than the committed one); leaders are
// left to their tasks, and a frontier in the historical phase pins nothing.
func TestPinFollowers(t *testing.T) {
	rs := append(replicas(false, 1, 2), replicas(true, 3)...)
	f := newFrontiers(&fakeStore{}, rs)
	pipes := []confignode.Pipe{
		{Name: "a", CreationTime: 1, FirstNewRegion: 9, Progress: map[uint32]confignode.Progress{1: done(5), 2: done(6), 3: done(7)}},
		{Name: "h", CreationTime: 1, FirstNewRegion: 9, Progress: map[uint32]confignode.Progress{1: {Index: 5}}},
	}
	f.Record(Ref{"a", 1}, 2, done(8))
	f.PinFollowers(pipes)
	for _, c := range []struct {
		r     *fakeReplica
		owner string
		want  uint64
		ok    bool
	}{
		{rs[0], task.Owner("a"), 6, true},
		{rs[1], task.Owner("a"), 9, true},
		{rs[2], task.Owner("a"), 0, false},
		{rs[0], task.Owner("h"), 0, false},
	} {
		if i, ok := c.r.log.pin(c.owner); ok != c.ok || i != c.want {
			t.Errorf("region %d %s: pin (%d, %v), want (%d, %v)", c.r.id, c.owner, i, ok, c.want, c.ok)
		}
	}
}
