package clientrpc

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/status"
)

// metrics are the service's Prometheus series, registered per Server.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	sessions prometheus.Gauge
	points   prometheus.Counter
	rows     prometheus.Counter

	connections   prometheus.Gauge
	refused       *prometheus.CounterVec
	loginFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_rpc_requests_total",
			Help: "Client RPC requests by Thrift method and IoTDB status code.",
		}, []string{"method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_rpc_request_duration_seconds",
			Help:    "Time to serve a client RPC request, by Thrift method.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 10, 30},
		}, []string{"method"}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_rpc_sessions_open",
			Help: "Client sessions currently open.",
		}),
		points: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_ingest_points_total",
			Help: "Non-null values written successfully through the client service.",
		}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_ingest_rows_total",
			Help: "Rows (one timestamp of one device) written successfully through the client service.",
		}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_rpc_connections_open",
			Help: "Client connections currently open.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_rpc_connections_refused_total",
			Help: "Client connections closed before login: over the connection limit, over the pre-login request size, or past the login timeout.",
		}, []string{"reason"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_rpc_login_failures_total",
			Help: "Failed openSession logins.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.sessions, m.points, m.rows, m.connections, m.refused, m.loginFailures)
	}
	return m
}

// observe records one finished request.
func (m *metrics) observe(method string, code status.Code, d time.Duration) {
	m.requests.WithLabelValues(method, strconv.Itoa(int(code))).Inc()
	m.duration.WithLabelValues(method).Observe(d.Seconds())
}
