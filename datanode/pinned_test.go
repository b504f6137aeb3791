package datanode

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/sql/parser"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pipeRow is the named pipe's SHOW PIPES row by column.
func (n *node) pipeRow(name string) map[string]string {
	n.t.Helper()
	stmts, err := parser.Parse("show pipe " + name)
	if err != nil {
		n.t.Fatal(err)
	}
	res, err := n.dn.Run(n.t.Context(), "root", time.UTC, stmts[0])
	if err != nil {
		n.t.Fatal(err)
	}
	defer res.Rows.Close()
	b, err := res.Rows.Next(n.t.Context(), 10)
	if err != nil || b == nil || b.Len() == 0 {
		n.t.Fatalf("show pipe %s: no row (%v)", name, err)
	}
	row := map[string]string{}
	for c, col := range res.Columns {
		row[col] = fmt.Sprint(b.Columns[c].Value(0))
	}
	return row
}

// A stopped pipe's pin that keeps more log than pipe_pinned_log_max_bytes
// is released when the region compacts: counted, shown in the pipe's
// ExceptionMessage, and once started again the pipe resends what the log
// lost, so the receiver ends up with every point.
func TestPinnedLogCapReleasesPin(t *testing.T) {
	recv := startNode(t, t.TempDir())
	src := startNode(t, t.TempDir(), func(c *Config) { c.PipePinnedLogMaxBytes = 1 })
	src.mustExec(fmt.Sprintf("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%s')", recv.dn.rpcPort()))
	src.mustExec("insert into root.cap.d(time, a) values (1, 1)")
	count := func() string {
		rows, err := recv.exec("root", "select count(a) from root.cap.d")
		if err != nil || len(rows) != 1 {
			return fmt.Sprint(rows, err)
		}
		return rows[0][len(rows[0])-1]
	}
	waitFor(t, "the first point at the receiver", func() (bool, string) { return count() == "1", count() + fmt.Sprint(src.pipeRow("p")) })
	// Let the agent commit the frontier, pinning the log just past it.
	waitFor(t, "committed progress", func() (bool, string) {
		p := src.dn.meta.Pipes()[0]
		return len(p.Progress) > 0, fmt.Sprint(p.Progress)
	})

	src.mustExec("stop pipe p")
	for i := 2; i <= 40; i++ {
		src.mustExec(fmt.Sprintf("insert into root.cap.d(time, a) values (%d, %d)", i, i))
	}
	for _, r := range src.dn.regions.all() {
		_ = r.group.Snapshot() // compacts the log up to the pin, or past it
	}
	var releases float64
	for _, r := range src.dn.regions.all() {
		if v := src.metric("sluice_region_pinned_log_releases_total", regionLabel(r.id)); v > 0 {
			releases += v
		}
		if v := src.metric("sluice_region_pinned_log_limit_bytes", regionLabel(r.id)); v != 1 {
			t.Errorf("region %d limit = %v, want 1", r.id, v)
		}
	}
	if releases < 1 {
		t.Fatalf("no pin released over the 1-byte cap")
	}
	waitFor(t, "the release in SHOW PIPES", func() (bool, string) {
		row := src.pipeRow("p")
		return strings.Contains(row["ExceptionMessage"], "log pin released") && row["State"] == "STOPPED", fmt.Sprint(row)
	})

	src.mustExec("start pipe p")
	waitFor(t, "every point at the receiver", func() (bool, string) { return count() == "40", count() })
}
