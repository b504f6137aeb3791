package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunPostgresReplicatesAndMeasures runs the PostgreSQL baseline at a
// tiny size: two instances, a publication and a subscription through the
// relay, every row on B, the figures filled in, and nothing left behind.
func TestRunPostgresReplicatesAndMeasures(t *testing.T) {
	needPostgres(t)
	before := pgDirs(t)
	cfg := small()
	cfg.Workers = 1
	cfg.Values = Regular
	var out bytes.Buffer
	res, err := RunPostgres(context.Background(), cfg, PostgresOptions{BinDir: PostgresBinDir}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Rows != 3*200 || res.Points != 3*2*200 {
		t.Fatalf("rows %d, points %d", res.Rows, res.Points)
	}
	if res.SyncDuration <= 0 || res.SyncDuration < res.IngestDuration || res.TailLag < 0 {
		t.Fatalf("times: %+v", res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 {
		t.Fatalf("latency: p50 %s, p99 %s", res.P50, res.P99)
	}
	// Every double is in the WAL stream at least once.
	if res.WireToB < res.Points*8 || res.WireFromB <= 0 {
		t.Fatalf("wire: %d bytes to B, %d back, for %d points", res.WireToB, res.WireFromB, res.Points)
	}
	if left := pgDirs(t); len(left) > len(before) {
		t.Fatalf("left behind: %v (before the run: %v)", left, before)
	}
	if !strings.Contains(out.String(), "PostgreSQL sync A -> B") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// TestRunPostgresCancelledCleansUp: a cancelled run stops its servers and
// removes their directories.
func TestRunPostgresCancelledCleansUp(t *testing.T) {
	needPostgres(t)
	before := pgDirs(t)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := small()
	cfg.Workers = 1
	cfg.TotalRows = 40000 // cancelled at a quarter of it
	out := &cancelAfter{marker: "COPY into PostgreSQL A", cancel: cancel}
	_, err := RunPostgres(ctx, cfg, PostgresOptions{BinDir: PostgresBinDir}, out)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if left := pgDirs(t); len(left) > len(before) {
		t.Fatalf("left behind: %v (before the run: %v)", left, before)
	}
}

// cancelAfter cancels once marker has been written.
type cancelAfter struct {
	bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	n, err := c.Buffer.Write(p)
	if strings.Contains(c.Buffer.String(), c.marker) {
		c.cancel()
	}
	return n, err
}

// pgDirs lists the instance directories in the temporary directory (the
// server, run as another user when the test runs as root, must reach it,
// so it is not the test's own).
func pgDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), "sluice-bench-pg-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// needPostgres skips the test when PostgreSQL 15 is not installed, or
// fails it when SLUICE_BENCH_POSTGRES=require (as on CI, whose .ci/run
// installs it).
func needPostgres(t *testing.T) {
	t.Helper()
	if err := FindPostgres(context.Background(), PostgresBinDir, false, io.Discard); err != nil {
		if os.Getenv("SLUICE_BENCH_POSTGRES") == "require" {
			t.Fatalf("SLUICE_BENCH_POSTGRES=require: %v", err)
		}
		t.Skipf("PostgreSQL baseline not tested: %v", err)
	}
}
