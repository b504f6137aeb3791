package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// Helpers of the cluster tests (cluster_*_test.go). They run real
// ConfigNodes and DataNodes through proc.Cluster and check the cluster
// through its DataNodes, as users see it: SQL statements through the
// generated TSIService client (pipeClient, whose socket timeout keeps a
// wedged node from hanging the test) and data through the official
// client.Session. The cluster tests are not parallel: see
// cluster_writer_test.go for the official client's process-wide state.

// clusterRF is the replication factor of the test clusters.
const clusterRF = 3

// clusterRegionsPerDatabase is default_data_region_group_num_per_database
// in the test clusters.
const clusterRegionsPerDatabase = 2

// startTestCluster starts cns ConfigNodes and then dns DataNodes with
// replication factor 3, and attaches every node's log tail to a failure.
// It skips the test under -short.
func startTestCluster(t *testing.T, cns, dns int) *proc.Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: cns, DataNodes: dns, Props: map[string]string{
		"data_replication_factor":                    strconv.Itoa(clusterRF),
		"default_data_region_group_num_per_database": strconv.Itoa(clusterRegionsPerDatabase),
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs:\n%s", cl.LogTails(60))
		}
	})
	return cl
}

// at is DataNode n's client address in the form the session helpers take
// (openAs, newPipeClient): they use only its port.
func at(n *proc.Node) *proc.Standalone { return &proc.Standalone{Port: n.RPCPort} }

// sqlTo opens a root SQL client to DataNode n.
func sqlTo(t testing.TB, n *proc.Node) *pipeClient {
	t.Helper()
	return newPipeClient(t, at(n))
}

// sessionTo opens an official root session to DataNode n.
func sessionTo(t testing.TB, n *proc.Node) *client.Session {
	t.Helper()
	return rootSession(t, at(n))
}

// showRows runs a SHOW statement and returns its rows keyed by column, or
// the error.
func showRows(c *pipeClient, sql string) ([]map[string]string, error) {
	res, err := c.query(sql)
	if err != nil {
		return nil, err
	}
	rows := make([]map[string]string, len(res.rows))
	for i := range rows {
		rows[i] = map[string]string{}
	}
	for _, col := range res.cols {
		for i, v := range res.texts(c.t, col) {
			rows[i][col] = v
		}
	}
	return rows, nil
}

// mustShow runs a SHOW statement that must succeed and returns its rows
// keyed by column.
func mustShow(t testing.TB, c *pipeClient, sql string) []map[string]string {
	t.Helper()
	_, rows := c.pipeRows(sql)
	return rows
}

// nodeType is the NodeType SHOW CLUSTER gives a role.
func nodeType(n *proc.Node) string {
	if n.Role == proc.ConfigNode {
		return "ConfigNode"
	}
	return "DataNode"
}

// nodeRow finds n's row among SHOW CLUSTER or SHOW CONFIGNODES rows (by
// internal port) or SHOW DATANODES rows (by RPC port); nil if absent.
func nodeRow(rows []map[string]string, n *proc.Node) map[string]string {
	for _, r := range rows {
		if t, ok := r["NodeType"]; ok && t != nodeType(n) {
			continue
		}
		if r["InternalPort"] == strconv.Itoa(n.InternalPort) || (n.Role == proc.DataNode && r["RpcPort"] == strconv.Itoa(n.RPCPort)) {
			return r
		}
	}
	return nil
}

// nodeID returns n's NodeID as SHOW CLUSTER on c reports it.
func nodeID(t testing.TB, c *pipeClient, n *proc.Node) string {
	t.Helper()
	r := nodeRow(mustShow(t, c, "SHOW CLUSTER"), n)
	if r == nil {
		t.Fatalf("SHOW CLUSTER on %s does not list %s (internal port %d)", c.srv.Addr(), n.Name, n.InternalPort)
	}
	return r["NodeID"]
}

// nodeByID returns the node of cl whose SHOW CLUSTER row has id.
func nodeByID(t testing.TB, c *pipeClient, cl *proc.Cluster, id string) *proc.Node {
	t.Helper()
	rows := mustShow(t, c, "SHOW CLUSTER")
	for _, n := range cl.Nodes() {
		if r := nodeRow(rows, n); r != nil && r["NodeID"] == id {
			return n
		}
	}
	t.Fatalf("no node of the cluster has NodeID %s in SHOW CLUSTER: %v", id, rows)
	return nil
}

// statusOf describes the Status of each node of nodes in rows, "absent"
// for one not listed.
func statusOf(rows []map[string]string, nodes []*proc.Node) map[string]string {
	out := map[string]string{}
	for _, n := range nodes {
		out[n.Name] = "absent"
		if r := nodeRow(rows, n); r != nil {
			out[n.Name] = r["Status"]
		}
	}
	return out
}

// waitStatus waits until sql (SHOW CLUSTER, SHOW DATANODES or SHOW
// CONFIGNODES) on c reports each of nodes with status, and returns how long
// that took.
func waitStatus(t testing.TB, c *pipeClient, sql, status string, timeout time.Duration, nodes ...*proc.Node) time.Duration {
	t.Helper()
	start := time.Now()
	pipeWaitFor(t, timeout, fmt.Sprintf("%s on %s reports %s", sql, c.srv.Addr(), status), func() (bool, string) {
		rows, err := showRows(c, sql)
		if err != nil {
			return false, err.Error()
		}
		st := statusOf(rows, nodes)
		for _, s := range st {
			if s != status {
				return false, fmt.Sprint(st)
			}
		}
		return true, ""
	})
	return time.Since(start)
}

// waitAllRunning waits until SHOW CLUSTER on c lists every node of cl
// Running and one ConfigNode Leader.
func waitAllRunning(t testing.TB, c *pipeClient, cl *proc.Cluster, timeout time.Duration) {
	t.Helper()
	waitStatus(t, c, "SHOW CLUSTER", "Running", timeout, cl.Nodes()...)
	waitLeader(t, c, "", timeout)
}

// leaders returns the NodeIDs that SHOW CONFIGNODES on c reports Leader.
func leaders(c *pipeClient) ([]string, error) {
	rows, err := showRows(c, "SHOW CONFIGNODES")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		if r["Role"] == "Leader" {
			ids = append(ids, r["NodeID"])
		}
	}
	return ids, nil
}

// waitLeader waits until SHOW CONFIGNODES on c reports exactly one Leader,
// other than not (if not is set), and returns its NodeID.
func waitLeader(t testing.TB, c *pipeClient, not string, timeout time.Duration) string {
	t.Helper()
	var leader string
	pipeWaitFor(t, timeout, "one ConfigNode leader other than "+strconv.Quote(not), func() (bool, string) {
		ids, err := leaders(c)
		if err != nil {
			return false, err.Error()
		}
		if len(ids) != 1 || ids[0] == not {
			return false, fmt.Sprintf("leaders %v", ids)
		}
		leader = ids[0]
		return true, ""
	})
	return leader
}

// replica is one row of SHOW REGIONS.
type replica = map[string]string

// dataRegions returns SHOW REGIONS' data region replicas by RegionId.
func dataRegions(t testing.TB, c *pipeClient) map[string][]replica {
	t.Helper()
	out := map[string][]replica{}
	for _, r := range mustShow(t, c, "SHOW REGIONS") {
		if r["Type"] == "DataRegion" {
			out[r["RegionId"]] = append(out[r["RegionId"]], r)
		}
	}
	return out
}

// checkRegions checks SHOW REGIONS on c: every region has clusterRF
// replicas on distinct DataNodes of cl, with their RPC endpoints, all
// Running, and exactly one Leader; every database in dbs has
// clusterRegionsPerDatabase data regions. It returns the regions.
func checkRegions(t testing.TB, c *pipeClient, cl *proc.Cluster, dbs ...string) map[string][]replica {
	t.Helper()
	rows := mustShow(t, c, "SHOW REGIONS")
	dnIDs := map[string]*proc.Node{}
	for _, n := range cl.DataNodes {
		dnIDs[nodeID(t, c, n)] = n
	}
	byRegion := map[string][]replica{}
	perDB := map[string]map[string]bool{}
	for _, r := range rows {
		byRegion[r["RegionId"]] = append(byRegion[r["RegionId"]], r)
		if r["Type"] == "DataRegion" {
			if perDB[r["Database"]] == nil {
				perDB[r["Database"]] = map[string]bool{}
			}
			perDB[r["Database"]][r["RegionId"]] = true
		}
	}
	for id, reps := range byRegion {
		what := fmt.Sprintf("SHOW REGIONS on %s: %s region %s", c.srv.Addr(), reps[0]["Type"], id)
		if reps[0]["Type"] == "DataRegion" && len(reps) != clusterRF {
			t.Errorf("%s has %d replicas, want %d: %v", what, len(reps), clusterRF, reps)
		}
		seen, leaders := map[string]bool{}, 0
		for _, r := range reps {
			dn := dnIDs[r["DataNodeId"]]
			switch {
			case dn == nil:
				t.Errorf("%s: replica on DataNodeId %s, which is none of the DataNodes %v", what, r["DataNodeId"], slices.Sorted(maps.Keys(dnIDs)))
			case r["RpcPort"] != strconv.Itoa(dn.RPCPort) || r["RpcAddress"] != "127.0.0.1":
				t.Errorf("%s: replica on %s shows RPC endpoint %s:%s, want 127.0.0.1:%d", what, r["DataNodeId"], r["RpcAddress"], r["RpcPort"], dn.RPCPort)
			}
			if seen[r["DataNodeId"]] {
				t.Errorf("%s: two replicas on DataNode %s", what, r["DataNodeId"])
			}
			seen[r["DataNodeId"]] = true
			if r["Status"] != "Running" {
				t.Errorf("%s: replica on %s is %s, want Running", what, r["DataNodeId"], r["Status"])
			}
			if r["Role"] == "Leader" {
				leaders++
			} else if r["Role"] != "Follower" {
				t.Errorf("%s: replica on %s has role %q", what, r["DataNodeId"], r["Role"])
			}
		}
		if leaders != 1 {
			t.Errorf("%s has %d leaders, want 1: %v", what, leaders, reps)
		}
	}
	for _, db := range dbs {
		if n := len(perDB[db]); n != clusterRegionsPerDatabase {
			t.Errorf("SHOW REGIONS on %s: database %s has %d data regions, want %d", c.srv.Addr(), db, n, clusterRegionsPerDatabase)
		}
	}
	return byRegion
}

// retryExec runs sql on c until it succeeds, for at most within, and
// returns the refusals seen before; it fails the test if sql never
// succeeds.
func retryExec(t testing.TB, c *pipeClient, sql string, within time.Duration) []string {
	t.Helper()
	var refusals []string
	pipeWaitFor(t, within, sql+" on "+c.srv.Addr(), func() (bool, string) {
		err := c.execErr(sql)
		if err != nil {
			refusals = append(refusals, err.Error())
			return false, err.Error()
		}
		return true, ""
	})
	return refusals
}

// async runs f in a goroutine and delivers its error on the returned
// channel, for a call that may block past the test's patience. f must not
// use t: it may outlive the test's checks.
func async(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// snapshot runs each query on c and keeps the results, for comparing the
// cluster's content before and after a failure.
func snapshot(t testing.TB, c *pipeClient, queries ...string) map[string]*result {
	t.Helper()
	out := map[string]*result{}
	for _, q := range queries {
		out[q] = c.mustQuery(q)
	}
	return out
}

// diffSnapshots describes how got differs from want ("" when equal).
func diffSnapshots(want, got map[string]*result) string {
	var diffs []string
	for _, q := range slices.Sorted(maps.Keys(want)) {
		w, g := want[q], got[q]
		if d := diffResult(w, g); d != "" {
			diffs = append(diffs, q+": "+d)
		}
	}
	return strings.Join(diffs, "\n")
}

// diffResult describes how two results differ, naming the first rows.
func diffResult(want, got *result) string {
	if !slices.Equal(want.cols, got.cols) {
		return fmt.Sprintf("columns %q, want %q", got.cols, want.cols)
	}
	var diffs []string
	for i := range max(len(want.rows), len(got.rows)) {
		var w, g string
		if i < len(want.rows) {
			w = rowText(want.rows[i])
		}
		if i < len(got.rows) {
			g = rowText(got.rows[i])
		}
		if w != g {
			diffs = append(diffs, fmt.Sprintf("row %d is %s, want %s", i, orNone(g), orNone(w)))
			if len(diffs) == 5 {
				break
			}
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d rows, want %d: %s", len(got.rows), len(want.rows), strings.Join(diffs, "; "))
}

func rowText(r row) string {
	parts := []string{strconv.FormatInt(r.time, 10)}
	for _, v := range r.vals {
		parts = append(parts, textOf(v))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
