package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestClusterDataNodeMinority cuts two of three DataNodes off (SIGSTOP), so
// that every data region loses its majority, and checks that a write
// through the remaining DataNode is not acknowledged, and that the cluster
// serves writes again once they are back (SIGCONT).
func TestClusterDataNodeMinority(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	alone, cut := cl.DataNodes[0], cl.DataNodes[1:]
	c := sqlTo(t, alone)
	c.mustExec("CREATE DATABASE root.part", "INSERT INTO root.part.d(time, v) VALUES (1, 1)")
	waitRegionLeaders(t, c, 10*time.Second)
	writer := sqlTo(t, alone)

	for _, n := range cut {
		n.Pause()
	}
	paused := time.Now()
	done := async(func() error { return writer.execErr("INSERT INTO root.part.d(time, v) VALUES (2, 2)") })
	const patience = 15 * time.Second
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("a write through %s was acknowledged %s after two of three DataNodes were paused", alone.Name, time.Since(paused).Round(time.Millisecond))
		} else {
			t.Logf("the write without a majority was refused after %s: %v", time.Since(paused).Round(time.Millisecond), err)
		}
		done = nil
	case <-time.After(patience):
		t.Logf("the write without a majority was still unanswered after %s", patience)
	}
	waitStatus(t, c, "SHOW DATANODES", "Unknown", 15*time.Second, cut...)

	for _, n := range cut {
		n.Resume()
	}
	resumed := time.Now()
	if done != nil {
		err := <-done // the socket timeout bounds it
		t.Logf("the pending write ended %s after the resume: %v", time.Since(resumed).Round(time.Millisecond), err)
	}
	if refusals := retryExec(t, c, "INSERT INTO root.part.d(time, v) VALUES (3, 3)", 30*time.Second); len(refusals) > 0 {
		t.Logf("writes were refused %d times after the resume, for %s (first: %s)", len(refusals), time.Since(resumed).Round(time.Millisecond), refusals[0])
	}
	waitStatus(t, c, "SHOW DATANODES", "Running", 20*time.Second, cl.DataNodes...)
	for _, dn := range cl.DataNodes {
		times := sessionTimes(t, dn, "SELECT v FROM root.part.d")
		if !slices.Contains(times, 1) || !slices.Contains(times, 3) {
			t.Errorf("through %s root.part.d has times %v, want 1 and 3 (and maybe 2)", dn.Name, times)
		}
	}
}

// sessionTimes returns the row times of a query through DataNode n.
func sessionTimes(t *testing.T, n *proc.Node, sql string) []int64 {
	t.Helper()
	return query(t, sessionTo(t, n), sql).times()
}

// TestClusterConfigNodeQuorumLost kills two of three ConfigNodes (the
// leader and a follower) and checks that DDL through a DataNode is
// refused rather than accepted or left hanging, and that once they are
// back the metadata is whole and consistent on every DataNode and DDL
// works again.
func TestClusterConfigNodeQuorumLost(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec(
		"CREATE DATABASE root.qa",
		"CREATE TIMESERIES root.qa.d.s WITH DATATYPE=INT64, ENCODING=RLE",
		"INSERT INTO root.qa.d(time, s) VALUES (1, 1), (2, 2)",
		"CREATE USER bobby 'bobby-pw-1'")
	queries := []string{"SHOW DATABASES root.qa", "SHOW TIMESERIES root.qa.**", "SELECT * FROM root.qa.d", "LIST USER"}
	before := snapshot(t, c, queries...)
	leader := nodeByID(t, c, cl, waitLeader(t, c, "", 10*time.Second))
	killed := []*proc.Node{leader}
	for _, n := range cl.ConfigNodes {
		if n != leader {
			killed = append(killed, n)
			break
		}
	}
	for _, n := range killed {
		n.Kill()
	}

	ddl := sqlTo(t, cl.DataNodes[1])
	const patience = 30 * time.Second
	start := time.Now()
	pending := async(func() error { return ddl.execErr("CREATE DATABASE root.qb") })
	select {
	case err := <-pending:
		if err == nil {
			t.Errorf("CREATE DATABASE was accepted %s after two of three ConfigNodes were killed", time.Since(start).Round(time.Millisecond))
		} else {
			t.Logf("CREATE DATABASE without a ConfigNode quorum was refused after %s: %v", time.Since(start).Round(time.Millisecond), err)
		}
		pending = nil
	case <-time.After(patience):
		t.Errorf("CREATE DATABASE without a ConfigNode quorum got no answer within %s, want an error", patience)
	}

	proc.StartAll(killed...)
	waitAllRunning(t, c, cl, 30*time.Second)
	if pending != nil {
		// Let the unanswered statement end (the client's socket timeout
		// bounds it) before comparing the DataNodes' metadata.
		err := <-pending
		t.Logf("the unanswered CREATE DATABASE ended %s after it was sent: %v", time.Since(start).Round(time.Millisecond), err)
	}
	var qb []bool
	for _, dn := range cl.DataNodes {
		dc := sqlTo(t, dn)
		if d := diffSnapshots(before, snapshot(t, dc, queries...)); d != "" {
			t.Errorf("through %s after the ConfigNodes' return:\n%s", dn.Name, d)
		}
		qb = append(qb, slices.Contains(dc.mustQuery("SHOW DATABASES").texts(t, "Database"), "root.qb"))
	}
	if slices.Contains(qb, true) && slices.Contains(qb, false) {
		t.Errorf("DataNodes disagree on whether root.qb exists: %v", qb)
	}
	c.mustExec("CREATE DATABASE root.qc", "INSERT INTO root.qc.d(time, v) VALUES (1, 1)")
	checkCountsEverywhere(t, cl, map[string]int64{"root.qa.d.s": 2, "root.qc.d.v": 1})
}
