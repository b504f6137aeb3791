package snapshot

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/sluicedb/sluice/confignode"
)

// TestCommitOneEntryPerPipe: a commit sends, per pipe incarnation, one
// entry with the frontiers of all its regions, and nothing once they are
// committed.
func TestCommitOneEntryPerPipe(t *testing.T) {
	store := &fakeStore{}
	f := newFrontiers(store, replicas(true, 1, 2))
	a, b := Ref{"a", 10}, Ref{"b", 20}
	f.Record(a, 1, done(5))
	f.Record(a, 2, done(7))
	f.Record(a, 1, done(6))
	f.Record(b, 1, done(9))
	if err := f.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[Ref]map[uint32]confignode.Progress{}
	for _, c := range store.committed() {
		if _, dup := got[c.ref]; dup {
			t.Fatalf("two entries for %v", c.ref)
		}
		got[c.ref] = c.progress
	}
	want := map[Ref]map[uint32]confignode.Progress{a: {1: done(6), 2: done(7)}, b: {1: done(9)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}
	if err := f.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(store.committed()); n != 2 {
		t.Fatalf("%d entries after a second commit with nothing new, want 2", n)
	}
}

// TestCommitFailureRequeues: a failed commit is retried by the next one,
// without overwriting progress recorded meanwhile, and Commit says it
// failed.
func TestCommitFailureRequeues(t *testing.T) {
	store := &fakeStore{fail: 1}
	f := newFrontiers(store, replicas(true, 1, 2))
	ref := Ref{"p", 1}
	f.Record(ref, 1, done(5))
	f.Record(ref, 2, done(7))
	store.during = func() { f.Record(ref, 1, done(8)) } // while the commit is under way
	if err := f.Commit(context.Background()); err == nil {
		t.Fatal("a failed commit returned nil")
	}
	if len(store.committed()) != 0 {
		t.Fatal("a failed commit was recorded")
	}
	if err := f.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := store.committed()
	want := map[uint32]confignode.Progress{1: done(8), 2: done(7)}
	if len(calls) != 1 || !reflect.DeepEqual(calls[0].progress, want) {
		t.Fatalf("committed %+v, want one entry %v", calls, want)
	}
}

// TestResume: a task resumes from the committed frontier or from the
// progress this node recorded, whichever is further; a region created
// after the pipe starts at its log's beginning without history.
func TestResume(t *testing.T) {
	for _, tc := range []struct {
		name      string
		committed map[uint32]confignode.Progress
		pending   *confignode.Progress
		firstNew  uint32
		want      confignode.Progress
	}{
		{name: "committed only", committed: map[uint32]confignode.Progress{1: done(5)}, firstNew: 9, want: done(5)},
		{name: "pending further", committed: map[uint32]confignode.Progress{1: done(5)}, pending: ptr(done(8)), firstNew: 9, want: done(8)},
		{name: "pending older", committed: map[uint32]confignode.Progress{1: done(5)}, pending: ptr(done(3)), firstNew: 9, want: done(5)},
		{name: "history not committed", committed: map[uint32]confignode.Progress{1: {Index: 4}}, pending: ptr(done(2)), firstNew: 9, want: done(2)},
		{name: "nothing, old region", firstNew: 9, want: confignode.Progress{}},
		{name: "nothing, new region", firstNew: 1, want: done(0)},
		{name: "pending, new region", pending: ptr(done(4)), firstNew: 1, want: done(4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFrontiers(&fakeStore{}, nil)
			p := &confignode.Pipe{Name: "p", CreationTime: 7, Progress: tc.committed, FirstNewRegion: tc.firstNew}
			if tc.pending != nil {
				f.Record(Ref{"p", 7}, 1, *tc.pending)
			}
			f.Record(Ref{"p", 6}, 1, done(100)) // an earlier incarnation's
			if got := f.Resume(p, 1); got != tc.want {
				t.Fatalf("Resume = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestCloseCommitsLast: Close commits what was recorded since the last
// periodic commit, and stops the periodic commits.
func TestCloseCommitsLast(t *testing.T) {
	store := &fakeStore{}
	f := New(Config{Interval: time.Hour}, store, replicas(true, 1), nil)
	f.Start(context.Background())
	f.Record(Ref{"p", 1}, 1, done(3))
	f.Close()
	calls := store.committed()
	if len(calls) != 1 || calls[0].progress[1] != done(3) {
		t.Fatalf("committed %+v, want the last progress", calls)
	}
	f.Close() // idempotent
}

// TestPeriodicCommit: progress is committed every Interval without being
// asked.
func TestPeriodicCommit(t *testing.T) {
	store := &fakeStore{}
	f := New(Config{Interval: 10 * time.Millisecond}, store, replicas(true, 1), nil)
	f.Start(context.Background())
	defer f.Close()
	f.Record(Ref{"p", 1}, 1, done(3))
	deadline := time.Now().Add(5 * time.Second)
	for len(store.committed()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no periodic commit")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCommitWaitsForCommitUnderWay: a Commit called while another is under
// way returns only once that one is over, so that a nil return means that
// everything recorded before the call is committed, even when the other
// commit failed and requeued it.
func TestCommitWaitsForCommitUnderWay(t *testing.T) {
	store := &fakeStore{fail: 1}
	f := newFrontiers(store, replicas(true, 1))
	f.Record(Ref{"p", 1}, 1, done(3))
	entered, release := make(chan struct{}), make(chan struct{})
	store.during = func() { close(entered); <-release }
	first := make(chan error)
	go func() { first <- f.Commit(context.Background()) }()
	<-entered
	second := make(chan error)
	go func() { second <- f.Commit(context.Background()) }()
	select {
	case <-second:
		t.Fatal("a second Commit returned while the first was under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-first; err == nil {
		t.Fatal("the failing commit returned nil")
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if calls := store.committed(); len(calls) != 1 || calls[0].progress[1] != done(3) {
		t.Fatalf("committed %+v, want the requeued progress", calls)
	}
}

// TestHurryIfBehind: a frontier whose write is more than an interval old
// (a task catching up) is committed at once instead of at the next tick,
// and early commits are spaced by a tenth of the interval; a frontier a
// moment old waits for the tick.
func TestHurryIfBehind(t *testing.T) {
	store := &fakeStore{}
	f := New(Config{Interval: time.Hour}, store, replicas(true, 1), nil)
	f.Start(context.Background())
	defer f.Close()
	ref := Ref{"p", 1}
	commits := func() int { return len(store.committed()) }

	f.Record(ref, 1, done(5))
	f.HurryIfBehind(time.Now())
	time.Sleep(100 * time.Millisecond)
	if n := commits(); n != 0 {
		t.Fatalf("a current frontier was committed before the tick (%d commits)", n)
	}
	f.HurryIfBehind(time.Now().Add(-2 * time.Hour))
	deadline := time.Now().Add(5 * time.Second)
	for commits() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := commits(); n != 1 {
		t.Fatalf("a frontier two intervals behind: %d commits, want 1 at once", n)
	}
	// The next early commit waits a tenth of the interval (6 minutes).
	f.Record(ref, 1, done(9))
	f.HurryIfBehind(time.Now().Add(-2 * time.Hour))
	time.Sleep(100 * time.Millisecond)
	if n := commits(); n != 1 {
		t.Fatalf("a second early commit right after the first (%d commits)", n)
	}
}
