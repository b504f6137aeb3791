package transfer

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// benchTablets is one realtime transfer of `sluice bench`'s workload: 14
// tablets (a transfer holds up to 65,536 points) of 500 rows x 10 DOUBLE
// series, each a random walk in 0.01 steps as the bench writes them.
func benchTablets() []*model.Tablet {
	const tablets, rows, series = 14, 500, 10
	rng := rand.New(rand.NewPCG(1, 7))
	out := make([]*model.Tablet, tablets)
	for d := range out {
		tb := &model.Tablet{Device: model.Path{"root", "bench", fmt.Sprintf("d%d", d)}, Times: make([]int64, rows)}
		for r := range tb.Times {
			tb.Times[r] = int64(r) * 1000
		}
		for m := range series {
			c := model.NewColumn(model.Double, rows)
			v := float64(2000 + rng.IntN(1000))
			for range rows {
				v += float64(rng.IntN(3) - 1)
				c.Append(v / 100)
			}
			tb.Measurements = append(tb.Measurements, fmt.Sprintf("s%d", m))
			tb.Columns = append(tb.Columns, c)
		}
		out[d] = tb
	}
	return out
}

// BenchmarkEncodeTablets measures what a sink spends encoding one transfer
// of the bench workload in each body a sink can send, per point (CPU) and
// on the wire (bytes/point): go test -run '^$' -bench EncodeTablets
// ./pipe/transfer. docs/pipes.md and docs/benchmarks.md quote it.
func BenchmarkEncodeTablets(b *testing.B) {
	tablets := benchTablets()
	points := 0
	for _, tb := range tablets {
		points += tb.Points()
	}
	t := Tablets{Token: strings.Repeat("t", 32), Tablets: tablets}
	run := func(name string, encode func() []byte) {
		b.Run(name, func(b *testing.B) {
			var n int
			for b.Loop() {
				n = len(encode())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*points), "ns/point")
			b.ReportMetric(float64(n)/float64(points), "B/point")
		})
	}
	run("body=zstd", func() []byte { return EncodeTablets(t) })
	run("body=none", func() []byte { return EncodeTabletsUncompressed(t) })
	for _, c := range []struct {
		list  string
		level int
	}{{"lz4", 0}, {"snappy", 0}, {"zstd", 1}, {"zstd", DefaultZstdLevel}} {
		cs, err := ParseCompressors(c.list)
		if err != nil {
			b.Fatal(err)
		}
		name := "compressor=" + c.list
		if c.level != 0 {
			name += fmt.Sprintf("/level=%d", c.level)
		}
		run(name, func() []byte {
			body, err := EncodeCompressed(Version, TypeTablets, EncodeTabletsUncompressed(t), cs, c.level)
			if err != nil {
				b.Fatal(err)
			}
			return body
		})
	}
}

// TestTabletsBound checks that the size the encoder reserves holds every
// body, so that encoding never grows its buffer: extreme values, nulls
// and long texts included.
func TestTabletsBound(t *testing.T) {
	extreme := &model.Tablet{Device: model.Path{"root", "x", "d"}, Times: []int64{math.MinInt64, math.MaxInt64, 0},
		Measurements: []string{"i32", "i64", "f", "b", "t"},
		Columns: []model.Column{model.NewColumn(model.Int32, 3), model.NewColumn(model.Int64, 3),
			model.NewColumn(model.Float, 3), model.NewColumn(model.Boolean, 3), model.NewColumn(model.Text, 3)}}
	for _, v := range []int64{math.MinInt64, math.MaxInt64, -1} {
		extreme.Columns[0].Append(int32(v >> 32))
		extreme.Columns[1].Append(v)
		extreme.Columns[2].Append(float32(v))
		extreme.Columns[3].Append(v < 0)
		extreme.Columns[4].Append(strings.Repeat("é", int(v&0xff)))
	}
	extreme.Columns[1].Nulls = []bool{false, true, false}
	for name, ts := range map[string][]*model.Tablet{
		"sensor": sensorTablets(), "bench": benchTablets(), "extreme": {extreme}, "none": nil,
	} {
		if n, bound := len(appendTablets(nil, ts)), tabletsBound(ts); n > bound {
			t.Errorf("%s: %d bytes encoded, over the bound of %d", name, n, bound)
		}
	}
}

// A body appended into a buffer kept from an earlier, larger transfer is
// the body encoded afresh, and decodes to the same tablets.
func TestAppendTabletsIntoKeptBuffer(t *testing.T) {
	big := Tablets{Token: "tok", Origin: "a", Tablets: benchTablets()}
	small := Tablets{Token: "tok", Origin: "b", Tablets: sensorTablets()}
	buf := AppendTabletsUncompressed(nil, big)
	kept := cap(buf)
	got := AppendTabletsUncompressed(buf[:0], small)
	if want := EncodeTabletsUncompressed(small); !bytes.Equal(got, want) {
		t.Fatalf("body in a kept buffer differs from a fresh one (%d and %d bytes)", len(got), len(want))
	}
	if cap(got) != kept {
		t.Fatalf("the body grew the kept buffer from %d to %d bytes", kept, cap(got))
	}
	dec, err := DecodeTablets(got)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Origin != "b" || len(dec.Tablets) != len(small.Tablets) {
		t.Fatalf("decoded %q with %d tablets, want %q with %d", dec.Origin, len(dec.Tablets), "b", len(small.Tablets))
	}
}
