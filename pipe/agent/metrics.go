package agent

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the per-(pipe, region) task figures. Series of a pipe
// are removed when its task stops here.
type metrics struct {
	points    *prometheus.CounterVec
	tablets   *prometheus.CounterVec
	retries   *prometheus.CounterVec
	frontiers *prometheus.GaugeVec
	pending   *prometheus.GaugeVec
	lag       *prometheus.GaugeVec
	errors    *prometheus.CounterVec
	conns     *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	labels := []string{"pipe", "region"}
	m := &metrics{
		points: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_points_sent_total", Help: "Points a pipe task had acknowledged by its sink."}, labels),
		tablets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_tablets_sent_total", Help: "Tablets a pipe task had acknowledged by its sink."}, labels),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_retries_total", Help: "Transfers a pipe task retried after a transient failure."}, labels),
		frontiers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipe_commit_frontier", Help: "Log index below which the sink acknowledged every write of the region."}, labels),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipe_pending_events", Help: "Log entries of the region past the pipe's commit frontier."}, labels),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipe_lag_seconds", Help: "Age of the oldest write of the region the sink has not acknowledged; 0 when caught up."}, labels),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_sink_errors_total", Help: "Failed transfers of a pipe task, and transfers its stall watchdog found unanswered."}, labels),
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipe_sink_connections", Help: "Open connections of the sink a pipe task uses (shared by the pipes with the same sink)."}, labels),
	}
	reg.MustRegister(m.points, m.tablets, m.retries, m.frontiers, m.pending, m.lag, m.errors, m.conns)
	return m
}

func regionLabel(id uint32) string { return fmt.Sprint(id) }

func (m *metrics) sent(pipe string, region uint32, points, tablets int) {
	m.points.WithLabelValues(pipe, regionLabel(region)).Add(float64(points))
	m.tablets.WithLabelValues(pipe, regionLabel(region)).Add(float64(tablets))
}

func (m *metrics) retried(pipe string, region uint32) {
	m.retries.WithLabelValues(pipe, regionLabel(region)).Inc()
}

func (m *metrics) frontier(pipe string, region uint32, index uint64) {
	m.frontiers.WithLabelValues(pipe, regionLabel(region)).Set(float64(index))
}

func (m *metrics) setPending(pipe string, region uint32, n uint64) {
	m.pending.WithLabelValues(pipe, regionLabel(region)).Set(float64(n))
}

func (m *metrics) setLag(pipe string, region uint32, seconds float64) {
	m.lag.WithLabelValues(pipe, regionLabel(region)).Set(seconds)
}

func (m *metrics) sinkError(pipe string, region uint32) {
	m.errors.WithLabelValues(pipe, regionLabel(region)).Inc()
}

func (m *metrics) setConnections(pipe string, region uint32, n int) {
	m.conns.WithLabelValues(pipe, regionLabel(region)).Set(float64(n))
}

func (m *metrics) forget(pipe string, region uint32) {
	l := prometheus.Labels{"pipe": pipe, "region": regionLabel(region)}
	m.points.Delete(l)
	m.tablets.Delete(l)
	m.retries.Delete(l)
	m.frontiers.Delete(l)
	m.pending.Delete(l)
	m.lag.Delete(l)
	m.errors.Delete(l)
	m.conns.Delete(l)
}
