package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// A pipe from a cluster of three DataNodes (RF=3) to a standalone server:
// one task per region runs on the region's leader; when the DataNode that
// leads a region is killed, the task moves with the leadership to the new
// leader and continues; when the node comes back and leadership moves
// again, the task follows. Every point written on the cluster, before the
// pipe, while it runs and across both moves, reaches the receiver.
func TestPipeFromClusterFollowsRegionLeaders(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	entry := cl.DataNodes[0]
	ca, cb := sqlTo(t, entry), newPipeClient(t, b)

	devices := []string{"root.cl.d1.s", "root.cl.d2.s", "root.cl.d3.s", "root.cl.d4.s", "root.cl.d5.s", "root.cl.d6.s"}
	write := func(c *pipeClient, from, to int64) pipeData {
		var parts []pipeData
		for i, d := range devices {
			rows := pipeRowsRange(from, to, int64(i)*1000)
			if got := retryExecInsert(t, c, d, rows, 30*time.Second); got != "" {
				t.Fatalf("insert into %s: %s", d, got)
			}
			parts = append(parts, pipeData{d: rows})
		}
		return mergeData(parts...)
	}
	history := write(ca, 1, 100)
	ca.mustExec(fmt.Sprintf("CREATE PIPE cl2b %s", pipeSinkClause("iotdb-thrift-sink", b.Port)))
	realtime := write(ca, 101, 200)
	want := mergeData(history, realtime)
	pipeWaitData(t, cb, "root.cl", want, 60*time.Second)

	// Kill a DataNode that leads a region; the entry node keeps serving.
	victim := regionLeaderOtherThan(t, ca, cl, entry)
	victim.Kill()
	want = mergeData(want, write(ca, 201, 300))
	pipeWaitData(t, cb, "root.cl", want, 90*time.Second)
	if st := ca.pipe("cl2b")["State"]; st != "RUNNING" {
		t.Fatalf("pipe state after losing a DataNode = %q, want RUNNING", st)
	}

	// Bring it back: leadership returns to preferred replicas, tasks follow.
	victim.Start()
	want = mergeData(want, write(ca, 301, 400))
	pipeWaitData(t, cb, "root.cl", want, 90*time.Second)
}

// regionLeaderOtherThan returns a DataNode of cl, other than not, that SHOW
// REGIONS reports leading a data region.
func regionLeaderOtherThan(t *testing.T, c *pipeClient, cl *proc.Cluster, not *proc.Node) *proc.Node {
	t.Helper()
	var found *proc.Node
	pipeWaitFor(t, 30*time.Second, "a region led by a DataNode other than "+not.Name, func() (bool, string) {
		for _, replicas := range dataRegions(t, c) {
			for _, r := range replicas {
				if r["Role"] != "Leader" {
					continue
				}
				if n := nodeByID(t, c, cl, r["DataNodeId"]); n != not {
					found = n
					return true, ""
				}
			}
		}
		return false, "every region is led by " + not.Name
	})
	return found
}

// retryExecInsert writes rows into path through c, retrying while the
// cluster fails over (a write is idempotent); it returns the last error
// text if the write never succeeded within the budget.
func retryExecInsert(t *testing.T, c *pipeClient, path string, rows map[int64]string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := c.insertRowsErr(path, rows)
		if err == nil {
			return ""
		}
		if time.Now().After(deadline) {
			return err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
}
