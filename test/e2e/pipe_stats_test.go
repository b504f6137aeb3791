package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeStatistics: SHOW PIPES STATISTICS lists a pipe's figures with the
// documented columns, counts its backlog while it is stopped (SHOW PIPES
// agrees), and `sluice top` shows it RUNNING.
func TestPipeStatistics(t *testing.T) {
	t.Parallel()
	metricsPort := proc.FreePort(t)
	a := proc.StartStandalone(t, "dn_metrics_port="+strconv.Itoa(metricsPort))
	b := proc.StartStandalone(t)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	ca.mustExec(fmt.Sprintf(`CREATE PIPE stats WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')`, b.Port))
	w := ca.insertRows("root.st.d.s", pipeRowsRange(1, 20, 0))
	pipeWaitData(t, cb, "root.st", w, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "stats")

	wantCols := []string{"ID", "State", "RemainingEventCount", "EventsPerSecond", "LagSeconds",
		"EstimatedRemainingSeconds", "ExceptionMessage", "PointsSent", "Retries"}
	var row map[string]string
	pipeWaitFor(t, pipeDeadline, "statistics of a drained pipe", func() (bool, string) {
		cols, rows := ca.pipeRows("SHOW PIPES STATISTICS")
		if !slices.Equal(cols, wantCols) {
			t.Fatalf("SHOW PIPES STATISTICS columns %q, want %q", cols, wantCols)
		}
		if len(rows) != 1 {
			return false, fmt.Sprintf("rows %v", rows)
		}
		row = rows[0]
		points, _ := strconv.Atoi(row["PointsSent"])
		return row["ID"] == "stats" && row["State"] == "RUNNING" && row["RemainingEventCount"] == "0" &&
			row["EstimatedRemainingSeconds"] == "0.00" && row["LagSeconds"] == "0.00" && points >= 20, fmt.Sprintf("row %v", row)
	})
	for _, col := range []string{"EventsPerSecond", "LagSeconds"} {
		if v, err := strconv.ParseFloat(row[col], 64); err != nil || v < 0 {
			t.Errorf("%s %q is not a non-negative number", col, row[col])
		}
	}

	out := runTop(t, a.Port)
	if !strings.Contains(out, "stats") || !strings.Contains(out, "RUNNING") {
		t.Errorf("sluice top -n 2 does not show pipe stats RUNNING:\n%s", out)
	}

	// Stopped, the pipe's backlog still counts and no rate drains it.
	ca.mustExec("STOP PIPE stats")
	ca.insertRows("root.st.d.s", pipeRowsRange(21, 30, 0))
	pipeWaitFor(t, pipeDeadline, "a stopped pipe's backlog", func() (bool, string) {
		_, rows := ca.pipeRows("SHOW PIPES STATISTICS")
		if len(rows) != 1 {
			return false, fmt.Sprintf("rows %v", rows)
		}
		n, _ := strconv.Atoi(rows[0]["RemainingEventCount"])
		return rows[0]["State"] == "STOPPED" && n > 0 && rows[0]["EstimatedRemainingSeconds"] == "Unknown", fmt.Sprintf("row %v", rows[0])
	})
	if r := ca.pipe("stats"); r == nil || r["RemainingEventCount"] == "0" || r["EstimatedRemainingSeconds"] != "Unknown" {
		t.Errorf("SHOW PIPES of the stopped pipe: %v, want a backlog and an Unknown estimate", r)
	}
	ca.mustExec("START PIPE stats")
	pipeWaitDrained(t, ca, pipeDeadline, "stats")

	// The standalone process leads its own cluster: it exports the pipe's
	// cluster-wide series and its tasks' series, and drops both with it.
	page := scrape(t, a)
	for _, series := range []string{`sluice_pipe_state{pipe="stats",state="RUNNING"} 1`, `sluice_pipe_state{pipe="stats",state="STOPPED"} 0`,
		`sluice_pipe_remaining_events{pipe="stats"} 0`, `sluice_pipe_exception{pipe="stats"} 0`} {
		name, value, _ := strings.Cut(series, " ")
		if v, ok := seriesValue(page, name); !ok || strconv.FormatFloat(v, 'f', -1, 64) != value {
			t.Errorf("%s: got %v (present %v), want %s", name, v, ok, value)
		}
	}
	for _, name := range []string{"sluice_pipe_events_per_second", "sluice_pipe_progress_snapshot_age_seconds",
		"sluice_pipe_lag_seconds", "sluice_pipe_sink_connections", "sluice_region_pinned_log_limit_bytes"} {
		if !strings.Contains(page, name+"{") {
			t.Errorf("/metrics has no %s series", name)
		}
	}
	ca.mustExec("DROP PIPE stats")
	pipeWaitFor(t, pipeDeadline, "no series of the dropped pipe", func() (bool, string) {
		var left []string
		for _, l := range strings.Split(scrape(t, a), "\n") {
			if strings.Contains(l, `pipe="stats"`) {
				left = append(left, l)
			}
		}
		return len(left) == 0, strings.Join(left, "\n")
	})
}

// runTop runs the built `sluice top -n 2` against port and returns its
// output.
func runTop(t *testing.T, port int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, proc.Binary(t), "top", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-n", "2", "--interval", "200ms")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sluice top: %v\n%s", err, out)
	}
	return string(out)
}

// TestPipeStatisticsClusterWide: in a cluster of two DataNodes whose
// regions each hold one replica (RF=1), a stopped pipe's backlog spans
// regions hosted on both, and SHOW PIPES STATISTICS and SHOW PIPES give
// the same cluster-wide count whichever DataNode answers.
func TestPipeStatisticsClusterWide(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 1, DataNodes: 2, Props: map[string]string{
		"data_replication_factor": "1", "default_data_region_group_num_per_database": "4"}})
	b := proc.StartStandalone(t)
	c0, c1, cb := sqlTo(t, cl.DataNodes[0]), sqlTo(t, cl.DataNodes[1]), newPipeClient(t, b)
	devices := []string{"root.cw.d1.s", "root.cw.d2.s", "root.cw.d3.s", "root.cw.d4.s", "root.cw.d5.s", "root.cw.d6.s", "root.cw.d7.s", "root.cw.d8.s"}
	write := func(from, to int64) pipeData {
		var parts []pipeData
		for i, d := range devices {
			rows := pipeRowsRange(from, to, int64(i)*1000)
			if got := retryExecInsert(t, c0, d, rows, 30*time.Second); got != "" {
				t.Fatalf("insert into %s: %s", d, got)
			}
			parts = append(parts, pipeData{d: rows})
		}
		return mergeData(parts...)
	}
	c0.mustExec(fmt.Sprintf("CREATE PIPE cw %s", pipeSinkClause("iotdb-thrift-sink", b.Port)))
	want := write(1, 10)
	pipeWaitData(t, cb, "root.cw", want, 60*time.Second)

	hosts := map[string]bool{}
	for _, replicas := range dataRegions(t, c0) {
		for _, r := range replicas {
			hosts[r["DataNodeId"]] = true
		}
	}
	if len(hosts) != 2 {
		t.Fatalf("the regions are on DataNodes %v, want both", hosts)
	}

	c0.mustExec("STOP PIPE cw")
	// Both DataNodes report one cluster-wide backlog. STOP returns once no
	// task runs, but the figures come from heartbeats, up to one interval
	// old, so the figure is read once it is stable, and then must grow by
	// exactly one entry per device for one more insert each: each insert
	// is one log entry of its device's region, wherever that region is.
	backlog := func() (string, string) {
		var counts []string
		for _, c := range []*pipeClient{c0, c1} {
			_, rows := c.pipeRows("SHOW PIPES STATISTICS")
			if len(rows) != 1 {
				return "", fmt.Sprintf("rows %v", rows)
			}
			counts = append(counts, rows[0]["RemainingEventCount"], c.pipe("cw")["RemainingEventCount"])
		}
		for _, n := range counts[1:] {
			if n != counts[0] {
				return "", fmt.Sprint(counts)
			}
		}
		return counts[0], fmt.Sprint(counts)
	}
	want = mergeData(want, write(11, 20))
	var before int
	pipeWaitFor(t, 30*time.Second, "a stable backlog agreed by both DataNodes", func() (bool, string) {
		first, desc := backlog()
		time.Sleep(1500 * time.Millisecond) // more than a heartbeat
		second, _ := backlog()
		before, _ = strconv.Atoi(first)
		return first != "" && first == second && before >= 1, desc
	})
	want = mergeData(want, write(21, 30))
	var agreed string
	pipeWaitFor(t, 30*time.Second, "the backlog grown by one entry per device on both DataNodes", func() (bool, string) {
		n, desc := backlog()
		agreed = n
		return n == strconv.Itoa(before+len(devices)), desc
	})
	t.Logf("backlog of the stopped pipe: %s entries on both DataNodes", agreed)

	c0.mustExec("START PIPE cw")
	pipeWaitData(t, cb, "root.cw", want, 60*time.Second)
	pipeWaitDrained(t, c1, 30*time.Second, "cw")
}
