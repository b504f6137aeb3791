package tsfile

import (
	"bytes"
	"fmt"
	"testing"
)

// benchFile writes devices x rows rows of six series (one per type) with default encodings.
func benchFile(b *testing.B, comp Compression, aligned bool) ([]byte, int) {
	b.Helper()
	var tabs []*Tablet
	const devices, rows = 4, 100_000
	for d := 0; d < devices; d++ {
		tab := &Tablet{Device: fmt.Sprintf("root.bench.d%d", d), Aligned: aligned}
		for i := 0; i < rows; i++ {
			tab.Times = append(tab.Times, 1_700_000_000_000+int64(i)*1000)
		}
		cols := []Column{{Type: Boolean}, {Type: Int32}, {Type: Int64}, {Type: Float}, {Type: Double}, {Type: Text}}
		for i := 0; i < rows; i++ {
			cols[0].Bools = append(cols[0].Bools, i%7 == 0)
			cols[1].Int32s = append(cols[1].Int32s, int32(i%1000))
			cols[2].Int64s = append(cols[2].Int64s, int64(i)*37)
			cols[3].Floats = append(cols[3].Floats, float32(i%500)/4)
			cols[4].Doubles = append(cols[4].Doubles, float64(i)*0.001)
			cols[5].Texts = append(cols[5].Texts, []byte(fmt.Sprintf("value-%d", i%100)))
		}
		for i, c := range cols {
			tab.Series = append(tab.Series, SeriesSchema{Name: fmt.Sprintf("s%d", i), Type: c.Type, Compression: comp, Uncompressed: comp == Uncompressed})
		}
		tab.Columns = cols
		tabs = append(tabs, tab)
	}
	return writeAll(b, WriterConfig{Compression: comp}, tabs...), devices * rows
}

// BenchmarkRead reads every row of a 400,000-row, 2.4M-value file; rows/s and MB/s of file.
func BenchmarkRead(b *testing.B) {
	for _, comp := range []Compression{Uncompressed, Snappy, LZ4, Zstd, Gzip} {
		for _, aligned := range []bool{false, true} {
			b.Run(fmt.Sprintf("%v/aligned=%v", comp, aligned), func(b *testing.B) {
				data, rows := benchFile(b, comp, aligned)
				b.SetBytes(int64(len(data)))
				b.ResetTimer()
				for b.Loop() {
					if err := readEverything(data); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkWrite writes the same file.
func BenchmarkWrite(b *testing.B) {
	for _, comp := range []Compression{Uncompressed, LZ4} {
		b.Run(comp.String(), func(b *testing.B) {
			data, rows := benchFile(b, comp, false)
			r, err := Open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			var tabs []*Tablet
			devices, _ := r.Devices()
			for _, d := range devices {
				tabs = append(tabs, benchTablet(b, r, d))
			}
			b.ResetTimer()
			for b.Loop() {
				writeAll(b, WriterConfig{Compression: comp}, tabs...)
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func benchTablet(b *testing.B, r *Reader, device string) *Tablet {
	rows, err := r.Rows(device)
	if err != nil {
		b.Fatal(err)
	}
	tab := &Tablet{Device: device}
	for _, ts := range rows.Series() {
		tab.Series = append(tab.Series, SeriesSchema{Name: ts.Measurement, Type: ts.Type})
		tab.Columns = append(tab.Columns, Column{Type: ts.Type})
	}
	for rows.Next() {
		tab.Times = append(tab.Times, rows.Time())
		for i := range tab.Columns {
			v, _ := rows.Value(i)
			if err := tab.Columns[i].appendValue(v); err != nil {
				b.Fatal(err)
			}
		}
	}
	return tab
}
