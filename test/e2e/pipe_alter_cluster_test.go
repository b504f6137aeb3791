package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeAlterInCluster: in a cluster of three DataNodes, whose region
// leaders each run tasks of the pipe, ALTER PIPE ... REPLACE SINK under a
// continuous write load returns only once every DataNode has dropped the
// old definition's tasks: not one point written after it returned reaches
// the old receiver B, and every one reaches the new receiver C. The tasks
// keep their progress: none of what B had received two seconds before the
// ALTER is sent to C again. The ALTER goes through a DataNode that runs
// none of the tasks. Every DataNode's SHOW PIPES shows the new sink.
func TestPipeAlterInCluster(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b, c := proc.StartStandalone(t), proc.StartStandalone(t)
	entry := cl.DataNodes[0]
	ca, cb, cc := sqlTo(t, entry), newPipeClient(t, b), newPipeClient(t, c)
	const db = "root.altcl"
	ca.mustExec("CREATE PIPE altcl WITH SOURCE ('source.pattern'='" + db + "') " + pipeSinkClause("iotdb-thrift-sink", b.Port))

	w := startLoad(t, sqlTo(t, entry), db)
	pipeWaitFor(t, 60*time.Second, "points of "+db+" at B", func() (bool, string) {
		got := cb.dump(db).points()
		return got > 100, fmt.Sprintf("%d points", got)
	})
	early := cb.dump(db)
	time.Sleep(2 * time.Second)
	leaders := map[string]bool{}
	for _, r := range mustShow(t, ca, "SHOW REGIONS") {
		if r["Type"] == "DataRegion" && r["Database"] == db && r["Role"] == "Leader" {
			leaders[r["DataNodeId"]] = true
		}
	}

	// Through a DataNode that leads no region of the pipe: every task to
	// follow the ALTER runs on another node.
	var alterAt *proc.Node
	for _, dn := range cl.DataNodes {
		if !leaders[nodeID(t, ca, dn)] {
			alterAt = dn
		}
	}
	if alterAt == nil {
		t.Fatalf("every DataNode leads a region of %s: %v", db, leaders)
	}
	start := time.Now()
	sqlTo(t, alterAt).mustExec(fmt.Sprintf("ALTER PIPE altcl REPLACE SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')", c.Port))
	took := time.Since(start)
	w.mark() // every write started from now on was made after the ALTER returned
	time.Sleep(2 * time.Second)
	all, after := w.stop()
	t.Logf("ALTER PIPE through DataNode %s took %v; region leaders on DataNodes %v; %d points written, %d after it returned, %d at B before",
		nodeID(t, ca, alterAt), took.Round(time.Millisecond), leaders, all.points(), after.points(), early.points())
	if after.points() == 0 {
		t.Fatal("no write after ALTER PIPE returned: the load stalled")
	}
	pipeWaitData(t, cc, db, after, 60*time.Second)
	// Longer than a reconcile round and a heartbeat: an old task left
	// running would have sent by now.
	time.Sleep(3 * time.Second)
	if leaked := pipePresent(after, cb.dump(db)); leaked != "" {
		t.Fatalf("points written after ALTER PIPE returned reached the old receiver: %s", leaked)
	}
	gotC := cc.dump(db)
	if again := pipePresent(early, gotC); again != "" {
		t.Fatalf("points B had before the ALTER were sent to C again (progress lost): %s", again)
	}
	// Everything reaches one receiver or the other.
	if missing := pipeMissing(all, mergeData(cb.dump(db), gotC)); missing != "" {
		t.Fatalf("points lost across the ALTER: %s", missing)
	}
	want := fmt.Sprintf("{sink=iotdb-thrift-sink, sink.ip=127.0.0.1, sink.port=%d}", c.Port)
	for _, dn := range cl.DataNodes {
		if row := sqlTo(t, dn).pipe("altcl"); row["PipeSink"] != want || row["State"] != "RUNNING" {
			t.Fatalf("SHOW PIPES on DataNode %s after ALTER: %v, want sink %s RUNNING", dn.Name, row, want)
		}
	}
}
