package consensus

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// hashicorp/raft's own metrics reach every node registry through the
// go-metrics bridge, named sluice_raft_*, without host name or runtime
// figures.
func TestRaftGoMetricsBridged(t *testing.T) {
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	g, err := Open(Config{Name: "bridge", ID: "n1", Dir: t.TempDir(), Timeout: 100 * time.Millisecond},
		&listFSM{}, slog.New(slog.DiscardHandler), NewMetrics(regA))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	NewMetrics(regB) // a second node of the process: the same sink registers again
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b", "c"} {
		if _, err := g.Apply(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	for name, reg := range map[string]*prometheus.Registry{"first": regA, "second": regB} {
		families := gather(t, reg)
		for _, want := range []string{"sluice_raft_commitTime", "sluice_raft_fsm_apply", "sluice_raft_apply"} {
			if families[want] == nil {
				t.Errorf("%s registry: no %s among %v", name, want, names(families))
			}
		}
		if f := families["sluice_raft_commitTime"]; f != nil && f.GetType() == dto.MetricType_SUMMARY && f.Metric[0].GetSummary().GetSampleCount() < 3 {
			t.Errorf("%s registry: sluice_raft_commitTime counted %d commits, want at least 3", name, f.Metric[0].GetSummary().GetSampleCount())
		}
		for n := range families {
			if strings.HasPrefix(n, "sluice_") && !strings.HasPrefix(n, "sluice_raft_") {
				t.Errorf("%s registry: unexpected series %s (host name or runtime metrics?)", name, n)
			}
		}
	}
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range mfs {
		out[f.GetName()] = f
	}
	return out
}

func names(families map[string]*dto.MetricFamily) []string {
	var out []string
	for n := range families {
		out = append(out, n)
	}
	return out
}
