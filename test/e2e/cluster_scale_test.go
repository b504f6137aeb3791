package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestClusterAddDataNode adds a fourth DataNode to a running 3 + 3 cluster
// and checks that it registers with the next node id, that every node
// lists it Running, that new databases place data regions on it, and that
// it serves writes and reads like the others.
func TestClusterAddDataNode(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec("CREATE DATABASE root.old", "INSERT INTO root.old.d(time, v) VALUES (1, 1)")

	added := cl.AddDataNode()
	nc := sqlTo(t, added)
	for _, x := range []*pipeClient{c, nc} {
		waitStatus(t, x, "SHOW DATANODES", "Running", 10*time.Second, cl.DataNodes...)
	}
	checkShowNodes(t, nc, cl)

	c.mustExec("CREATE DATABASE root.new1", "CREATE DATABASE root.new2")
	waitRegionLeaders(t, c, 10*time.Second)
	regions := checkRegions(t, c, cl, "root.old", "root.new1", "root.new2")
	checkShowDataNodes(t, c, cl, regions)
	id, onAdded := nodeID(t, c, added), 0
	for _, reps := range regions {
		for _, r := range reps {
			if r["Type"] == "DataRegion" && strings.HasPrefix(r["Database"], "root.new") && r["DataNodeId"] == id {
				onAdded++
			}
		}
	}
	t.Logf("%d of the %d new data regions have a replica on the added DataNode %s", onAdded, 2*clusterRegionsPerDatabase, id)
	if onAdded == 0 {
		t.Errorf("no data region of the new databases is placed on the added DataNode %s", id)
	}

	nc.mustExec("INSERT INTO root.new1.d(time, v) VALUES (1, 1), (2, 2)", "INSERT INTO root.old.d(time, v) VALUES (2, 2)")
	checkCountsEverywhere(t, cl, map[string]int64{"root.new1.d.v": 2, "root.old.d.v": 2})
}

// TestClusterRemoveConfigNode takes a follower ConfigNode out of a running
// cluster with REMOVE CONFIGNODE: SHOW CONFIGNODES no longer lists it, the
// removed process says it takes no part any more, and metadata changes go
// on with the two left; removing it again is refused.
func TestClusterRemoveConfigNode(t *testing.T) {
	cl := startTestCluster(t, 3, 1)
	c := sqlTo(t, cl.DataNodes[0])
	leader := waitLeader(t, c, "", 10*time.Second)
	var victim string
	for _, r := range mustShow(t, c, "SHOW CONFIGNODES") {
		if r["NodeID"] != leader {
			victim = r["NodeID"]
		}
	}
	removed := nodeByID(t, c, cl, victim)
	c.mustExec("REMOVE CONFIGNODE " + victim)
	for _, r := range mustShow(t, c, "SHOW CONFIGNODES") {
		if r["NodeID"] == victim {
			t.Fatalf("SHOW CONFIGNODES still lists the removed ConfigNode %s: %v", victim, r)
		}
	}
	if !removed.WaitLog("removed from the cluster", 10*time.Second) {
		t.Errorf("the removed ConfigNode %s did not say it was removed; its log:\n%s", victim, removed.LogTail(20))
	}
	c.mustExec("CREATE USER after_removal 'pw-after-1'", "DROP USER after_removal")
	if code, msg := c.mustFail("REMOVE CONFIGNODE " + victim); code != 1001 || !strings.Contains(msg, "not registered") {
		t.Errorf("removing it again = %d %q, want 1001 naming it not registered", code, msg)
	}
}
