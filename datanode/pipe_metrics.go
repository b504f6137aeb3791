package datanode

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// pipeMetrics are the per-(pipe, region) task figures. Series of a pipe
// are removed when its task stops here.
type pipeMetrics struct {
	points    *prometheus.CounterVec
	tablets   *prometheus.CounterVec
	retries   *prometheus.CounterVec
	frontiers *prometheus.GaugeVec
	pending   *prometheus.GaugeVec
}

func newPipeMetrics(reg prometheus.Registerer) *pipeMetrics {
	labels := []string{"pipe", "region"}
	m := &pipeMetrics{
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
	}
	reg.MustRegister(m.points, m.tablets, m.retries, m.frontiers, m.pending)
	return m
}

func regionLabel(id uint32) string { return fmt.Sprint(id) }

func (m *pipeMetrics) sent(pipe string, region uint32, points, tablets int) {
	m.points.WithLabelValues(pipe, regionLabel(region)).Add(float64(points))
	m.tablets.WithLabelValues(pipe, regionLabel(region)).Add(float64(tablets))
}

func (m *pipeMetrics) retried(pipe string, region uint32) {
	m.retries.WithLabelValues(pipe, regionLabel(region)).Inc()
}

func (m *pipeMetrics) frontier(pipe string, region uint32, index uint64) {
	m.frontiers.WithLabelValues(pipe, regionLabel(region)).Set(float64(index))
}

func (m *pipeMetrics) setPending(pipe string, region uint32, n uint64) {
	m.pending.WithLabelValues(pipe, regionLabel(region)).Set(float64(n))
}

func (m *pipeMetrics) forget(pipe string, region uint32) {
	l := prometheus.Labels{"pipe": pipe, "region": regionLabel(region)}
	m.points.Delete(l)
	m.tablets.Delete(l)
	m.retries.Delete(l)
	m.frontiers.Delete(l)
	m.pending.Delete(l)
}
