package confignode

import (
	"github.com/prometheus/client_golang/prometheus"
)

// pipeStates are the values sluice_pipe_state reports a series for.
var pipeStates = []string{PipeRunning, PipeStopped}

// pipeCollector exports every pipe's cluster-wide figures, aggregated from
// the DataNodes' heartbeats, on the ConfigNode leader only. Read at scrape
// time from the metadata, a dropped pipe's series vanish with it.
type pipeCollector struct {
	c           *ConfigNode
	state       *prometheus.Desc
	remaining   *prometheus.Desc
	rate        *prometheus.Desc
	estimate    *prometheus.Desc
	exception   *prometheus.Desc
	snapshotAge *prometheus.Desc
}

func newPipeCollector(c *ConfigNode) *pipeCollector {
	pipe := []string{"pipe"}
	return &pipeCollector{
		c: c,
		state: prometheus.NewDesc("sluice_pipe_state",
			"1 for the pipe's current state, 0 for the others (exported by the ConfigNode leader only).",
			[]string{"pipe", "state"}, nil),
		remaining: prometheus.NewDesc("sluice_pipe_remaining_events",
			"Log entries of all the pipe's regions past its frontier, counted also while it is stopped or a region has no leader.",
			pipe, nil),
		rate: prometheus.NewDesc("sluice_pipe_events_per_second",
			"Cluster-wide rate at which the pipe's frontiers advance, in log entries per second.", pipe, nil),
		estimate: prometheus.NewDesc("sluice_pipe_estimated_remaining_seconds",
			"Remaining events over the cluster-wide rate; absent while there is no rate.", pipe, nil),
		exception: prometheus.NewDesc("sluice_pipe_exception",
			"1 when the pipe shows an ExceptionMessage (a retried error, or the error that stopped it).", pipe, nil),
		snapshotAge: prometheus.NewDesc("sluice_pipe_progress_snapshot_age_seconds",
			"Seconds since the pipe's progress was last committed; 0 while it has nothing left to send.", pipe, nil),
	}
}

// Describe implements prometheus.Collector.
func (k *pipeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- k.state
	ch <- k.remaining
	ch <- k.rate
	ch <- k.estimate
	ch <- k.exception
	ch <- k.snapshotAge
}

// Collect implements prometheus.Collector.
func (k *pipeCollector) Collect(ch chan<- prometheus.Metric) {
	if !k.c.live.leadingNow() {
		return
	}
	if leading, _ := k.c.leading(); !leading {
		return
	}
	for _, p := range k.c.localPipeStats() {
		for _, s := range pipeStates {
			ch <- prometheus.MustNewConstMetric(k.state, prometheus.GaugeValue, boolValue(p.State == s), p.Name, s)
		}
		ch <- prometheus.MustNewConstMetric(k.remaining, prometheus.GaugeValue, float64(p.Remaining), p.Name)
		ch <- prometheus.MustNewConstMetric(k.rate, prometheus.GaugeValue, p.EventsPerSecond, p.Name)
		if p.EstimatedSeconds >= 0 {
			ch <- prometheus.MustNewConstMetric(k.estimate, prometheus.GaugeValue, p.EstimatedSeconds, p.Name)
		}
		ch <- prometheus.MustNewConstMetric(k.exception, prometheus.GaugeValue, boolValue(p.Exception != ""), p.Name)
		ch <- prometheus.MustNewConstMetric(k.snapshotAge, prometheus.GaugeValue, p.SnapshotAgeSeconds, p.Name)
	}
}
