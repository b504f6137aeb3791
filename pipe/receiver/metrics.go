package receiver

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
)

// metrics are the receiver's Prometheus series, registered per Receiver.
type metrics struct {
	requests *prometheus.CounterVec
	points   prometheus.Counter
	bytes    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_pipe_receiver_requests_total",
			Help: "Pipe transfer requests received, by request type and IoTDB status code of the reply.",
		}, []string{"type", "code"}),
		points: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_pipe_receiver_points_total",
			Help: "Non-null values written through pipe transfers.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_pipe_receiver_bytes_total",
			Help: "Bytes of pipe transfer request bodies received, as sent (compressed).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.points, m.bytes)
	}
	return m
}

// typeLabel names a request type for the type label, keeping its values
// few whatever senders send.
func typeLabel(t int16) string {
	switch t {
	case transfer.TypeHandshake, iotdbwire.TypeHandshakeV2:
		return "handshake"
	case transfer.TypeTablets, iotdbwire.TypeTabletRaw, iotdbwire.TypeTabletBatch, iotdbwire.TypeTabletBinary:
		return "tablets"
	case iotdbwire.TypeTsFilePiece, iotdbwire.TypeTsFileSeal, iotdbwire.TypeTsFilePieceWithMod, iotdbwire.TypeTsFileSealWithMod:
		return "file"
	case transfer.TypeCompressed:
		return "compressed"
	case transfer.TypeSchema:
		return "schema"
	}
	return "unknown"
}

func (m *metrics) observe(reqType int16, code status.Code) {
	m.requests.WithLabelValues(typeLabel(reqType), strconv.Itoa(int(code))).Inc()
}
