package consensus

import (
	"fmt"
	"sync"

	gometrics "github.com/hashicorp/go-metrics/compat"
	gmprom "github.com/hashicorp/go-metrics/compat/prometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// hashicorp/raft (and raft-boltdb) report through go-metrics' process-wide
// instance, not through an object this package could hand a registerer
// to. The process therefore gets one Prometheus sink, installed once as
// that instance's sink, and every node's registry collects it: in a
// process running several nodes (tests) they all export the same figures.
// The compat package is the one raft imports, so the sink follows
// whichever go-metrics implementation the build selects.
var (
	goMetricsOnce sync.Once
	goMetricsSink *gmprom.PrometheusSink
)

// raftGoMetrics returns the process's go-metrics sink, installing it on
// first use. Metrics come out as sluice_raft_<name>, for example
// sluice_raft_commitTime (milliseconds, as go-metrics times): service name
// "sluice", no host name prefix or label, no runtime metrics (the Go
// collector of each registry has those).
func raftGoMetrics() prometheus.Collector {
	goMetricsOnce.Do(func() {
		// The constructor registers the sink on the registerer it is
		// given; a private one keeps it off the global registry. Series
		// never expire: raft's counters (state transitions, applies) keep
		// counting as Prometheus counters do instead of vanishing while
		// idle, and its names and peer labels are few.
		sink, err := gmprom.NewPrometheusSinkFrom(gmprom.PrometheusOpts{
			Name:       "sluice_raft_go_metrics_sink",
			Registerer: prometheus.NewRegistry(),
		})
		if err != nil {
			panic(fmt.Sprintf("BUG: go-metrics prometheus sink: %v", err))
		}
		cfg := gometrics.DefaultConfig("sluice")
		cfg.EnableHostname = false
		cfg.EnableHostnameLabel = false
		cfg.EnableRuntimeMetrics = false
		if _, err := gometrics.NewGlobal(cfg, sink); err != nil {
			panic(fmt.Sprintf("BUG: install the go-metrics sink: %v", err))
		}
		goMetricsSink = sink
	})
	return goMetricsSink
}
