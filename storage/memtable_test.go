package storage

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// writeOrderByTime must order rows as a stable sort by time does, equal
// times in write order (the read then keeps the last written), for every
// shape of runs: sorted, reversed, blocks out of order, duplicates.
func TestWriteOrderByTimeIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]int64{
		"empty":            {},
		"one":              {7},
		"sorted":           {1, 2, 3, 4, 5},
		"reversed":         {5, 4, 3, 2, 1},
		"equal":            {3, 3, 3, 3},
		"two runs":         {4, 5, 6, 1, 2, 3},
		"ties across runs": {1, 2, 3, 2, 3, 4, 1, 3},
	}
	for i := range 200 {
		// Blocks of ascending times, shuffled, some overlapping (a resend).
		blocks := 1 + rng.IntN(12)
		var times []int64
		for _, b := range rng.Perm(blocks) {
			start := int64(b*10 - rng.IntN(3))
			for r := range 1 + rng.IntN(12) {
				times = append(times, start+int64(r))
			}
		}
		cases["random "+strconv.Itoa(i)] = times
	}
	for name, times := range cases {
		want := make([]int, len(times))
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int { return cmp.Compare(times[a], times[b]) })
		if got := writeOrderByTime(times); !slices.Equal(got, want) {
			t.Errorf("%s: times %v: order %v, want %v", name, times, got, want)
		}
	}
}

// BenchmarkSortedRangeBlocks reads a series as a pipe receiver holds it:
// 5,000 rows that arrived as ten 500-row transfers out of order. "fresh"
// orders every row at each read; "cached" reads it after one more 500-row
// block arrived since the last read, as a count polled during a sync does.
func BenchmarkSortedRangeBlocks(b *testing.B) {
	var times []int64
	for _, blk := range []int{1, 0, 2, 4, 3, 5, 7, 6, 9, 8} {
		for r := range 500 {
			times = append(times, int64(blk*500+r)*1000)
		}
	}
	col := model.Column{Type: model.Double, Float64s: make([]float64, len(times))}
	b.Run("fresh", func(b *testing.B) {
		rs := rows{times: times, col: col}
		for b.Loop() {
			rs.sortedRange(math.MinInt64, math.MaxInt64)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			var c orderCache
			c.orderOf(times[:len(times)-500])
			rs := rows{times: times, col: col, order: &c}
			b.StartTimer()
			rs.sortedRange(math.MinInt64, math.MaxInt64)
		}
	})
}

// A series read again and again as out-of-order writes arrive, as a pipe
// receiver's is, reads the same rows with the cached order as without it,
// at its head and from older Views.
func TestOrderCacheFollowsAppends(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := newMemtable()
	key := seriesKey{1, model.Double}
	for index := uint64(1); index <= 60; index++ {
		// A block of ascending times somewhere in [0, 600), some of them
		// written before (a resend with new values).
		start := int64(rng.IntN(60)) * 10
		times := make([]int64, 1+rng.IntN(15))
		vals := make([]float64, len(times))
		for i := range times {
			times[i] = start + int64(i)
			vals[i] = float64(index)*1000 + float64(i)
		}
		m.append(index, index, &SeriesWrite{ID: 1, Times: times, Values: model.Column{Type: model.Double, Float64s: vals}})
		s := m.series[key]
		for _, n := range []int{len(s.times), rng.IntN(len(s.times) + 1)} {
			cached := s.snapshot(n)
			fresh := cached
			fresh.order = nil
			ct, cc := cached.sortedRange(math.MinInt64, math.MaxInt64)
			ft, fc := fresh.sortedRange(math.MinInt64, math.MaxInt64)
			if !slices.Equal(ct, ft) || !slices.Equal(cc.Float64s, fc.Float64s) {
				t.Fatalf("after write %d, %d rows: cached order reads %v %v, fresh %v %v", index, n, ct, cc.Float64s, ft, fc.Float64s)
			}
			if !slices.IsSorted(ct) || len(slices.Compact(slices.Clone(ct))) != len(ct) {
				t.Fatalf("after write %d: times %v not strictly increasing", index, ct)
			}
		}
	}
	if m.series[key].sortedUpTo == len(m.series[key].times) {
		t.Fatal("the writes came in order: the cache was not exercised")
	}
}

// Readers of an unsorted series share its cache while a writer appends
// (run with -race).
func TestOrderCacheConcurrentReads(t *testing.T) {
	m := newMemtable()
	key := seriesKey{1, model.Double}
	write := func(index uint64, start int64) {
		times := []int64{start, start + 1, start + 2}
		m.append(index, index, &SeriesWrite{ID: 1, Times: times, Values: model.Column{Type: model.Double, Float64s: []float64{1, 2, 3}}})
	}
	write(1, 100)
	write(2, 0)
	snaps := make(chan rows, 64)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for rs := range snaps {
				times, _ := rs.sortedRange(math.MinInt64, math.MaxInt64)
				if !slices.IsSorted(times) {
					t.Errorf("times %v not sorted", times)
				}
			}
		}()
	}
	for i := uint64(3); i < 200; i++ {
		write(i, int64((i*37)%500)*3)
		s := m.series[key]
		snaps <- s.snapshot(len(s.times))
	}
	close(snaps)
	for range 4 {
		<-done
	}
}

// Series written in lockstep, as the measurements of a load over many
// devices are, do not all fill up at the same write once they are large:
// the copies of their growth spread over the writes instead of holding up
// one apply. (Small, they may: their copies cost little.)
func TestLockstepSeriesGrowAtDifferentWrites(t *testing.T) {
	const series, rows, writes = 100, 100, 500
	m := newMemtable()
	times := make([]int64, rows)
	vals := make([]float64, rows)
	worst := 0
	for w := range writes {
		for j := range times {
			times[j] = int64(w*rows + j)
		}
		grown := 0
		for id := range uint64(series) {
			before := cap(m.series[seriesKey{id, model.Double}].timesOrNil())
			m.append(uint64(w+1), uint64(w+1), &SeriesWrite{ID: id, Times: times, Values: model.Column{Type: model.Double, Float64s: vals}})
			if before >= 20*rows && cap(m.series[seriesKey{id, model.Double}].times) != before {
				grown++
			}
		}
		worst = max(worst, grown)
	}
	t.Logf("at most %d of %d series grew at one write", worst, series)
	if worst > series/4 {
		t.Fatalf("%d of %d series written in lockstep grew at the same write", worst, series)
	}
}

func (s *memSeries) timesOrNil() []int64 {
	if s == nil {
		return nil
	}
	return s.times
}
