package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// A DataNode that leads a region and is paused (SIGSTOP) past an election
// sends nothing once resumed: its pipe task checks its leadership lease
// before each transfer, finds it expired, learns of the newer term and
// ends, while the new leader's task carries the pipe on. Every acknowledged
// write still arrives.
func TestPipeDeposedLeaderSendsNothing(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	const db = "root.fence"
	admin, cb := sqlTo(t, cl.DataNodes[0]), newPipeClient(t, b)
	admin.mustExec(fmt.Sprintf("CREATE PIPE fence WITH SOURCE ('source.pattern'='%s') %s", db, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	admin.insertRows(db+".d1.s", pipeRowsAt(0, 1))

	// Pause a leader of one of the database's regions; load through
	// another DataNode.
	var paused *proc.Node
	for _, replicas := range dataRegions(t, admin) {
		for _, r := range replicas {
			if r["Role"] == "Leader" && r["Database"] == db {
				paused = nodeByID(t, admin, cl, r["DataNodeId"])
			}
		}
	}
	if paused == nil {
		t.Fatalf("no leader for %s in SHOW REGIONS", db)
	}
	entry := cl.DataNodes[0]
	if entry == paused {
		entry = cl.DataNodes[1]
	}
	w := startLoad(t, sqlTo(t, entry), db)
	pipeWaitFor(t, 60*time.Second, "points at the receiver", func() (bool, string) {
		got := cb.dump(db).points()
		return got > 100, fmt.Sprintf("%d points", got)
	})

	paused.Pause()
	time.Sleep(6 * time.Second) // several elections long
	paused.Resume()
	// Once resumed, the node learns of the newer term and stops its
	// tasks: the agent does on its next reconcile, or a task itself when
	// it checks its lease before a transfer, whichever comes first.
	if !paused.WaitLog(stoppedLine, 10*time.Second) {
		t.Errorf("%s resumed without stopping its pipe task for the lost lead (no %q in its log)", paused.Name, stoppedLine)
	}
	time.Sleep(2 * time.Second)
	all, _ := w.stop()
	pipeWaitData(t, cb, db, all, 60*time.Second)
	received := metricSum(scrape(t, b), "sluice_pipe_receiver_points_total")
	held := cb.dump(db).points()
	t.Logf("%s paused for 6 s: %d points written, %v received, %d duplicates", paused.Name, all.points(), received, int(received)-held)
}

// stoppedLine begins what a DataNode logs when one of its pipe tasks stops
// because its replica no longer leads the region.
const stoppedLine = "pipe task stopped: the region's leadership moved"
