package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
	// Text here, binary (the default) in TestCompareWithPostgres.
	res, err := RunPostgres(context.Background(), cfg, PostgresOptions{BinDir: PostgresBinDir, Stream: StreamText}, &out)
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
	for _, want := range []string{"PostgreSQL subscription: binary = false", "PostgreSQL sync A -> B", "text stream"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in the output:\n%s", want, out.String())
		}
	}
}

// TestStartPostgresPinned: a pinned instance's postmaster and the backends
// it forks for connections run on the cores asked for.
func TestStartPostgresPinned(t *testing.T) {
	needPostgres(t)
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	cpus := allowed[len(allowed)-1:]
	ctx := context.Background()
	p, err := startPostgres(ctx, PostgresBinDir, cpus)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	pidFile, err := os.ReadFile(filepath.Join(p.dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, _, _ := strings.Cut(string(pidFile), "\n")
	conns, err := connectPG(ctx, p.connString(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer closePG(conns)
	var backend int
	if err := conns[0].QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	for what, pid := range map[string]string{"postmaster": postmaster, "backend": strconv.Itoa(backend)} {
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatal(err)
		}
		if got := statusField(string(status), "Cpus_allowed_list"); got != formatCPUList(cpus) {
			t.Errorf("%s %s runs on cores %s, want %s", what, pid, got, formatCPUList(cpus))
		}
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
