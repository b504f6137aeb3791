package storage

import "github.com/prometheus/client_golang/prometheus"

// metrics are the engine's Prometheus collectors, registered per engine.
type metrics struct {
	flushes       prometheus.Counter
	flushDuration prometheus.Histogram
	memtableBytes prometheus.Gauge
	pointsWritten prometheus.Counter
	diskBytes     prometheus.GaugeFunc

	reg        prometheus.Registerer
	registered []prometheus.Collector
}

func newMetrics(reg prometheus.Registerer, diskBytes func() int64) *metrics {
	return &metrics{
		reg: reg,
		flushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_storage_flushes_total",
			Help: "Memtable flushes committed to disk.",
		}),
		flushDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sluice_storage_flush_duration_seconds",
			Help:    "Time to encode a memtable and commit its chunks.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		memtableBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_storage_memtable_bytes",
			Help: "Bytes of points held in memtables, flushing ones included.",
		}),
		pointsWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_storage_points_written_total",
			Help: "Points written into memtables.",
		}),
		diskBytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sluice_storage_disk_bytes",
			Help: "Bytes of the storage directory on disk.",
		}, func() float64 { return float64(diskBytes()) }),
	}
}

// register adds the collectors to the registerer, if any.
func (m *metrics) register() error {
	if m.reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.flushes, m.flushDuration, m.memtableBytes, m.pointsWritten, m.diskBytes} {
		if err := m.reg.Register(c); err != nil {
			m.unregister()
			return err
		}
		m.registered = append(m.registered, c)
	}
	return nil
}

// unregister removes what register added, so that an engine can be opened
// again on the same registerer.
func (m *metrics) unregister() {
	for _, c := range m.registered {
		m.reg.Unregister(c)
	}
	m.registered = nil
}
