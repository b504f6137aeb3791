package sink

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/airgap"
)

// BenchmarkSerialTransfer compares the two serial sinks on loopback, each
// to the real receiver: one batch of 1,000 rows of one INT64 series per
// transfer, answered before the next.
func BenchmarkSerialTransfer(b *testing.B) {
	c := model.NewColumn(model.Int64, 1000)
	times := make([]int64, 1000)
	for i := range times {
		times[i] = int64(i)
		c.Append(int64(i * 7))
	}
	batch := &pipe.Batch{Tablets: []*model.Tablet{{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"}, Times: times, Columns: []model.Column{c}}}}
	run := func(b *testing.B, attrs map[string]string) {
		s, err := New(attrs, testConfig, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.ResetTimer()
		for range b.N {
			if err := s.Transfer(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "points/s")
	}
	b.Run("thrift-sync", func(b *testing.B) {
		run(b, thriftAttrs(PluginThriftSync, startReceiver(b, &fakeTarget{}).addr()))
	})
	b.Run("air-gap", func(b *testing.B) {
		run(b, airGapAttrs(startAirGap(b, &fakeTarget{}, airgap.Config{})))
	})
}
