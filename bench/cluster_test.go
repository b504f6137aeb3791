package bench

import (
	"context"
	"io"
	"testing"
)

// TestRunClusterPipe starts the six-node source cluster and a receiver
// (a standalone node, or six more nodes): about 10 and 15 s here, most of
// it the nodes' starts and the latency run.
func TestRunClusterPipe(t *testing.T) {
	for _, tt := range []struct {
		name   string
		target bool
	}{{"to a standalone receiver", false}, {"to a target cluster", true}} {
		t.Run(tt.name, func(t *testing.T) {
			binary, tmp := childTest(t)
			cfg := small()
			cfg.Devices = 10 // InsertTablets of several devices: plain success, no redirection
			cfg.Procs.Binary = binary
			cfg.Procs.TargetCluster = tt.target
			res, err := RunClusterPipe(context.Background(), cfg, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(cfg.Devices * cfg.Measurements * cfg.TotalRows); res.Points != want {
				t.Errorf("%d points written, want %d", res.Points, want)
			}
			if res.Ingest <= 0 || res.Sync < res.Ingest || res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("figures: %+v", res)
			}
			childrenGone(t, binary, tmp)
		})
	}
}
