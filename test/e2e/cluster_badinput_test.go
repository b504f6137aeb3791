package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestClusterDataNodeUnreachableSeed starts a DataNode whose seed
// ConfigNode address has nothing listening: it must say which address it
// cannot reach, never report ready, and serve no client.
func TestClusterDataNodeUnreachableSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cluster processes")
	}
	dn := proc.NewCluster(t, proc.ClusterConfig{}).NewDataNode()
	seed := fmt.Sprintf("127.0.0.1:%d", proc.FreePort(t))
	dn.Props["dn_seed_config_node"] = seed
	dn.Launch()
	start := time.Now()
	if !dn.WaitLog(seed, 30*time.Second) {
		t.Errorf("%s logged nothing naming its unreachable seed %s within 30s:\n%s", dn.Name, seed, dn.RunLog())
	} else {
		t.Logf("%s says, %s after its start: %s", dn.Name, time.Since(start).Round(100*time.Millisecond),
			logLineWith(dn.RunLog(), regexp.MustCompile(regexp.QuoteMeta(seed))))
	}
	if strings.Contains(dn.RunLog(), "datanode ready") {
		t.Errorf("%s reports ready without a ConfigNode:\n%s", dn.Name, dn.RunLog())
	}
	if !dn.Running() {
		if code, _ := dn.WaitExit(time.Second); code == 0 {
			t.Errorf("%s exited with status 0 without a ConfigNode", dn.Name)
		}
	}
	conn, err := net.DialTimeout("tcp", dn.Addr(), 2*time.Second)
	if err != nil {
		return // nothing listens on the client port: good
	}
	conn.Close()
	raw := dialRaw(t, at(dn))
	select {
	case err := <-async(func() error {
		resp, err := raw.login("root", "root", "UTC")
		if err != nil {
			return err
		}
		if st := resp.GetStatus(); st.GetCode() != 200 {
			return fmt.Errorf("login refused: %s", statusString(st))
		}
		return nil
	}):
		if err == nil {
			t.Errorf("%s accepts a client session without a ConfigNode", dn.Name)
		}
	case <-time.After(5 * time.Second):
	}
}

// TestClusterRefusesForeignDataDirs starts DataNodes on data dirs that are
// not theirs to use: a copy of a running DataNode's (same node id twice)
// and one of another cluster's. Each must exit with an error naming the
// node id or the cluster ids, and leave the cluster as it was.
func TestClusterRefusesForeignDataDirs(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	c := sqlTo(t, cl.DataNodes[0])
	checkDataNodes := func(after string) {
		t.Helper()
		rows := mustShow(t, c, "SHOW DATANODES")
		if len(rows) != len(cl.DataNodes) {
			t.Errorf("after %s SHOW DATANODES lists %d nodes, want %d: %v", after, len(rows), len(cl.DataNodes), rows)
		}
		for name, st := range statusOf(rows, cl.DataNodes) {
			if st != "Running" {
				t.Errorf("after %s SHOW DATANODES shows %s %s", after, name, st)
			}
		}
	}

	// A copy of a running DataNode's data dir: the same node id twice.
	src := cl.DataNodes[1]
	id := nodeID(t, c, src)
	dup := cl.NewDataNode()
	dup.DataDir = src.CopyDataDir()
	dup.Launch()
	wantExitError(t, dup, 30*time.Second)
	idRE := regexp.MustCompile(`(^|[^0-9.:])` + id + `($|[^0-9.:])`)
	if line := logLineWith(dup.RunLog(), regexp.MustCompile(`(?i)\bid\b|node_id|nodeid`), idRE); line == "" {
		t.Errorf("a DataNode on a copy of %s's data dir gave no message naming node id %s:\n%s", src.Name, id, dup.RunLog())
	} else {
		t.Logf("duplicate node id: %s", line)
	}
	checkDataNodes("a DataNode with a duplicate id")

	// The data dir of a DataNode of another cluster.
	other := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 1, DataNodes: 1, Props: map[string]string{"data_replication_factor": "1"}})
	foreign := other.DataNodes[0]
	foreign.Stop()
	stray := cl.NewDataNode()
	stray.DataDir = foreign.DataDir
	stray.Launch()
	wantExitError(t, stray, 30*time.Second)
	var named []*regexp.Regexp
	for _, dir := range []string{foreign.DataDir, cl.DataNodes[0].DataDir} {
		if cid := clusterID(dir); cid != "" {
			named = append(named, regexp.MustCompile(regexp.QuoteMeta(cid)))
		}
	}
	if len(named) == 0 { // the ids are not found on disk: ask for the word at least
		named = append(named, regexp.MustCompile(`(?i)cluster`))
	}
	if line := logLineWith(stray.RunLog(), named...); line == "" {
		t.Errorf("a DataNode on another cluster's data dir gave no message naming the cluster ids %v:\n%s", named, stray.RunLog())
	} else {
		t.Logf("foreign cluster: %s", line)
	}
	checkDataNodes("a DataNode from another cluster")
}

// wantExitError waits for n to exit by itself with a non-zero status.
func wantExitError(t *testing.T, n *proc.Node, timeout time.Duration) {
	t.Helper()
	code, exited := n.WaitExit(timeout)
	switch {
	case !exited:
		n.Kill()
		t.Errorf("%s still runs %s after its start, want it to exit with an error:\n%s", n.Name, timeout, n.RunLog())
	case code == 0:
		t.Errorf("%s exited with status 0, want an error:\n%s", n.Name, n.RunLog())
	}
}

// logLineWith returns the first line of log that matches every regexp, or "".
func logLineWith(log string, res ...*regexp.Regexp) string {
	for _, l := range strings.Split(log, "\n") {
		all := true
		for _, re := range res {
			all = all && re.MatchString(l)
		}
		if all {
			return l
		}
	}
	return ""
}

// clusterID returns the cluster id a node keeps in the node.json under its
// data dir (any field whose name mentions "cluster"), or "" if there is none.
func clusterID(dir string) string {
	var id string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "node.json" || id != "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return nil
		}
		for k, v := range m {
			if strings.Contains(strings.ToLower(k), "cluster") {
				id = fmt.Sprint(v)
			}
		}
		return nil
	})
	return id
}
