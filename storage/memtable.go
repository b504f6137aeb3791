package storage

import (
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/sluicedb/sluice/model"
)

// seriesKey names the points of one series of one type: a series written
// with several types keeps them apart, and a read asks for one.
type seriesKey struct {
	id  uint64
	typ model.DataType
}

// memtable holds a region's unflushed points per series. The map and the
// series it points to are only mutated under the region lock; a Delete
// replaces both (copy-on-write) instead of editing them, so a View that
// captured the map keeps seeing the data as of its index.
type memtable struct {
	series map[seriesKey]*memSeries
	bytes  int64 // approximate size of the points
	points int64
	// upTo is set when the memtable is frozen: every Write and Delete with
	// an index <= upTo is reflected in it and in the chunks flushed before.
	upTo uint64
}

func newMemtable() *memtable {
	return &memtable{series: make(map[seriesKey]*memSeries)}
}

// memSeries is the append-only column of one series. Rows are in write
// order; sorting and deduplication happen when reading and flushing.
type memSeries struct {
	times []int64
	col   model.Column // no nulls
	// marks record the row count after writes, so that a View at index i
	// sees exactly the rows written at or before i. A mark no View can ask
	// for is overwritten rather than appended.
	marks []mark
	// sortedUpTo is the length of the prefix of rows with strictly
	// increasing times.
	sortedUpTo int
	// order caches the read order of an unsorted series (see orderOf).
	order orderCache
	// distinct and summary let Stats aggregate the rows without ordering
	// them (memstats.go).
	distinct distinctRows
	summary  summaryCache
	// id is the series' id; limit is the row count past which its columns
	// grow (see reserve).
	id    uint64
	limit int
}

// orderCache keeps, for the first n rows of an unsorted series, the row
// numbers to read in time order, the last written of equal times only. A
// pipe receiver's series are unsorted (transfers arrive out of order) and
// are read again and again while they grow: the next read merges its new
// rows into the cached order, linear in the rows, instead of ordering all
// of them again. A published order is never modified, so readers may keep
// it after the lock is released.
type orderCache struct {
	mu    sync.Mutex
	n     int
	order []int
}

type mark struct {
	index uint64
	n     int
}

// lenAt is the number of rows written at or before index.
func (s *memSeries) lenAt(index uint64) int {
	i := sort.Search(len(s.marks), func(i int) bool { return s.marks[i].index > index })
	if i == 0 {
		return 0
	}
	return s.marks[i-1].n
}

// extendSorted advances sortedUpTo over newly appended rows.
func (s *memSeries) extendSorted() {
	for s.sortedUpTo < len(s.times) && (s.sortedUpTo == 0 || s.times[s.sortedUpTo] > s.times[s.sortedUpTo-1]) {
		s.sortedUpTo++
	}
}

// reserve makes room for add more rows. The columns grow by the series'
// own factor (1.5 to 2 times), and a little before they are full: at the
// series' own fraction of their capacity (from 77% to all of it). Series
// written in lockstep (a device's measurements, a load over many devices)
// would otherwise fill up at the same write, their capacities being
// rounded to the same allocation sizes, and all be copied in one apply,
// which held up that apply, and the writes behind it, for as long. The
// columns are at least 39% full after a growth.
func (s *memSeries) reserve(add int) {
	need := len(s.times) + add
	if need <= s.limit {
		return
	}
	grow, early := spreadOf(s.id)
	n := max(need, cap(s.times)+cap(s.times)*grow/64) - len(s.times)
	s.times = slices.Grow(s.times, n)
	var values int
	s.col, values = growColumn(s.col, n)
	c := min(cap(s.times), values)
	s.limit = max(need, c-c*early/64)
}

// spreadOf is how series id's columns grow: by grow 64ths of their
// capacity (32 to 63), once full but for early 64ths (0 to 15). Both are
// spread over the ids.
func spreadOf(id uint64) (grow, early int) {
	h := id * 0x9E3779B97F4A7C15
	return 32 + int(h>>59), int(h>>55) & 15
}

// pointBytes approximates the memory of one point of a type.
func pointBytes(t model.DataType) int64 {
	switch t {
	case model.Boolean:
		return 9
	case model.Int32, model.Float:
		return 12
	case model.Text:
		return 24 // plus the string bytes
	default:
		return 16
	}
}

// append adds the non-null rows of w at index. lastView is the index of
// the latest View taken: marks above it are invisible to every View, so the
// last one may be overwritten. It returns the bytes and points added.
func (m *memtable) append(index, lastView uint64, w *SeriesWrite) (int64, int64) {
	key := seriesKey{w.ID, w.Values.Type}
	s := m.series[key]
	if s == nil {
		s = &memSeries{col: model.Column{Type: w.Values.Type}, id: w.ID}
		m.series[key] = s
	}
	before := len(s.times)
	s.reserve(len(w.Times))
	s.times, s.col = appendRows(s.times, s.col, w.Times, &w.Values)
	added := len(s.times) - before
	if added == 0 {
		return 0, 0
	}
	s.extendSorted()
	s.distinct.extend(s.times, before, s.sortedUpTo == len(s.times))
	if n := len(s.marks); n > 0 && s.marks[n-1].index > lastView {
		s.marks[n-1] = mark{index, len(s.times)}
	} else {
		s.marks = append(s.marks, mark{index, len(s.times)})
	}
	bytes := int64(added) * pointBytes(w.Values.Type)
	if w.Values.Type == model.Text {
		for _, v := range s.col.Texts[before:] {
			bytes += int64(len(v))
		}
	}
	m.bytes += bytes
	m.points += int64(added)
	return bytes, int64(added)
}

// withoutRange returns a copy-on-write memtable without the points of ids
// in [minT, maxT], or m itself when nothing is deleted. It returns the
// bytes removed.
func (m *memtable) withoutRange(index uint64, ids []uint64, minT, maxT int64) (*memtable, int64) {
	var out *memtable
	var freed int64
	for _, id := range ids {
		for typ := model.Boolean; typ <= model.Text; typ++ {
			key := seriesKey{id, typ}
			s, ok := m.series[key]
			if !ok {
				continue
			}
			keep := make([]int, 0, len(s.times))
			for i, t := range s.times {
				if t < minT || t > maxT {
					keep = append(keep, i)
				}
			}
			if len(keep) == len(s.times) {
				continue
			}
			if out == nil {
				out = &memtable{series: make(map[seriesKey]*memSeries, len(m.series)), upTo: m.upTo}
				for k, v := range m.series {
					out.series[k] = v
				}
				out.bytes, out.points = m.bytes, m.points
			}
			removed := int64(len(s.times) - len(keep))
			bytes := removed * pointBytes(typ)
			if typ == model.Text {
				bytes = 0
				for i, v := range s.col.Texts {
					if t := s.times[i]; t >= minT && t <= maxT {
						bytes += pointBytes(typ) + int64(len(v))
					}
				}
			}
			out.points -= removed
			out.bytes -= bytes
			freed += bytes
			if len(keep) == 0 {
				delete(out.series, key)
				continue
			}
			ns := &memSeries{times: gather(s.times, keep), col: s.col.Gather(keep), distinct: s.distinct.kept(keep), id: s.id}
			ns.marks = []mark{{index, len(ns.times)}}
			ns.extendSorted()
			out.series[key] = ns
		}
	}
	if out == nil {
		return m, 0
	}
	return out, freed
}

// rows is a captured prefix of a memSeries, safe to read without the
// region lock: appends only write past it and deletes copy.
type rows struct {
	times  []int64
	col    model.Column
	sorted bool // strictly increasing times
	// order caches the read order of the series the rows were captured
	// from; nil to order the rows afresh.
	order *orderCache
	// distinct is set when the rows' times are pairwise distinct; summary
	// then caches their summary.
	distinct bool
	summary  *summaryCache
}

// snapshot captures the first n rows; the caller holds the region lock.
func (s *memSeries) snapshot(n int) rows {
	return rows{times: s.times[:n], col: s.col.Slice(0, n), sorted: n <= s.sortedUpTo, order: &s.order,
		distinct: n <= s.distinct.upTo, summary: &s.summary}
}

// sortedRange returns the rows in [minT, maxT] sorted by time with
// duplicates removed (the last written wins). It shares the captured
// storage when the rows were sorted already.
func (r rows) sortedRange(minT, maxT int64) ([]int64, model.Column) {
	times, col := r.times, r.col
	if !r.sorted {
		keep := r.order.orderOf(times)
		times, col = gather(times, keep), col.Gather(keep)
	}
	lo, hi := timeRange(times, minT, maxT)
	return times[lo:hi], col.Slice(lo, hi)
}

// cursor is a merge cursor of priority prio over the rows in [minT, maxT]
// (sortedRange), or nil when there are none.
func (r rows) cursor(minT, maxT int64, prio uint64) *cursor {
	times, col := r.sortedRange(minT, maxT)
	if len(times) == 0 {
		return nil
	}
	return &cursor{times: times, col: col, prio: prio}
}

// orderOf returns the read order of times, the first rows of the series:
// row numbers in time order, the last written of equal times only. It
// merges rows past the cached ones into the cached order and caches the
// result; a nil cache, or one already past len(times) (an older View),
// orders the rows afresh.
func (c *orderCache) orderOf(times []int64) []int {
	if c == nil {
		return lastOfEqual(times, writeOrderByTime(times))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(times)
	switch {
	case c.n == n:
		return c.order
	case c.n > n:
		return lastOfEqual(times, writeOrderByTime(times))
	}
	added := writeOrderByTime(times[c.n:])
	for i := range added {
		added[i] += c.n
	}
	order := mergeOrders(c.order, lastOfEqual(times, added), times)
	c.n, c.order = n, order
	return order
}

// lastOfEqual drops from perm, row numbers in time order with equal times
// in write order, all but the last written of each time.
func lastOfEqual(times []int64, perm []int) []int {
	keep := perm[:0]
	for i, p := range perm {
		if i+1 < len(perm) && times[perm[i+1]] == times[p] {
			continue
		}
		keep = append(keep, p)
	}
	return keep
}

// mergeOrders merges two read orders into a new one; of equal times it
// keeps newer's row, the later write.
func mergeOrders(older, newer []int, times []int64) []int {
	out := make([]int, 0, len(older)+len(newer))
	i, j := 0, 0
	for i < len(older) && j < len(newer) {
		switch to, tn := times[older[i]], times[newer[j]]; {
		case to < tn:
			out = append(out, older[i])
			i++
		case tn < to:
			out = append(out, newer[j])
			j++
		default:
			out = append(out, newer[j])
			i++
			j++
		}
	}
	out = append(out, older[i:]...)
	return append(out, newer[j:]...)
}

// writeOrderByTime returns the row numbers of times in ascending time
// order, equal times in write order. Rows come as runs of non-decreasing
// times (each write appends one; a pipe receiver applying transfers out of
// order, or a backfill, starts a new run), so the runs are merged pairwise:
// O(n log k) for k runs, where a sort would be O(n log n).
func writeOrderByTime(times []int64) []int {
	n := len(times)
	src := make([]int, n)
	for i := range src {
		src[i] = i
	}
	bounds := []int{0} // the first row of each run, then n
	for i := 1; i < n; i++ {
		if times[i] < times[i-1] {
			bounds = append(bounds, i)
		}
	}
	bounds = append(bounds, n)
	dst := make([]int, n)
	for len(bounds) > 2 {
		next := make([]int, 0, len(bounds)/2+2)
		for j := 0; j+1 < len(bounds); j += 2 {
			lo, mid := bounds[j], bounds[j+1]
			next = append(next, lo)
			if j+2 == len(bounds) { // an odd run out: carried over
				copy(dst[lo:mid], src[lo:mid])
				continue
			}
			mergeRuns(dst[lo:bounds[j+2]], src[lo:mid], src[mid:bounds[j+2]], times)
		}
		bounds = append(next, n)
		src, dst = dst, src
	}
	return src
}

// mergeRuns merges the row numbers a and b, each in time order, into dst
// by time; on equal times a's rows, the earlier written, come first.
func mergeRuns(dst, a, b []int, times []int64) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if times[b[j]] < times[a[i]] {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
}

// latest returns the row with the greatest time, the last written among
// equal ones, or -1 for no rows.
func (r rows) latest() int {
	if len(r.times) == 0 {
		return -1
	}
	if r.sorted {
		return len(r.times) - 1
	}
	best := 0
	for i, t := range r.times {
		if t >= r.times[best] {
			best = i
		}
	}
	return best
}

// timeRange returns the bounds of the rows of sorted times in [minT, maxT].
func timeRange(times []int64, minT, maxT int64) (int, int) {
	lo, hi := 0, len(times)
	if minT > math.MinInt64 {
		lo, _ = slices.BinarySearch(times, minT)
	}
	if maxT < math.MaxInt64 {
		hi, _ = slices.BinarySearch(times, maxT+1)
	}
	return lo, max(lo, hi)
}
