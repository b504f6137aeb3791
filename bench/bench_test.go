package bench

import (
	"context"
	"io"
	"testing"
	"time"
)

// small is a workload that runs in about a second.
func small() Config {
	return Config{Devices: 3, Measurements: 2, Rows: 50, TotalRows: 200, Workers: 2, LatencyRun: time.Second}
}

func TestRunCountsEveryPoint(t *testing.T) {
	res, err := Run(context.Background(), small(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Points != 3*2*200 || res.Counted != res.Points {
		t.Fatalf("wrote %d points, counted %d", res.Points, res.Counted)
	}
	if res.FirstWrite <= 0 {
		t.Fatalf("first write timed %s", res.FirstWrite)
	}
	if res.StorageBytes <= 0 || res.DataDirBytes < res.StorageBytes {
		t.Fatalf("disk figures: storage %d, data dir %d", res.StorageBytes, res.DataDirBytes)
	}
}

func TestRunPipeDeliversAndTimes(t *testing.T) {
	cfg := small()
	res, err := RunPipe(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.SyncPoints != 3*2*200 || res.SyncDuration <= 0 || res.DirectPointsPerSecond <= 0 {
		t.Fatalf("sync figures: %+v", res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 {
		t.Fatalf("latency figures: p50 %s, p99 %s", res.P50, res.P99)
	}
	if res.IngestDuration <= 0 || res.TailLag < 0 || res.IngestDuration+res.TailLag != res.SyncDuration {
		t.Fatalf("ingest %s and tail lag %s do not make the sync's %s", res.IngestDuration, res.TailLag, res.SyncDuration)
	}
	// The sink's transfers cross the relay: some bytes per point go to B
	// (columnar, one time per row of ten values: fewer than the 16 of a
	// time and a value each), and B's answers come back.
	if res.WireToB <= 0 || res.WireToB >= 16*res.SyncPoints || res.WireFromB <= 0 {
		t.Fatalf("wire: %d bytes to B, %d back, for %d points", res.WireToB, res.WireFromB, res.SyncPoints)
	}
}
