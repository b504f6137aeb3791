package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestClusterConfigNodeLeaderKilled kills the ConfigNode leader with
// SIGKILL, measures how long until another ConfigNode leads, and checks
// that DDL and writes go on, and that the old leader rejoins as a follower.
func TestClusterConfigNodeLeaderKilled(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec("CREATE DATABASE root.fo1", "INSERT INTO root.fo1.d(time, v) VALUES (1, 1.0)")
	old := waitLeader(t, c, "", 10*time.Second)
	victim := nodeByID(t, c, cl, old)

	victim.Kill()
	killed := time.Now()
	t.Logf("ConfigNode %s (leader) killed at %s", old, killed.UTC().Format("15:04:05.000"))
	leader := waitLeader(t, c, old, 20*time.Second)
	elapsed := time.Since(killed)
	t.Logf("ConfigNode %s leads %s after the kill, as SHOW CONFIGNODES shows", leader, elapsed.Round(time.Millisecond))
	if elapsed > 5*time.Second {
		t.Errorf("a new ConfigNode leader took %s, want at most 5s", elapsed)
	}

	for i, dn := range cl.DataNodes {
		dc := sqlTo(t, dn)
		db := fmt.Sprintf("root.fo2_%d", i)
		if refusals := retryExec(t, dc, "CREATE DATABASE "+db, 5*time.Second); len(refusals) > 0 {
			t.Logf("CREATE DATABASE through %s was refused %d times first: %q", dn.Name, len(refusals), refusals[0])
		}
		dc.mustExec(
			"CREATE TIMESERIES "+db+".d.s WITH DATATYPE=INT64, ENCODING=RLE",
			fmt.Sprintf("INSERT INTO %s.d(time, s) VALUES (1, %d), (2, %d)", db, i, i),
			fmt.Sprintf("INSERT INTO root.fo1.d(time, v) VALUES (%d, 2.0)", 10+i))
	}
	checkCountsEverywhere(t, cl, map[string]int64{
		"root.fo1.d.v": 1 + int64(len(cl.DataNodes)), "root.fo2_0.d.s": 2, "root.fo2_1.d.s": 2, "root.fo2_2.d.s": 2})

	victim.Start()
	waitAllRunning(t, c, cl, 20*time.Second)
	c.mustExec("CREATE DATABASE root.fo3")
	checkShowNodes(t, c, cl)
}

// checkCountsEverywhere checks count(series) through every running
// DataNode of cl.
func checkCountsEverywhere(t *testing.T, cl *proc.Cluster, want map[string]int64) {
	t.Helper()
	for _, dn := range cl.DataNodes {
		if !dn.Running() {
			continue
		}
		sess := sessionTo(t, dn)
		for series, n := range want {
			if got := countOf(t, sess, series); got != n {
				t.Errorf("through %s: count of %s is %d, want %d", dn.Name, series, got, n)
			}
		}
	}
}

// TestClusterDataNodeKilledUnderLoad kills with SIGKILL the DataNode that
// leads the most data regions and that a cluster-mode client writes
// through, and checks that the writes go on, that every acknowledged point
// is readable through the others, and that the restarted node catches up.
func TestClusterDataNodeKilledUnderLoad(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec("CREATE DATABASE " + writerDB)
	waitRegionLeaders(t, c, 10*time.Second)
	victim := busiestLeader(t, c, cl)
	urls := []string{victim.Addr()}
	for _, dn := range cl.DataNodes {
		if dn != victim {
			urls = append(urls, dn.Addr())
		}
	}
	w := startClusterWriter(t, urls)
	w.waitAcks(t, 40, 30*time.Second)

	victim.Kill()
	killed, before := time.Now(), w.ackCount()
	resumed := w.waitAcks(t, before+40, 30*time.Second)
	t.Logf("%s killed after %d batches; 40 more acknowledged within %s", victim.Name, before, resumed.Round(time.Millisecond))
	var survivor *proc.Node
	for _, dn := range cl.DataNodes {
		if dn != victim {
			survivor = dn
			break
		}
	}
	sc := sqlTo(t, survivor)
	waitStatus(t, sc, "SHOW DATANODES", "Unknown", 20*time.Second, victim)
	t.Logf("%s shown Unknown %s after the kill", victim.Name, time.Since(killed).Round(time.Millisecond))
	time.Sleep(time.Second) // writes go on with the node gone
	acked, stall := w.stop(t)
	t.Logf("longest write stall %s", stall.Round(time.Millisecond))

	for _, dn := range cl.DataNodes {
		if dn != victim {
			checkAcked(t, "through "+dn.Name, sessionTo(t, dn), acked)
		}
	}
	full := countAll(t, sc, writerDB)

	victim.Start()
	restarted := time.Now()
	waitStatus(t, sc, "SHOW DATANODES", "Running", 20*time.Second, victim)
	checkShowNodes(t, sc, cl) // the restarted node is back under its own id
	vc := sqlTo(t, victim)
	pipeWaitFor(t, 30*time.Second, "count through the restarted "+victim.Name, func() (bool, string) {
		got := countAll(t, vc, writerDB)
		return got == full, fmt.Sprintf("%d of %d points", got, full)
	})
	t.Logf("%s serves all %d points %s after its restart", victim.Name, full, time.Since(restarted).Round(time.Millisecond))
	checkAcked(t, "through the restarted "+victim.Name, sessionTo(t, victim), acked)
	waitRegionLeaders(t, sc, 10*time.Second)
	checkRegions(t, sc, cl, writerDB)
}

// busiestLeader returns the DataNode that SHOW REGIONS on c shows leading
// the most data regions.
func busiestLeader(t *testing.T, c *pipeClient, cl *proc.Cluster) *proc.Node {
	t.Helper()
	led := map[string]int{}
	for _, reps := range dataRegions(t, c) {
		for _, r := range reps {
			if r["Role"] == "Leader" {
				led[r["DataNodeId"]]++
			}
		}
	}
	best, most := cl.DataNodes[0], -1
	for _, dn := range cl.DataNodes {
		if n := led[nodeID(t, c, dn)]; n > most {
			best, most = dn, n
		}
	}
	return best
}

// countAll returns the number of points below database db through c
// (the sum of SELECT count(*) FROM db.**).
func countAll(t testing.TB, c *pipeClient, db string) int64 {
	t.Helper()
	res := c.mustQuery("SELECT count(*) FROM " + db + ".**")
	var n int64
	for _, r := range res.rows {
		for _, v := range r.vals {
			if x, ok := v.(int64); ok {
				n += x
			}
		}
	}
	return n
}

// TestClusterKillAllAndRestart kills every process of the cluster with
// SIGKILL under a write load, restarts them all on their data dirs, and
// checks that every acknowledged point and all metadata (databases,
// series, users and privileges) are back, through every DataNode.
func TestClusterKillAllAndRestart(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[1])
	c.mustExec(
		"CREATE DATABASE root.meta",
		"CREATE DATABASE "+writerDB,
		"CREATE TIMESERIES root.meta.d.s1 WITH DATATYPE=INT64, ENCODING=TS_2DIFF, COMPRESSOR=ZSTD",
		"CREATE ALIGNED TIMESERIES root.meta.al(a FLOAT, b TEXT)",
		"CREATE USER alice 'alice-pw-1'",
		"GRANT READ_DATA ON root.meta.** TO USER alice",
		"INSERT INTO root.meta.d(time, s1) VALUES (1, 10), (2, 20), (3, 30)",
		"INSERT INTO root.meta.al(time, a, b) ALIGNED VALUES (5, 1.5, 'five')")
	w := startClusterWriter(t, cl.RPCAddrs())
	w.waitAcks(t, 40, 30*time.Second)
	queries := []string{
		"SHOW DATABASES",
		"SHOW TIMESERIES root.**",
		"SHOW DEVICES root.**",
		"LIST USER",
		"LIST PRIVILEGES OF USER alice",
		"SELECT * FROM root.meta.d",
		"SELECT * FROM root.meta.al",
	}
	before := snapshot(t, c, queries...)

	cl.KillAll()
	acked, _ := w.stop(t)
	proc.StartAll(cl.ConfigNodes...)
	proc.StartAll(cl.DataNodes...)
	c = sqlTo(t, cl.DataNodes[1])
	waitAllRunning(t, c, cl, 30*time.Second)
	checkShowNodes(t, c, cl)

	for _, dn := range cl.DataNodes {
		dc := sqlTo(t, dn)
		if d := diffSnapshots(before, snapshot(t, dc, queries...)); d != "" {
			t.Errorf("through %s after the restart:\n%s", dn.Name, d)
		}
		checkAcked(t, "through "+dn.Name+" after the restart", sessionTo(t, dn), acked)
		alice := openAs(t, at(dn), "alice", "alice-pw-1", nil)
		if res := query(t, alice, "SELECT s1 FROM root.meta.d"); len(res.rows) != 3 {
			t.Errorf("alice reads %d rows of root.meta.d through %s, want 3", len(res.rows), dn.Name)
		}
	}
	c = sqlTo(t, cl.DataNodes[2])
	c.mustExec("CREATE DATABASE root.after", "INSERT INTO root.after.d(time, v) VALUES (1, 1)")
	if dbs := c.mustQuery("SHOW DATABASES").texts(t, "Database"); !slices.Contains(dbs, "root.after") {
		t.Errorf("SHOW DATABASES after a new CREATE DATABASE: %q", dbs)
	}
	checkRegionLogsWAL(t, cl)
}

// checkRegionLogsWAL checks that every region replica of the cluster logs
// to raft-wal (regions/<id>/wal/), none to raft-boltdb (raft.db).
func checkRegionLogsWAL(t *testing.T, cl *proc.Cluster) {
	t.Helper()
	var replicas int
	for _, dn := range cl.DataNodes {
		root := filepath.Join(dn.DataDir, "datanode", "regions")
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() || strings.HasPrefix(e.Name(), "spare-") {
				continue
			}
			replicas++
			dir := filepath.Join(root, e.Name())
			if _, err := os.Stat(filepath.Join(dir, "wal")); err != nil {
				t.Errorf("%s region %s has no raft-wal log: %v", dn.Name, e.Name(), err)
			}
			if _, err := os.Stat(filepath.Join(dir, "raft.db")); err == nil {
				t.Errorf("%s region %s logs to raft-boltdb", dn.Name, e.Name())
			}
		}
	}
	if replicas == 0 {
		t.Error("no region replica found under the DataNodes' regions/")
	}
}
