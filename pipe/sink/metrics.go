package sink

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/pipe"
)

// metrics are the Registry's metric vectors, labelled per sink instance.
type metrics struct {
	conns     *prometheus.GaugeVec
	transfers *prometheus.CounterVec
	bytes     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		conns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_pipe_sink_instance_connections",
			Help: "Open connections of a sink instance (its pool size); sink is a short id of the sink's attributes.",
		}, []string{"sink"}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_sink_transfers_total",
			Help: "Batch transfers by outcome: success, error (transient, retried) or fatal (stops the pipe).",
		}, []string{"sink", "result"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_sink_bytes_total",
			Help: "Request body bytes a sink put on the wire, retries included.",
		}, []string{"sink"}),
	}
	if reg != nil {
		reg.MustRegister(m.conns, m.transfers, m.bytes)
	}
	return m
}

// forSink returns the metrics of one sink instance.
func (m *metrics) forSink(id string) *sinkMetrics {
	return &sinkMetrics{
		id:        id,
		parent:    m,
		conns:     m.conns.WithLabelValues(id),
		bytes:     m.bytes.WithLabelValues(id),
		success:   m.transfers.WithLabelValues(id, "success"),
		transient: m.transfers.WithLabelValues(id, "error"),
		fatal:     m.transfers.WithLabelValues(id, "fatal"),
	}
}

// sinkMetrics are one instance's series. A nil *sinkMetrics (a sink made by
// New, outside a Registry) records nothing.
type sinkMetrics struct {
	id                        string
	parent                    *metrics
	conns                     prometheus.Gauge
	bytes                     prometheus.Counter
	success, transient, fatal prometheus.Counter
}

func (m *sinkMetrics) connOpened() {
	if m != nil {
		m.conns.Inc()
	}
}

func (m *sinkMetrics) connClosed() {
	if m != nil {
		m.conns.Dec()
	}
}

func (m *sinkMetrics) sent(n int) {
	if m != nil {
		m.bytes.Add(float64(n))
	}
}

// done counts a finished Transfer by its outcome.
func (m *sinkMetrics) done(err error) {
	switch {
	case m == nil:
	case err == nil:
		m.success.Inc()
	case errors.Is(err, pipe.ErrFatal):
		m.fatal.Inc()
	default:
		m.transient.Inc()
	}
}

// unregister drops the instance's series.
func (m *sinkMetrics) unregister() {
	if m == nil {
		return
	}
	l := prometheus.Labels{"sink": m.id}
	m.parent.conns.DeletePartialMatch(l)
	m.parent.transfers.DeletePartialMatch(l)
	m.parent.bytes.DeletePartialMatch(l)
}
