package storage

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// The writes of a pipe receiver, ascending blocks arriving out of order,
// keep a series' rows known distinct; a block that repeats a time, or one
// that does not ascend, stops the tracking where it starts.
func TestDistinctRowsOfOutOfOrderBlocks(t *testing.T) {
	var d distinctRows
	var times []int64
	write := func(ts ...int64) {
		from := len(times)
		times = append(times, ts...)
		d.extend(times, from, false)
	}
	write(10, 11, 12)
	write(0, 1, 2)
	write(20, 21)
	write(13, 19) // between two blocks, touching neither
	if d.upTo != len(times) || d.lost {
		t.Fatalf("distinct blocks: upTo %d of %d rows, lost %v", d.upTo, len(times), d.lost)
	}
	if want := []timeSpan{{0, 2}, {10, 12}, {13, 19}, {20, 21}}; !slices.Equal(d.spans, want) {
		t.Fatalf("spans %v, want %v", d.spans, want)
	}
	distinct := len(times)
	write(3, 12) // 12 again: a resend
	if d.upTo != distinct || !d.lost {
		t.Fatalf("a repeated time: upTo %d, lost %v; want %d, true", d.upTo, d.lost, distinct)
	}
	write(100, 101) // nothing after a possible repeat counts as distinct
	if d.upTo != distinct {
		t.Fatalf("upTo %d after the tracking stopped, want %d", d.upTo, distinct)
	}

	var e distinctRows
	e.extend([]int64{5, 5}, 0, false)
	if e.upTo != 0 || !e.lost {
		t.Fatalf("a write repeating a time within itself: upTo %d, lost %v", e.upTo, e.lost)
	}
}

// Past maxDistinctSpans the narrowest gaps are joined first: the wide ones
// a late block may still fill stay open.
func TestDistinctRowsJoinNarrowestGaps(t *testing.T) {
	var d distinctRows
	var times []int64
	for b := range int64(maxDistinctSpans + 8) {
		if b == 5 {
			continue // a block still on its way: a wide gap
		}
		from := len(times)
		for i := range int64(10) {
			times = append(times, b*100+i*10) // 0..90: gaps of 10 between blocks
		}
		d.extend(times, from, false)
	}
	if len(d.spans) > maxDistinctSpans {
		t.Fatalf("%d spans kept, at most %d", len(d.spans), maxDistinctSpans)
	}
	from := len(times)
	for i := range int64(10) {
		times = append(times, 500+i*10)
	}
	d.extend(times, from, false)
	if d.lost || d.upTo != len(times) {
		t.Fatalf("the late block fell into a joined gap: lost %v, spans %v", d.lost, d.spans)
	}
}

// A delete keeps what it can: the kept rows of a distinct prefix are a
// distinct prefix.
func TestDistinctRowsKept(t *testing.T) {
	d := distinctRows{upTo: 6, spans: []timeSpan{{0, 9}}}
	if k := d.kept([]int{0, 2, 5}); k.upTo != 3 || k.lost || len(k.spans) != 1 {
		t.Fatalf("kept of a tracked series: %+v", k)
	}
	d = distinctRows{upTo: 4, lost: true}
	if k := d.kept([]int{1, 3, 4, 7}); k.upTo != 2 || !k.lost {
		t.Fatalf("kept of a series past a repeat: %+v, want upTo 2 and lost", k)
	}
}

// SummarizeDistinct of rows in write order is Summarize of them sorted,
// and the cache extended block by block gives the same.
func TestSummaryOfDistinctRowsInAnyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	times := make([]int64, 300)
	for i := range times {
		times[i] = int64(i) * 7
	}
	rng.Shuffle(len(times), func(i, j int) { times[i], times[j] = times[j], times[i] })
	vals := make([]int64, len(times))
	for i := range vals {
		vals[i] = rng.Int64N(1000) - 500
	}
	col := model.Column{Type: model.Int64, Int64s: vals}
	var c summaryCache
	for n := 1; n <= len(times); n += 1 + rng.IntN(40) {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return int(times[a] - times[b]) })
		sorted := model.Column{Type: model.Int64, Int64s: gather(vals, order)}
		want := encoding.Summarize(gather(times, order), &sorted)
		if got := encoding.SummarizeDistinct(times[:n], &col); got != want {
			t.Fatalf("%d rows: SummarizeDistinct %+v, want %+v", n, got, want)
		}
		if got := c.of(times[:n], col.Slice(0, n)); got != want {
			t.Fatalf("%d rows: cached summary %+v, want %+v", n, got, want)
		}
	}
}
