package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestClusterMetrics scrapes every node of a 3 ConfigNode + 2 DataNode
// cluster: each says its build and role; exactly one ConfigNode says it
// leads and only it exports the cluster series; client writes move the
// receiving DataNode's counters; hashicorp/raft's own metrics are bridged;
// a killed DataNode turns to 0, and the regions it led lose their leader.
func TestClusterMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 3, DataNodes: 2, Props: map[string]string{
		"data_replication_factor":                    "1",
		"default_data_region_group_num_per_database": "2",
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs:\n%s", cl.LogTails(40))
		}
	})
	for _, n := range cl.Nodes() {
		if !strings.Contains(scrapeNode(t, n), `role="`+string(n.Role)+`"`) {
			t.Errorf("%s: no sluice_build_info with role %q", n.Name, n.Role)
		}
	}
	c := sqlTo(t, cl.DataNodes[0])
	ids := map[*proc.Node]string{}
	for _, n := range cl.Nodes() {
		ids[n] = nodeID(t, c, n)
	}

	dn := cl.DataNodes[0]
	before := scrapeNode(t, dn)
	c.mustExec("INSERT INTO root.m.d(time, a, b) VALUES (1, 1, 1), (2, 2, 2)", "INSERT INTO root.m.d(time, a) VALUES (3, 3)")
	after := scrapeNode(t, dn)
	for name, want := range map[string]float64{"sluice_datanode_points_written_total": 5, "sluice_datanode_write_requests_total": 2} {
		if d := metricSum(after, name) - metricSum(before, name); d != want {
			t.Errorf("%s on %s rose by %v over 2 inserts of 5 points, want %v", name, dn.Name, d, want)
		}
	}
	onVictim := 0
	for _, reps := range dataRegions(t, c) {
		if reps[0]["DataNodeId"] == ids[cl.DataNodes[1]] {
			onVictim++
		}
	}

	leader := waitClusterLeader(t, cl, func(page string) string {
		for _, n := range cl.Nodes() {
			if v, _ := seriesValue(page, fmt.Sprintf(`sluice_cluster_node_up{node_id="%s",type="%s"}`, ids[n], nodeType(n))); v != 1 {
				return fmt.Sprintf("%s (node %s) is not up: %v", n.Name, ids[n], v)
			}
		}
		if v, _ := seriesValue(page, "sluice_cluster_regions"); v != 2 {
			return fmt.Sprintf("sluice_cluster_regions %v, want 2", v)
		}
		if v, _ := seriesValue(page, "sluice_cluster_regions_without_leader"); v != 0 {
			return fmt.Sprintf("sluice_cluster_regions_without_leader %v, want 0", v)
		}
		return ""
	})
	ledRegions, raftCommits := 0.0, 0.0
	for _, n := range cl.DataNodes {
		page := scrapeNode(t, n)
		v, _ := seriesValue(page, `sluice_datanode_regions{role="leader"}`)
		ledRegions += v
		raftCommits += metricSum(page, "sluice_raft_commitTime_count")
	}
	if ledRegions != 2 || raftCommits == 0 {
		t.Errorf("the DataNodes lead %v regions (want 2) and report %v Raft commits in sluice_raft_commitTime (want some)", ledRegions, raftCommits)
	}

	cl.DataNodes[1].Kill()
	victim := fmt.Sprintf(`sluice_cluster_node_up{node_id="%s",type="DataNode"}`, ids[cl.DataNodes[1]])
	if l := waitClusterLeader(t, cl, func(page string) string {
		up, _ := seriesValue(page, victim)
		unknown, _ := seriesValue(page, `sluice_cluster_nodes{status="Unknown",type="DataNode"}`)
		orphans, _ := seriesValue(page, "sluice_cluster_regions_without_leader")
		if up != 0 || unknown != 1 || orphans != float64(onVictim) {
			return fmt.Sprintf("%s %v, DataNodes Unknown %v, regions without leader %v (want 0, 1, %d)", victim, up, unknown, orphans, onVictim)
		}
		return ""
	}); l != leader {
		t.Errorf("ConfigNode leadership moved from %s to %s", leader.Name, l.Name)
	}
}

// waitClusterLeader waits until exactly one ConfigNode of cl exports
// sluice_confignode_leader 1, the others 0 and no sluice_cluster_ series,
// and check (given the leader's page) returns ""; it returns the leader.
func waitClusterLeader(t *testing.T, cl *proc.Cluster, check func(page string) string) *proc.Node {
	t.Helper()
	var leader *proc.Node
	pipeWaitFor(t, 15*time.Second, "one ConfigNode leader exporting the expected cluster series", func() (bool, string) {
		leader = nil
		var leaderPage string
		for _, n := range cl.ConfigNodes {
			page := scrapeNode(t, n)
			v, ok := seriesValue(page, "sluice_confignode_leader")
			switch {
			case !ok:
				return false, n.Name + " exports no sluice_confignode_leader"
			case v == 1 && leader != nil:
				return false, fmt.Sprintf("%s and %s both lead", leader.Name, n.Name)
			case v == 1:
				leader, leaderPage = n, page
			case strings.Contains(page, "\nsluice_cluster_"):
				return false, n.Name + " does not lead but exports sluice_cluster_ series"
			}
		}
		if leader == nil {
			return false, "no ConfigNode leads"
		}
		if msg := check(leaderPage); msg != "" {
			return false, leader.Name + ": " + msg
		}
		return true, ""
	})
	return leader
}

// scrapeNode fetches a cluster node's /metrics page.
func scrapeNode(t *testing.T, n *proc.Node) string {
	t.Helper()
	url := "http://127.0.0.1:" + strconv.Itoa(n.MetricsPort) + "/metrics"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s (%s): %d %v", url, n.Name, resp.StatusCode, err)
	}
	return string(b)
}

// seriesValue finds one series, written as the exposition format does
// (name{label="value",...}, labels sorted), in a /metrics page.
func seriesValue(page, series string) (float64, bool) {
	for _, l := range strings.Split(page, "\n") {
		if rest, ok := strings.CutPrefix(l, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}
