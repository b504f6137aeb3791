package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
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
			var out bytes.Buffer
			res, err := RunClusterPipe(context.Background(), cfg, &out)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), "\r") || !strings.Contains(out.String(), "receiver holds: done") {
				t.Errorf("output:\n%s", out.String())
			}
			rep := ClusterReport(cfg, res, []string{"sluice", "bench", "--source-cluster"})
			var got Report
			decodeReport(t, rep, &got)
			wantReceiver := map[bool]string{false: "standalone", true: "cluster"}[tt.target]
			if got.Mode != ModeCluster || !got.Setup.Processes || got.Setup.Receiver != wantReceiver || len(got.Runs) != 1 || got.Runs[0].Points != res.Points ||
				got.Runs[0].Sluice.FirstWriteMilliseconds <= 0 || got.Runs[0].Sluice.LatencyProbes != res.Probes ||
				got.Runs[0].Sluice.SyncPointsPerSecond != res.SyncPointsPerSecond() {
				t.Errorf("JSON report: %+v", got)
			}
			var svg bytes.Buffer
			if err := rep.WriteSVG(&svg); err != nil || xml.Unmarshal(svg.Bytes(), new(struct{})) != nil || strings.Contains(svg.String(), "PostgreSQL") {
				t.Errorf("SVG (%v):\n%s", err, svg.String())
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
