package deploy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPrometheus runs Prometheus with the repository's scrape config and
// rules against a live cluster (1 ConfigNode, 2 DataNodes) and a receiving
// standalone process, all on loopback: ingest counters grow by exactly the
// points written; a pipe's lag rises while its receiver is down and
// returns near zero once it is back; every dashboard query returns data;
// a pipe stopped by an error and a killed DataNode fire their alerts, and
// so do the regions that DataNode alone held.
func TestPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster and Prometheus")
	}
	needTools(t, "prometheus", "promtool")
	t.Parallel()
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 1, DataNodes: 2, Props: map[string]string{
		"data_replication_factor":                    "1",
		"default_data_region_group_num_per_database": "2",
	}})
	recvMetrics := proc.FreePort(t)
	recv := proc.StartStandalone(t, "dn_metrics_port="+strconv.Itoa(recvMetrics))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs:\n%s\n==== receiver ====\n%s", cl.LogTails(40), tail(recv.Log(), 40))
		}
	})
	metricsAddr := func(n *proc.Node) string { return "127.0.0.1:" + strconv.Itoa(n.MetricsPort) }
	prom := startPrometheus(t,
		[]promTarget{{metricsAddr(cl.ConfigNodes[0]), "test"}},
		[]promTarget{{metricsAddr(cl.DataNodes[0]), "test"}, {metricsAddr(cl.DataNodes[1]), "test"},
			{"127.0.0.1:" + strconv.Itoa(recvMetrics), "receiver"}},
		2)
	waitFor(t, 30*time.Second, 250*time.Millisecond, "every target scraped", func() string {
		v, _, err := prom.scalar(`count(up{job=~"sluice-.*"} == 1)`)
		if err != nil || v != 4 {
			return fmt.Sprintf("%v targets up (%v), want 4", v, err)
		}
		return ""
	})
	entry := cl.DataNodes[0].Addr()

	// Ingest counters grow by what is written, as Prometheus sees them.
	points := func() float64 {
		v, _, err := prom.scalar(`sum(sluice_datanode_points_written_total{cluster="test"})`)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	written := 0
	write := func(from, to int) {
		t.Helper()
		for d := 1; d <= 4; d++ {
			var vals []string
			for ts := from; ts <= to; ts++ {
				vals = append(vals, fmt.Sprintf("(%d, %d.5)", ts, ts))
			}
			cli(t, entry, fmt.Sprintf("INSERT INTO root.prom.d%d(time, v) VALUES %s", d, strings.Join(vals, ", ")))
			written += to - from + 1
		}
	}
	before := points()
	write(1, 50)
	waitFor(t, 15*time.Second, 250*time.Millisecond, "points written counted", func() string {
		if d := points() - before; d != float64(written) {
			return fmt.Sprintf("sum of sluice_datanode_points_written_total rose by %v, want %d", d, written)
		}
		return ""
	})

	// A pipe to the receiver, and one stopped by the receiver refusing its
	// password.
	sink := fmt.Sprintf("'sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d'", recv.Port)
	cli(t, entry, "CREATE PIPE p2r WITH SINK ("+sink+")",
		"CREATE PIPE refused WITH SINK ("+sink+", 'sink.user'='root', 'sink.password'='wrong')")
	waitReceiverCount(t, recv.Addr(), written, 60*time.Second)
	prom.waitFiring("SluicePipeStoppedByError", map[string]string{"pipe": "refused", "cluster": "test"}, 60*time.Second)
	if f, _ := prom.firing("SluicePipeStoppedByError", map[string]string{"pipe": "p2r"}); f {
		t.Errorf("SluicePipeStoppedByError fires for the running pipe p2r")
	}

	// Lag rises while the receiver is down and falls back once it is up.
	lag := func() (float64, string) {
		v, ok, err := prom.scalar(`max(sluice_pipe_lag_seconds{cluster="test",pipe="p2r"})`)
		if err != nil || !ok {
			return 0, fmt.Sprintf("no sluice_pipe_lag_seconds for p2r (%v)", err)
		}
		return v, fmt.Sprintf("lag %vs", v)
	}
	recv.Stop()
	next := 51
	waitFor(t, 60*time.Second, time.Second, "p2r's lag above 5s while the receiver is down", func() string {
		write(next, next)
		next++
		if v, msg := lag(); v <= 5 {
			return msg
		}
		return ""
	})
	recv.Start()
	waitReceiverCount(t, recv.Addr(), written, 60*time.Second)
	waitFor(t, 30*time.Second, 250*time.Millisecond, "p2r's lag near zero after the receiver is back", func() string {
		if v, msg := lag(); v > 1 {
			return msg
		}
		return ""
	})

	// Every dashboard query answers, while writes go on (a pipe with no
	// rate has no estimated time to drain).
	var queries []panelQuery
	for _, d := range loadDashboards(t) {
		queries = append(queries, d.queries(t)...)
	}
	waitFor(t, 30*time.Second, time.Second, "every dashboard query returns data", func() string {
		write(next, next)
		next++
		var empty []string
		for _, q := range queries {
			expr := expandGrafanaVars(q.expr)
			s, err := prom.query(expr)
			if err != nil || len(s) == 0 {
				empty = append(empty, fmt.Sprintf("%s: %s (%v)", q.where, expr, err))
			}
		}
		return strings.Join(empty, "\n")
	})

	// A DataNode dies: the ConfigNode leader reports it down, Prometheus
	// cannot scrape it, and the regions it alone held (RF=1) have no leader.
	victim := cl.DataNodes[1]
	id := nodeIDByInternalPort(t, entry, victim.InternalPort)
	held := 0
	for _, r := range csvRows(t, cli(t, entry, "SHOW REGIONS")) {
		if r["Type"] == "DataRegion" && r["DataNodeId"] == id {
			held++
		}
	}
	victim.Kill()
	prom.waitFiring("SluiceNodeDown", map[string]string{"node_id": id, "type": "DataNode", "cluster": "test"}, 60*time.Second)
	prom.waitFiring("SluiceTargetDown", map[string]string{"instance": metricsAddr(victim)}, 30*time.Second)
	if held > 0 {
		prom.waitFiring("SluiceRegionWithoutLeader", map[string]string{"cluster": "test"}, 30*time.Second)
	} else {
		t.Logf("%s held no region: SluiceRegionWithoutLeader not expected", victim.Name)
	}
}

// waitReceiverCount waits until the receiver at addr holds n points below
// root.prom.
func waitReceiverCount(t testing.TB, addr string, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, 500*time.Millisecond, fmt.Sprintf("%d points at the receiver", n), func() string {
		out, err := tryCLI(t, addr, "SELECT count(v) FROM root.prom.**")
		if err != nil {
			return fmt.Sprintf("%v: %s", err, out)
		}
		total := 0
		for _, r := range csvRows(t, out) {
			for _, v := range r {
				c, _ := strconv.Atoi(v)
				total += c
			}
		}
		if total != n {
			return fmt.Sprintf("%d points", total)
		}
		return ""
	})
}

// nodeIDByInternalPort finds a node's id in SHOW CLUSTER.
func nodeIDByInternalPort(t testing.TB, addr string, port int) string {
	t.Helper()
	for _, r := range csvRows(t, cli(t, addr, "SHOW CLUSTER")) {
		if r["InternalPort"] == strconv.Itoa(port) {
			return r["NodeID"]
		}
	}
	t.Fatalf("SHOW CLUSTER at %s lists no node with internal port %d", addr, port)
	return ""
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
