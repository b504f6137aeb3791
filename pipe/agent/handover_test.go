package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/confignode"
)

// handOverRun records what a HandOver did, in order.
type handOverRun struct {
	mu     sync.Mutex
	events []string
}

func (h *handOverRun) add(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, fmt.Sprintf(format, args...))
}

func (h *handOverRun) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

// inFlight starts a transfer that the sink holds: entries 1-3 are sent and
// recorded, entry 4 is being sent. It returns the release of entry 4.
func inFlight(t *testing.T, f *fixture, r *fakeRegion) func() {
	t.Helper()
	r.write(3)
	f.agent.Reconcile()
	f.waitSent(t, 3)
	f.waitFrontier(t, r.id, 3)
	for len(f.sinks.sink.entered) > 0 {
		<-f.sinks.sink.entered
	}
	release := f.sinks.sink.hold()
	r.write(1)
	select {
	case <-f.sinks.sink.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("entry 4 was not sent")
	}
	return release
}

// TestHandOverDrainsCommitsThenTransfers: HandOver stops the region's task,
// lets the transfer in flight be answered, commits the frontier it reached
// (the entry in flight included), and only then transfers the leadership;
// meanwhile no reconcile starts the task again.
func TestHandOverDrainsCommitsThenTransfers(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	release := inFlight(t, f, r)

	run := &handOverRun{}
	meta.onCommit = func() {
		run.add("commit (tasks %d, tailing %d)", f.agent.Running("p", 1), r.tasksWaiting())
	}
	done := make(chan error)
	go func() {
		done <- f.agent.HandOver(context.Background(), []uint32{1}, func(_ context.Context, region uint32) error {
			var idx uint64
			if c := meta.committed(); len(c) > 0 {
				idx = c[len(c)-1].progress[region].Index
			}
			run.add("transfer %d (committed %d)", region, idx)
			r.setServing(false)
			return nil
		})
	}()
	waitFor(t, "the task taken out of the table", func() (bool, string) {
		n := f.agent.Running("p", 1)
		return n == 0, fmt.Sprintf("%d tasks", n)
	})
	f.agent.Reconcile() // as a round or a statement would, mid hand-over
	if n := f.agent.Running("p", 1); n != 0 {
		t.Fatalf("a reconcile during the hand-over started %d tasks", n)
	}
	if ev := run.list(); len(ev) != 0 {
		t.Fatalf("%v before the transfer in flight was answered", ev)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"commit (tasks 0, tailing 0)", "transfer 1 (committed 4)"}
	if ev := run.list(); fmt.Sprint(ev) != fmt.Sprint(want) {
		t.Fatalf("hand-over did %v, want %v", ev, want)
	}
	if n := f.sinks.sink.received(4); n != 1 {
		t.Fatalf("entry 4 received %d times, want once", n)
	}
	f.agent.Reconcile()
	if n := f.agent.Running("p", 1); n != 0 {
		t.Fatalf("%d tasks on a region handed over", n)
	}
}

// TestHandOverAbandonsUnansweredTransfers: a transfer unanswered after
// DrainTimeout is abandoned, and its entry is not counted in the committed
// frontier: the new leader sends it again.
func TestHandOverAbandonsUnansweredTransfers(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixtureWith(t, Config{Interval: time.Hour, DrainTimeout: 50 * time.Millisecond}, meta, r)
	release := inFlight(t, f, r)
	defer release()
	transferred := false
	start := time.Now()
	err := f.agent.HandOver(context.Background(), []uint32{1}, func(context.Context, uint32) error {
		transferred = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("hand-over took %v with a drain bound of 50ms", took)
	}
	if !transferred {
		t.Fatal("no transfer")
	}
	if p := meta.Pipes()[0]; p.Progress[1].Index != 3 {
		t.Fatalf("committed %+v, want 3: entry 4 was never acknowledged", p.Progress[1])
	}
}

// TestHandOverTransfersDespiteFailedCommit: when the progress cannot be
// committed, the leadership still moves (the new leader resends from the
// last committed frontier, as after a crash), and HandOver says so.
func TestHandOverTransfersDespiteFailedCommit(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	r.write(2)
	f.agent.Reconcile()
	f.waitFrontier(t, 1, 2)
	meta.failCommits = 1
	transferred := false
	err := f.agent.HandOver(context.Background(), []uint32{1}, func(context.Context, uint32) error {
		transferred = true
		return nil
	})
	if !errors.Is(err, errNoLeader) {
		t.Fatalf("HandOver = %v, want the commit's failure", err)
	}
	if !transferred {
		t.Fatal("no transfer after a failed commit")
	}
}

// TestFailedHandOverResumesTask: when the transfer fails, this node still
// leads, and the next reconcile runs the task again from the frontier it
// reached: nothing is sent twice.
func TestFailedHandOverResumesTask(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	r.write(3)
	f.agent.Reconcile()
	f.waitFrontier(t, 1, 3)
	errBusy := errors.New("target not caught up")
	if err := f.agent.HandOver(context.Background(), []uint32{1}, func(context.Context, uint32) error { return errBusy }); !errors.Is(err, errBusy) {
		t.Fatalf("HandOver = %v, want the transfer's failure", err)
	}
	f.agent.Reconcile()
	if n := f.agent.Running("p", 1); n != 1 {
		t.Fatalf("%d tasks after a failed hand-over, want 1", n)
	}
	r.write(2)
	f.waitSent(t, 5)
	if _, d := f.sinks.sink.sent(); d != 0 {
		t.Fatalf("%d points sent twice", d)
	}
}

// TestNewLeaderSyncsBeforeStarting: a node taking over a region starts the
// task from the frontier the old leader committed just before handing over,
// even though its metadata copy did not reflect that commit yet: it syncs
// the copy first. A reconcile that starts nothing does not sync.
func TestNewLeaderSyncsBeforeStarting(t *testing.T) {
	p := runningPipe("p")
	p.FirstNewRegion = 9 // region 1 had history: no progress means "from scratch"
	p.Progress = map[uint32]confignode.Progress{1: {HistoryDone: true, Index: 2}}
	meta := newMeta(p)
	r := newRegion(1, false)
	f := newFixture(t, meta, r)
	r.write(7)
	// The old leader committed 7, then handed over; this copy still says 2.
	meta.commitBehind(func(ps []confignode.Pipe) { ps[0].Progress[1] = confignode.Progress{HistoryDone: true, Index: 7} })
	r.setServing(true)
	f.agent.Reconcile()
	if n := meta.syncCount(); n != 1 {
		t.Fatalf("%d syncs before starting the task, want 1", n)
	}
	r.write(1)
	f.waitSent(t, 1)
	if u, _ := f.sinks.sink.sent(); u != 1 || f.sinks.sink.received(8) != 1 {
		t.Fatalf("the new leader sent %d points, want only entry 8", u)
	}
	f.agent.Reconcile()
	if n := meta.syncCount(); n != 1 {
		t.Fatalf("a reconcile with nothing to start synced (%d syncs)", n)
	}
}
