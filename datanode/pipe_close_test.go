package datanode

import (
	"fmt"
	"testing"
)

// TestClosedPipeAgentStartsNothing: once the pipe agent is closed (as
// DataNode.Close does right after stopping the client intake) its tasks
// end, and a reconcile after that (a statement or a peer's StopPipeTasks
// still in flight) starts no task that nobody would own, though the pipe
// runs and the regions are still open.
func TestClosedPipeAgentStartsNothing(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("insert into root.cls.d(time, a) values (1, 1)")
	n.mustExec("create pipe p with sink ('sink'='do-nothing-sink')")
	d := n.dn
	created := d.pipeCreated("p")
	waitFor(t, "the pipe's task running", func() (bool, string) {
		k := d.pipes.Running("p", created)
		return k > 0, fmt.Sprintf("%d tasks", k)
	})
	d.pipes.Close()
	waitFor(t, "the tasks ended", func() (bool, string) {
		k := d.pipes.Running("p", created)
		return k == 0, fmt.Sprintf("%d tasks", k)
	})
	d.pipes.Reconcile()
	if k := d.pipes.Running("p", created); k != 0 {
		t.Fatalf("a reconcile after close started %d tasks", k)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d.rpc.Serving() {
		t.Fatal("the client service still serves after Close")
	}
}
