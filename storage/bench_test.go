package storage

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
)

const (
	benchRows   = 500 // rows per series per Write
	benchSeries = 10  // series per Write
	benchStart  = int64(1_700_000_000_000)
)

// walkBatches returns n batches of a random walk quantized to 0.01 around
// 20.00: the regular series of the storage targets.
func walkBatches(seed uint64, n int) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 1))
	k := int64(2000)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, benchRows)
		for j := range out[i] {
			k += rnd.Int64N(3) - 1
			out[i][j] = float64(k) / 100
		}
	}
	return out
}

// BenchmarkWrite writes batches of benchSeries series x 500 rows, one
// point per second per series, into one region with the default memtable
// size; flushes run in the background, and the final Flush is timed too.
// It reports points/s and the bytes per point of the pebble directory.
func BenchmarkWrite(b *testing.B) {
	e := openEngine(b, Config{})
	r := openRegion(b, e, 1)
	values := make([][][]float64, benchSeries)
	for s := range values {
		values[s] = walkBatches(uint64(s), 64)
	}
	times := make([][]int64, benchSeries)
	for s := range times {
		times[s] = make([]int64, benchRows)
	}
	writes := make([]SeriesWrite, benchSeries)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		for s := range writes {
			for j := range times[s] {
				times[s][j] = benchStart + int64(i*benchRows+j)*1000
			}
			writes[s] = SeriesWrite{ID: uint64(s), Times: times[s],
				Values: model.Column{Type: model.Double, Float64s: values[s][i%len(values[s])]}}
		}
		r.Write(uint64(i+1), writes)
	}
	if err := r.Flush(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	points := float64(b.N * benchSeries * benchRows)
	b.ReportMetric(points/elapsed.Seconds(), "points/s")
	if err := e.db.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(e.DiskBytes())/points, "bytes/point")
}

// scanFixture writes n points of one regular series, flushed into chunks.
func scanFixture(b *testing.B, n int) *Region {
	b.Helper()
	e := openEngine(b, Config{})
	r := openRegion(b, e, 1)
	batches := walkBatches(7, n/benchRows)
	times := make([]int64, benchRows)
	for i, vals := range batches {
		for j := range times {
			times[j] = benchStart + int64(i*benchRows+j)*1000
		}
		r.Write(uint64(i+1), []SeriesWrite{{ID: 1, Times: times, Values: model.Column{Type: model.Double, Float64s: vals}}})
	}
	if err := r.Flush(); err != nil {
		b.Fatal(err)
	}
	return r
}

const fixturePoints = 1_000_000

// BenchmarkScan reads a flushed series of a million points.
func BenchmarkScan(b *testing.B) {
	r := scanFixture(b, fixturePoints)
	b.ResetTimer()
	var total int
	for range b.N {
		v := r.View()
		it := v.Scan(1, model.Double, minTime, maxTime)
		for {
			times, _, err := it.Next(4096)
			if err != nil {
				b.Fatal(err)
			}
			if len(times) == 0 {
				break
			}
			total += len(times)
		}
		it.Close()
		v.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkStatsCount aggregates a flushed series of a million points from
// chunk headers.
func BenchmarkStatsCount(b *testing.B) {
	r := scanFixture(b, fixturePoints)
	b.ResetTimer()
	var total int64
	for range b.N {
		v := r.View()
		st, err := v.Stats(1, model.Double, minTime, maxTime)
		if err != nil {
			b.Fatal(err)
		}
		total += st.Count
		v.Close()
	}
	if total != int64(b.N)*fixturePoints {
		b.Fatalf("counted %d points", total)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkStatsReceiverMemtable counts the series of a pipe receiver's
// memtable while it grows: 100 series, each written by 500-row blocks that
// arrive out of order (every pair of consecutive blocks swapped, as
// parallel transfers land), with a count of every series after each round
// of blocks, the way a dashboard or a poller reads a receiver. It reports
// the time of one count of all series, averaged over the sizes (500 to
// 5,000 rows a series); the writes are not timed.
func BenchmarkStatsReceiverMemtable(b *testing.B) {
	const series, rounds = 100, 10
	vals := walkBatches(3, 1)[0]
	times := make([]int64, benchRows)
	var counts int
	for range b.N {
		b.StopTimer()
		e := openEngine(b, Config{MemtableBytes: 1 << 30})
		r := openRegion(b, e, 1)
		b.StartTimer()
		for round := range rounds {
			block := round ^ 1 // blocks 1, 0, 3, 2, ...
			writes := make([]SeriesWrite, series)
			for s := range writes {
				for j := range times {
					times[j] = benchStart + int64(block*benchRows+j)*1000
				}
				writes[s] = SeriesWrite{ID: uint64(s), Times: slices.Clone(times),
					Values: model.Column{Type: model.Double, Float64s: vals}}
			}
			b.StopTimer()
			r.Write(uint64(round+1), writes)
			b.StartTimer()
			v := r.View()
			for s := range series {
				st, err := v.Stats(uint64(s), model.Double, minTime, maxTime)
				if err != nil {
					b.Fatal(err)
				}
				if want := int64((round + 1) * benchRows); round%2 == 1 && st.Count != want {
					b.Fatalf("round %d: series %d counts %d points, want %d", round, s, st.Count, want)
				}
			}
			v.Close()
			counts++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(counts)/1e3, "us/count-of-all")
}
