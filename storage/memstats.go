package storage

import (
	"slices"
	"sort"
	"sync"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// A memtable series keeps what lets Stats aggregate its rows without
// ordering them: whether its rows have pairwise distinct times, known at
// append time from the time spans of the writes, and a summary of its rows
// extended as they grow. A pipe receiver's series are unsorted (transfers
// arrive out of order) and counted again and again while they grow; with
// both, a count costs the rows added since the last one, not all of them.

// maxDistinctSpans bounds the time spans a series keeps to tell that a
// write repeats no earlier time; past it the two spans with the narrowest
// gap between them are joined. A join only makes a later write into that
// gap look like a possible repeat, which stops the tracking: the series
// is then aggregated by ordering its rows, as any series with repeated
// times is.
const maxDistinctSpans = 32

// timeSpan is the closed time interval of a write's rows.
type timeSpan struct{ lo, hi int64 }

// distinctRows tracks the prefix of a series' rows whose times are pairwise
// distinct.
type distinctRows struct {
	// upTo is the length of that prefix.
	upTo int
	// spans are disjoint, in time order, and cover the times of the rows
	// while every row is distinct (lost false).
	spans []timeSpan
	// lost is set by the first write that may repeat a time: upTo stops
	// there for the life of the series in this memtable.
	lost bool
}

// extend advances the tracking over the rows times[from:] just appended:
// a write whose rows ascend strictly and whose span overlaps no earlier
// write's repeats no time. ascending tells that the rows are known to
// ascend strictly (the series is sorted through them), sparing their scan.
func (d *distinctRows) extend(times []int64, from int, ascending bool) {
	if d.lost || d.upTo != from || from == len(times) {
		return
	}
	add := times[from:]
	for i := 1; i < len(add) && !ascending; i++ {
		if add[i] <= add[i-1] {
			d.lose()
			return
		}
	}
	sp := timeSpan{add[0], add[len(add)-1]}
	i := sort.Search(len(d.spans), func(i int) bool { return d.spans[i].hi >= sp.lo })
	if i < len(d.spans) && d.spans[i].lo <= sp.hi {
		d.lose()
		return
	}
	d.spans = slices.Insert(d.spans, i, sp)
	if len(d.spans) > maxDistinctSpans {
		d.joinNarrowestGap()
	}
	d.upTo = len(times)
}

func (d *distinctRows) lose() {
	d.lost, d.spans = true, nil
}

// joinNarrowestGap replaces the two neighbouring spans with the narrowest
// gap between them by one span over both: the gaps a late write may still
// fill (a transfer still on its way) are the wide ones.
func (d *distinctRows) joinNarrowestGap() {
	best := 0
	for j := 1; j+1 < len(d.spans); j++ {
		if d.spans[j+1].lo-d.spans[j].hi < d.spans[best+1].lo-d.spans[best].hi {
			best = j
		}
	}
	d.spans[best].hi = d.spans[best+1].hi
	d.spans = slices.Delete(d.spans, best+1, best+2)
}

// kept is the tracking of the series that keeps the rows keep (ascending
// row numbers) of one tracked by d: a subset of distinct rows is distinct,
// and d's spans still cover it.
func (d *distinctRows) kept(keep []int) distinctRows {
	upTo, _ := slices.BinarySearch(keep, d.upTo)
	if d.lost {
		return distinctRows{upTo: upTo, lost: true}
	}
	return distinctRows{upTo: upTo, spans: slices.Clone(d.spans)}
}

// summaryCache keeps the summary of the first n rows of a series, rows
// with distinct times: the next summary of more rows adds only those.
type summaryCache struct {
	mu  sync.Mutex
	n   int
	sum encoding.Summary
}

// of returns the summary of times and col, the first rows of the series,
// whose times are pairwise distinct. A cache already past them (an older
// View) summarizes them afresh.
func (c *summaryCache) of(times []int64, col model.Column) encoding.Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(times)
	switch {
	case c.n == n:
		return c.sum
	case c.n > n:
		return encoding.SummarizeDistinct(times, &col)
	}
	added := col.Slice(c.n, n)
	c.sum.Merge(encoding.SummarizeDistinct(times[c.n:], &added))
	c.n = n
	return c.sum
}
