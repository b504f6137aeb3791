package agent

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/task"
)

// TestReconcileRunsRunningPipesOnServingRegions: a task runs for each
// RUNNING pipe on each region this node serves, and none for a stopped
// pipe or a region led elsewhere; once the pipe stops or the region is
// no longer served, Reconcile stops the task and returns only after it
// has ended.
func TestReconcileRunsRunningPipesOnServingRegions(t *testing.T) {
	stopped := runningPipe("stopped")
	stopped.State = confignode.PipeStopped
	meta := newMeta(runningPipe("a"), runningPipe("b"), stopped)
	r1, r2, r3 := newRegion(1, true), newRegion(2, true), newRegion(3, false)
	f := newFixture(t, meta, r1, r2, r3)
	f.agent.Reconcile()
	for _, c := range []struct {
		pipe string
		want int
	}{{"a", 2}, {"b", 2}, {"stopped", 0}} {
		if n := f.agent.Running(c.pipe, 1); n != c.want {
			t.Errorf("pipe %s: %d tasks, want %d", c.pipe, n, c.want)
		}
	}
	if n := f.agent.Running("a", 2); n != 0 {
		t.Errorf("another incarnation of pipe a: %d tasks", n)
	}
	waitFor(t, "the tasks tailing the logs", func() (bool, string) {
		n := r1.tasksWaiting() + r2.tasksWaiting()
		return n == 4, fmt.Sprintf("%d waiting", n)
	})
	if n := r3.tasksWaiting(); n != 0 {
		t.Fatalf("%d tasks on a region led elsewhere", n)
	}

	meta.setState("a", confignode.PipeStopped)
	r2.setServing(false)
	f.agent.Reconcile()
	if n := r1.tasksWaiting() + r2.tasksWaiting(); n != 1 {
		t.Fatalf("after Reconcile returned, %d tasks still tail, want only b's on region 1", n)
	}
	if a, b := f.agent.Running("a", 1), f.agent.Running("b", 1); a != 0 || b != 1 {
		t.Fatalf("tasks a %d, b %d; want 0 and 1", a, b)
	}
	if h := f.sinks.acquired(); h != 1 {
		t.Fatalf("%d sinks held, want 1 (the stopped tasks release theirs)", h)
	}
}

// TestTaskEndingByItselfLeavesTable: a task that fails stops its pipe with
// the error and leaves the table, so that a START runs it again.
func TestTaskEndingByItselfLeavesTable(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	f.sinks.sink.fatal = fmt.Errorf("refused: %w", pipe.ErrFatal)
	r.write(1)
	f.agent.Reconcile()
	waitFor(t, "the failed task leaving the table", func() (bool, string) {
		n := f.agent.Running("p", 1)
		return n == 0, fmt.Sprintf("%d tasks", n)
	})
	var stopped bool
	for _, rep := range meta.exceptions() {
		stopped = stopped || (rep.pipe == "p" && rep.stop)
	}
	if !stopped {
		t.Fatalf("the pipe was not stopped: reports %+v", meta.exceptions())
	}
	f.sinks.sink.mu.Lock()
	f.sinks.sink.fatal = nil
	f.sinks.sink.mu.Unlock()
	meta.setState("p", confignode.PipeRunning)
	f.agent.Reconcile()
	if n := f.agent.Running("p", 1); n != 1 {
		t.Fatalf("START ran %d tasks, want 1", n)
	}
	f.waitSent(t, 1)
}

// TestProgressRecordedAndResumed: the frontier a task reaches is recorded,
// committed by the Frontiers, and a task started again resumes from it
// without resending.
func TestProgressRecordedAndResumed(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	r.write(5)
	f.agent.Reconcile()
	f.waitSent(t, 5)
	waitFor(t, "the frontier recorded", func() (bool, string) {
		pr := f.frontiers.Resume(&meta.Pipes()[0], 1)
		return pr.Index == 5, fmt.Sprintf("%+v", pr)
	})
	r.setServing(false)
	f.agent.Reconcile()
	if err := f.frontiers.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := meta.Pipes()[0]; p.Progress[1] != (confignode.Progress{HistoryDone: true, Index: 5}) {
		t.Fatalf("committed %+v, want index 5", p.Progress)
	}
	if i := r.pin(task.Owner("p")); i != 6 {
		t.Fatalf("pin at %d after the commit, want 6", i)
	}
	r.write(3)
	r.setServing(true)
	f.agent.Reconcile()
	f.waitSent(t, 8)
	if _, d := f.sinks.sink.sent(); d != 0 {
		t.Fatalf("%d points sent twice", d)
	}
}

// TestCatchingUpCommitsEarly: a task at the head of the log leaves its
// progress to the periodic commit (hourly here), while one whose frontier's
// write was appended more than an interval ago, catching up on a backlog,
// has it committed at once.
func TestCatchingUpCommitsEarly(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	f.frontiers.Start(context.Background())
	r.write(3)
	f.agent.Reconcile()
	f.waitSent(t, 3)
	time.Sleep(200 * time.Millisecond)
	if c := meta.committed(); len(c) != 0 {
		t.Fatalf("a task at the head of the log committed before the tick: %+v", c)
	}
	r.mu.Lock()
	r.appendedAgo = 2 * time.Hour
	r.mu.Unlock()
	r.write(2)
	f.waitSent(t, 5)
	waitFor(t, "an early commit of frontier 5", func() (bool, string) {
		c := meta.committed()
		return len(c) > 0 && c[len(c)-1].progress[1].Index == 5, fmt.Sprintf("%+v", c)
	})
}

// TestCloseStopsEverything: Close stops every task and leaves their last
// progress to the Frontiers, whose Close commits it; a Reconcile after
// Close starts nothing.
func TestCloseStopsEverything(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	f.agent.Start(context.Background())
	r.write(4)
	f.waitSent(t, 4)
	waitFor(t, "the frontier recorded", func() (bool, string) {
		pr := f.frontiers.Resume(&meta.Pipes()[0], 1)
		return pr.Index == 4, fmt.Sprintf("%+v", pr)
	})
	f.agent.Close()
	if n := f.agent.Running("p", 1); n != 0 {
		t.Fatalf("%d tasks after Close", n)
	}
	if n := r.tasksWaiting(); n != 0 {
		t.Fatalf("%d tasks still tail the log after Close", n)
	}
	f.agent.Reconcile()
	if n := f.agent.Running("p", 1); n != 0 {
		t.Fatalf("a Reconcile after Close started %d tasks", n)
	}
	f.frontiers.Close()
	if p := meta.Pipes()[0]; p.Progress[1].Index != 4 {
		t.Fatalf("committed %+v, want the last progress, index 4", p.Progress)
	}
}

// TestMetadataChangeReconciles: a running agent follows a metadata change
// at once, not at its next round.
func TestMetadataChangeReconciles(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r) // rounds an hour apart
	f.agent.Start(context.Background())
	waitFor(t, "the task", func() (bool, string) { return f.agent.Running("p", 1) == 1, "" })
	meta.setState("p", confignode.PipeStopped)
	waitFor(t, "the task stopping", func() (bool, string) {
		n := f.agent.Running("p", 1)
		return n == 0, fmt.Sprintf("%d tasks", n)
	})
}

// TestLeadershipArrivalReconciles: a running agent starts a task as soon as
// a region's leadership arrives here, not at its next round.
func TestLeadershipArrivalReconciles(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, false)
	f := newFixture(t, meta, r) // rounds an hour apart
	f.agent.Start(context.Background())
	// The first round has run once it pinned the follower's log.
	waitFor(t, "the first round", func() (bool, string) { return r.pin(task.Owner("p")) == 1, "" })
	r.setServing(true)
	waitFor(t, "the task", func() (bool, string) {
		n := f.agent.Running("p", 1)
		return n == 1, fmt.Sprintf("%d tasks", n)
	})
}
