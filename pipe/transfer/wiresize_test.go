package transfer

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// sensorTablets is the workload of docs/pipes.md's compression figures:
// 20 devices reporting every second for 500 seconds a temperature (a
// random walk with two decimals), a humidity, a counter, a flag and a
// status text; one tablet per device, as a realtime transfer carries
// them.
func sensorTablets() []*model.Tablet {
	const devices, rows = 20, 500
	var out []*model.Tablet
	for d := range devices {
		tb := &model.Tablet{Device: model.Path{"root", "cz", fmt.Sprintf("d%02d", d)},
			Measurements: []string{"temperature", "humidity", "counter", "running", "status"},
			Columns: []model.Column{model.NewColumn(model.Double, rows), model.NewColumn(model.Double, rows),
				model.NewColumn(model.Int64, rows), model.NewColumn(model.Boolean, rows), model.NewColumn(model.Text, rows)}}
		temp, hum := 20.0+float64(d), 40.0
		for r := range rows {
			temp += math.Round((math.Sin(float64(r*7+d))*0.3)*100) / 100
			hum += math.Round((math.Cos(float64(r*3+d))*0.5)*100) / 100
			status := "ok"
			if (r+d)%97 == 0 {
				status = "calibrating"
			}
			tb.Times = append(tb.Times, 1_700_000_000_000+int64(r)*1000)
			tb.Columns[0].Append(math.Round(temp*100) / 100)
			tb.Columns[1].Append(math.Round(hum*100) / 100)
			tb.Columns[2].Append(int64(r*10 + d))
			tb.Columns[3].Append(r%50 < 45)
			tb.Columns[4].Append(status)
		}
		out = append(out, tb)
	}
	return out
}

// TestWireSizes reports the request body of the sensor workload in each
// encoding (go test -run WireSizes -v ./pipe/transfer), and checks that
// every compressor shrinks it.
func TestWireSizes(t *testing.T) {
	tablets := sensorTablets()
	points := 0
	for _, tb := range tablets {
		points += tb.Points()
	}
	raw := EncodeTabletsUncompressed(Tablets{Token: strings.Repeat("t", 32), Tablets: tablets})
	var b strings.Builder
	line := func(name string, n int) {
		fmt.Fprintf(&b, "\n  %-30s %8d bytes  %5.2f bytes/point", name, n, float64(n)/float64(points))
	}
	line("uncompressed", len(raw))
	line("Sluice zstd body (default)", len(EncodeTablets(Tablets{Token: strings.Repeat("t", 32), Tablets: tablets})))
	for _, list := range []string{"snappy", "gzip", "lz4", "zstd", "lzma2", "snappy,zstd"} {
		cs, err := ParseCompressors(list)
		if err != nil {
			t.Fatal(err)
		}
		body, err := EncodeCompressed(Version, TypeTablets, raw, cs, DefaultZstdLevel)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) >= len(raw) {
			t.Errorf("%s: %d bytes, not below the %d uncompressed", list, len(body), len(raw))
		}
		line("compressor "+list, len(body))
	}
	t.Logf("one transfer of %d points (%d tablets):%s", points, len(tablets), b.String())
}
