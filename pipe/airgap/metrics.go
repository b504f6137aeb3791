package airgap

import "github.com/prometheus/client_golang/prometheus"

// Reasons a connection closed, the "reason" label of
// sluice_pipe_air_gap_connections_closed_total.
const (
	closedEOF       = "peer"
	closedIO        = "io"
	closedTimeout   = "timeout"
	closedOversize  = "oversize"
	closedChecksum  = "checksum"
	closedMalformed = "malformed"
	closedTooMany   = "too_many"
	closedThrottled = "throttled"
)

type metrics struct {
	reg      prometheus.Registerer
	open     prometheus.Gauge
	requests *prometheus.CounterVec
	closed   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		reg: reg,
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_pipe_air_gap_connections",
			Help: "Air-gap receiver connections open.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_air_gap_requests_total",
			Help: "Air-gap requests served, by answer (ok or fail).",
		}, []string{"result"}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_air_gap_connections_closed_total",
			Help: "Air-gap connections closed, by reason: peer (it left), io, timeout, oversize, checksum, malformed (a bad length or E-Language wrapper) or too_many (over the connection cap).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.open, m.requests, m.closed)
	}
	return m
}

func (m *metrics) unregister() {
	if m.reg != nil {
		m.reg.Unregister(m.open)
		m.reg.Unregister(m.requests)
		m.reg.Unregister(m.closed)
	}
}
