package agent

import (
	"fmt"
	"testing"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/sql/ast"
)

// TestAlterRestartsTasksFromTheirProgress: once the metadata holds a new
// revision of a pipe, Reconcile stops the old definition's task before it
// returns and starts one with the new sink, which resumes from the
// frontier the old one reached: nothing is sent twice.
func TestAlterRestartsTasksFromTheirProgress(t *testing.T) {
	meta := newMeta(runningPipe("p"))
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	r.write(5)
	f.agent.Reconcile()
	f.waitSent(t, 5)
	f.waitFrontier(t, 1, 5)

	meta.change(func(ps []confignode.Pipe) {
		ps[0].Sink = []ast.Attribute{{Key: "connector", Value: "do-nothing-sink"}}
		ps[0].Revision++
	})
	f.agent.Reconcile()
	if n := f.agent.Running("p", 1); n != 1 {
		t.Fatalf("%d tasks after ALTER, want 1", n)
	}
	f.agent.mu.Lock()
	for key := range f.agent.tasks {
		if key.revision != 1 {
			t.Errorf("task %+v runs revision %d after Reconcile returned, want 1", key, key.revision)
		}
	}
	f.agent.mu.Unlock()
	f.sinks.mu.Lock()
	last, held := f.sinks.last, f.sinks.held
	f.sinks.mu.Unlock()
	if _, ok := last["connector"]; !ok || held != 1 {
		t.Fatalf("sink acquired with %v, %d held; want the altered attributes, the old sink released", last, held)
	}
	r.write(3)
	f.waitSent(t, 8)
	if _, d := f.sinks.sink.sent(); d != 0 {
		t.Fatalf("%d points sent twice after ALTER", d)
	}
	waitFor(t, "only the new task tailing the log", func() (bool, string) {
		n := r.tasksWaiting()
		return n == 1, fmt.Sprintf("%d waiting", n)
	})
}
