package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// pinnedChildren returns the small workload on child processes, pinned
// when the machine allows it.
func pinnedChildren(t *testing.T, binary string) Config {
	t.Helper()
	cfg := small()
	cfg.Procs = ProcOptions{Enabled: true, Binary: binary}
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) >= 2 {
		plan, err := NewPinPlan(formatCPUList(allowed[:1]), formatCPUList(allowed[1:2]), allowed)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Procs.Pin = &plan
	} else {
		t.Logf("one core: the children run unpinned")
	}
	return cfg
}

func TestRunPipeCostPinned(t *testing.T) {
	binary, tmp := childTest(t)
	cfg := pinnedChildren(t, binary)
	before, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := RunPipeCost(context.Background(), cfg, 1, 1, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(cfg.Devices * cfg.Measurements * cfg.TotalRows)
	// Waits show on the progress bar (plain lines off a terminal).
	if strings.Contains(out.String(), "\r") || !strings.Contains(out.String(), "receiver holds: done") {
		t.Errorf("output:\n%s", out.String())
	}
	var rep struct {
		Mode     string `json:"mode"`
		Setup    Setup  `json:"setup"`
		PipeCost struct {
			Runs []struct {
				WithPipe              bool    `json:"with_pipe"`
				Points                int64   `json:"points"`
				IngestPointsPerSecond float64 `json:"ingest_points_per_second"`
				SyncSeconds           float64 `json:"sync_seconds"`
			} `json:"runs"`
			Warmup []struct {
				WithPipe bool `json:"with_pipe"`
			} `json:"warmup_runs"`
			Ratio      float64 `json:"ratio"`
			LoadBefore string  `json:"load_average_before"`
		} `json:"pipe_cost"`
	}
	decodeReport(t, CostReport(cfg, res, []string{"sluice", "bench", "--pipe-cost"}), &rep)
	c := rep.PipeCost
	if rep.Mode != ModePipeCost || len(c.Runs) != 2 || c.Ratio != res.Ratio || c.LoadBefore == "" || !c.Runs[1].WithPipe ||
		c.Runs[1].SyncSeconds <= 0 || c.Runs[0].Points != want || c.Runs[0].IngestPointsPerSecond != res.Runs[0].PointsPerSecond() {
		t.Errorf("JSON report: %+v", rep)
	}
	if cfg.Procs.Pin != nil && !slices.Equal(rep.Setup.ReceiverCores, cfg.Procs.Pin.Receiver) {
		t.Errorf("JSON setup: %+v", rep.Setup)
	}
	if len(res.Runs) != 2 || res.Runs[0].WithPipe || !res.Runs[1].WithPipe {
		t.Fatalf("runs: %+v, want one without a pipe, then one with", res.Runs)
	}
	// The warm-up pair ran first and is reported apart from the figures.
	if len(res.Warmup) != 2 || res.Warmup[0].WithPipe || !res.Warmup[1].WithPipe || res.Warmup[1].Points != want ||
		len(c.Warmup) != 2 || !strings.Contains(out.String(), "warm-up run 2/2 with a pipe, not counted") {
		t.Fatalf("warm-up: %+v, JSON %+v, output:\n%s", res.Warmup, c.Warmup, out.String())
	}
	for i, r := range res.Runs {
		if r.Points != want || r.Counted != want || r.Ingest <= 0 {
			t.Errorf("run %d: %+v, want %d points written and counted", i+1, r, want)
		}
	}
	if res.Runs[1].Sync < res.Runs[1].Ingest {
		t.Errorf("B held every point %s after the start, before the ingest ended (%s)", res.Runs[1].Sync, res.Runs[1].Ingest)
	}
	if res.MedianWithout != res.Runs[0].PointsPerSecond() || res.MedianWith != res.Runs[1].PointsPerSecond() || res.Ratio != res.MedianWith/res.MedianWithout {
		t.Errorf("medians and ratio: %+v", res)
	}
	after, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if formatCPUList(after) != formatCPUList(before) {
		t.Errorf("the bench left this process on cores %v, it ran on %v", after, before)
	}
	childrenGone(t, binary, tmp)
}

func TestRunPipeInChildProcesses(t *testing.T) {
	binary, tmp := childTest(t)
	cfg := pinnedChildren(t, binary)
	res, err := RunPipe(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.SyncPoints != int64(cfg.Devices*cfg.Measurements*cfg.TotalRows) || res.SyncDuration <= 0 || res.P50 <= 0 {
		t.Fatalf("sync figures: %+v", res)
	}
	childrenGone(t, binary, tmp)
}

// cancelOnWrite cancels a context at the first write containing a word.
type cancelOnWrite struct {
	word   string
	cancel context.CancelFunc
}

func (w cancelOnWrite) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.word) {
		w.cancel()
	}
	return len(p), nil
}

// The runs come in mirrored pairs, so that a drift through the runs
// weighs on both kinds alike.
func TestCostOrderMirrorsPairs(t *testing.T) {
	got := costOrder(3)
	want := []bool{false, true, true, false, false, true}
	if !slices.Equal(got, want) {
		t.Fatalf("costOrder(3) = %v, want %v", got, want)
	}
}

// TestRunPipeCostInterrupted cancels the run (as Ctrl-C does) once the
// ingest is under way: the run ends with the cancellation, and no child
// process or file is left behind.
func TestRunPipeCostInterrupted(t *testing.T) {
	binary, tmp := childTest(t)
	cfg := small()
	cfg.TotalRows = 1_000_000 // far longer than the test lets it run
	cfg.Procs = ProcOptions{Enabled: true, Binary: binary}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := RunPipeCost(ctx, cfg, 1, 0, cancelOnWrite{word: "ingest", cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunPipeCost after its context ended: %v, want context.Canceled", err)
	}
	childrenGone(t, binary, tmp)
}

// decodeReport writes rep as JSON and reads it back into v, as a reader
// of `--json` would.
func decodeReport(t *testing.T, rep Report, v any) {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), v); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
}
