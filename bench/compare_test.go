package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/test/proc"
)

func TestParseCounts(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int64
	}{
		{"1M,5M", []int64{1_000_000, 5_000_000}},
		{"500k, 1000000", []int64{500_000, 1_000_000}},
		{"1.5M", []int64{1_500_000}},
		{"2K", []int64{2000}},
		{"", nil}, {"0", nil}, {"-1M", nil}, {"1G", nil}, {"1.5", nil}, {"1M,", nil},
	} {
		got, err := ParseCounts(tt.in)
		if (err != nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
			t.Errorf("ParseCounts(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, n := range []int64{1_000_000, 5_000_000, 1_500_000, 500_000, 1234, 2000} {
		got, err := ParseCounts(FormatCount(n))
		if err != nil || len(got) != 1 || got[0] != n {
			t.Errorf("FormatCount(%d) = %q reads back as %v, %v", n, FormatCount(n), got, err)
		}
	}
}

func TestWithPoints(t *testing.T) {
	cfg := DefaultConfig()
	for _, tt := range []struct {
		points int64
		rows   int
	}{{1_000_000, 1000}, {5_000_000, 5000}, {500_000, 500}} {
		got, err := cfg.WithPoints(tt.points)
		if err != nil || got.TotalRows != tt.rows {
			t.Errorf("WithPoints(%d): %d rows per device, %v", tt.points, got.TotalRows, err)
		}
	}
	for _, bad := range []int64{0, 750_000, 1000} {
		if _, err := cfg.WithPoints(bad); err == nil || !strings.Contains(err.Error(), "multiple of 500000 (100 devices x 10 measurements x 500-row tablets)") {
			t.Errorf("WithPoints(%d): %v", bad, err)
		}
	}
}

// TestCompareWithPostgres runs the whole comparison at two tiny sizes
// with the PostgreSQL baseline, as `--pipe --baseline postgres --pin`
// does (Sluice's servers as pinned child processes, PostgreSQL pinned
// alike, its subscription binary): a run per size, every figure of both
// systems filled in, the table printed, and JSON and SVG that parse.
func TestCompareWithPostgres(t *testing.T) {
	needPostgres(t)
	if testing.Short() {
		t.Skip("starts sluice child processes")
	}
	// Not childTest's TMPDIR: PostgreSQL, run as another user when the
	// test runs as root, could not reach a directory of the test's own.
	base := pinnedChildren(t, proc.Binary(t))
	base.Workers = 1
	c := Comparison{Base: base, Points: []int64{300, 1200}, Values: []Values{RandomWalk},
		Postgres: true, PG: PostgresOptions{BinDir: PostgresBinDir}, Command: []string{"sluice", "bench", "--pipe"}}
	var out bytes.Buffer
	rep, err := Compare(context.Background(), c, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Points != 300 || rep.Runs[1].Points != 1200 {
		t.Fatalf("runs: %+v", rep.Runs)
	}
	for _, run := range rep.Runs {
		if run.Values != RandomWalk || run.Postgres == nil || run.SyncRatio <= 0 {
			t.Fatalf("run: %+v", run)
		}
		for name, f := range map[string]Figures{"Sluice": run.Sluice, "PostgreSQL": *run.Postgres} {
			if f.SyncPointsPerSecond <= 0 || f.IngestPointsPerSecond <= 0 || f.TailLagSeconds < 0 ||
				f.LatencyP50Milliseconds <= 0 || f.LatencyP99Milliseconds < f.LatencyP50Milliseconds ||
				f.WireBytesToReceiver <= 0 || f.WireBytesPerPoint <= 0 {
				t.Fatalf("%s figures: %+v", name, f)
			}
		}
	}
	if !strings.Contains(out.String(), "sync points/s") || !strings.Contains(out.String(), "PostgreSQL") {
		t.Fatalf("no table in the output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "PostgreSQL subscription: binary = true") || rep.Setup.PostgresStream != StreamBinary {
		t.Fatalf("the baseline did not stream binary by default (setup %+v):\n%s", rep.Setup, out.String())
	}
	if pin := base.Procs.Pin; pin != nil {
		want := "pinned: A and the client on core(s) " + formatCPUList(pin.Sender) + ", B on core(s) " + formatCPUList(pin.Receiver)
		if !strings.Contains(out.String(), want) || !slices.Equal(rep.Setup.SenderCores, pin.Sender) || !rep.Setup.Processes {
			t.Fatalf("PostgreSQL not pinned as Sluice (%q; setup %+v):\n%s", want, rep.Setup, out.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Fatalf("JSON: %v\n%s", err, js.String())
	}
	var svg bytes.Buffer
	if err := rep.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg.Bytes(), new(struct{})); err != nil {
		t.Fatalf("SVG: %v", err)
	}
}
