package confignode

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// The leader exports each pipe's cluster-wide figures from the DataNodes'
// reports, follows its state, and drops every series of a dropped pipe.
func TestPipeMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	c := New(Config{Dir: t.TempDir(), SlotNum: 16, RegionsPerDatabase: 1, Timeout: 100 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond},
		slog.New(slog.DiscardHandler), reg, consensus.NewMetrics(prometheus.NewRegistry()))
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dn, _, err := c.RegisterDataNode(ctx, NodeInfo{ID: 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "root.m"); err != nil {
		t.Fatal(err)
	}
	region := c.Regions()[0].ID
	if err := c.CreatePipe(ctx, "p", "root", model.Path{"root", model.MultiLevel}, nil, nil, []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}); err != nil {
		t.Fatal(err)
	}
	created := c.Pipes()[0].CreationTime
	report := &PipeReport{Applied: map[uint32]uint64{region: 40}, Tasks: []PipeTaskStats{
		{Pipe: "p", Created: created, Region: region, HistoryDone: true, Index: 30, EventsPerSecond: 4, LagSeconds: 2,
			Exception: "retrying: no answer from 127.0.0.1:9 for 5s"}}}
	if _, err := c.Heartbeat(ctx, dn, []uint32{region}, report); err != nil {
		t.Fatal(err)
	}
	waitPipeSeries(t, reg, map[string]float64{
		"sluice_pipe_state{pipe=p,state=RUNNING}":           1,
		"sluice_pipe_state{pipe=p,state=STOPPED}":           0,
		"sluice_pipe_remaining_events{pipe=p}":              10,
		"sluice_pipe_events_per_second{pipe=p}":             4,
		"sluice_pipe_estimated_remaining_seconds{pipe=p}":   2.5,
		"sluice_pipe_exception{pipe=p}":                     1,
		"sluice_pipe_progress_snapshot_age_seconds{pipe=p}": -1, // any value
	})

	if err := c.StopPipe(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	// Stopped, its tasks gone: the backlog is still counted from the
	// replicas' applied index, and there is no rate nor estimate.
	if _, err := c.Heartbeat(ctx, dn, []uint32{region}, &PipeReport{Applied: map[uint32]uint64{region: 45}}); err != nil {
		t.Fatal(err)
	}
	waitPipeSeries(t, reg, map[string]float64{
		"sluice_pipe_state{pipe=p,state=RUNNING}":           0,
		"sluice_pipe_state{pipe=p,state=STOPPED}":           1,
		"sluice_pipe_remaining_events{pipe=p}":              45,
		"sluice_pipe_events_per_second{pipe=p}":             0,
		"sluice_pipe_exception{pipe=p}":                     0,
		"sluice_pipe_progress_snapshot_age_seconds{pipe=p}": -1,
	})

	if err := c.DropPipe(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	waitPipeSeries(t, reg, map[string]float64{})
}

// waitPipeSeries waits until the sluice_pipe_* series are exactly want's
// (a want of -1 accepts any value).
func waitPipeSeries(t *testing.T, reg *prometheus.Registry, want map[string]float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got map[string]float64
	for time.Now().Before(deadline) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]float64{}
		for _, f := range mfs {
			if strings.HasPrefix(f.GetName(), "sluice_pipe_") {
				for _, m := range f.GetMetric() {
					got[seriesName(f.GetName(), m)] = m.GetGauge().GetValue()
				}
			}
		}
		if sameSeries(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("pipe series\n%v\nwant\n%v", got, want)
}

func sameSeries(got, want map[string]float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || (w != -1 && g != w) {
			return false
		}
	}
	return true
}
