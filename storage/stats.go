package storage

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// Stats are the aggregates of a series over a time range. Sum, Min and Max
// are for numeric types (Sum as float64, Min and Max of the series' Go
// type); Min and Max are nil for BOOLEAN and TEXT and when Count is 0.
type Stats struct {
	Count      int64
	Sum        float64
	Min, Max   any
	FirstTime  int64
	FirstValue any
	LastTime   int64
	LastValue  any
}

func statsOf(s encoding.Summary) Stats {
	if s.Count == 0 {
		return Stats{}
	}
	return Stats{Count: s.Count, Sum: s.Sum, Min: s.Min, Max: s.Max,
		FirstTime: s.MinTime, FirstValue: s.First, LastTime: s.MaxTime, LastValue: s.Last}
}

// chunkRef is a chunk as Stats first sees it: header only.
type chunkRef struct {
	ordinal int
	sum     encoding.Summary
	header  bool // its header statistics stand for it
}

// interval is the time span of a source of points: a chunk (an index in
// refs) or a memtable's rows (an index in mems).
type interval struct {
	lo, hi int64
	chunk  int // -1 for a memtable's rows
	mem    int // -1 for a chunk
}

// memSource is a memtable's rows of a series as Stats first sees them.
type memSource struct {
	rows   rows
	lo, hi int64
	// sum is the rows' summary when they have distinct times and all lie
	// in the range (summarized); whole when, overlapping no other source,
	// it stands for them.
	sum               encoding.Summary
	summarized, whole bool
	prio              uint64
	cur               *cursor // the rows in the range, when not summarized
}

// Stats aggregates the points Scan(id, typ, minT, maxT) would return. A
// chunk that lies inside the range and overlaps no other chunk or memtable
// rows contributes its header statistics without being decoded, and so do
// a memtable's rows with distinct times (their cached summary); the other
// sources are merged and aggregated point by point.
func (v *View) Stats(id uint64, typ model.DataType, minT, maxT int64) (Stats, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.closed {
		return Stats{}, ErrClosed
	}
	if minT > maxT {
		return Stats{}, nil
	}
	mems := v.memSources(seriesKey{id, typ}, minT, maxT)
	refs, relevant, err := v.chunkRefs(id, typ, minT, maxT)
	if err != nil {
		return Stats{}, err
	}
	spans := make([]interval, 0, len(refs)+len(mems))
	for i, c := range refs {
		spans = append(spans, interval{c.sum.MinTime, c.sum.MaxTime, i, -1})
	}
	for i, m := range mems {
		spans = append(spans, interval{m.lo, m.hi, -1, i})
	}
	markWhole(spans, refs, mems, minT, maxT)

	var total encoding.Summary
	decode := false
	for _, c := range refs {
		if c.header {
			total.Merge(c.sum)
		} else {
			decode = true
		}
	}
	var cursors []*cursor
	for _, m := range mems {
		switch {
		case m.whole:
			total.Merge(m.sum)
		case m.cur != nil:
			cursors = append(cursors, m.cur)
		default:
			if c := m.rows.cursor(minT, maxT, m.prio); c != nil {
				cursors = append(cursors, c)
			}
		}
	}
	if !decode && len(cursors) == 0 {
		return statsOf(total), nil
	}
	// Merge the rest: memtable runs and the chunks not covered by headers.
	skip := make(map[int]bool, len(refs))
	for _, c := range refs {
		if c.header {
			skip[c.ordinal] = true
		}
	}
	m := &mergeIter{typ: typ, col: model.Column{Type: typ}, cursors: cursors}
	defer m.Close()
	if decode {
		it, err := v.chunkIter(id, minT, maxT)
		if err != nil {
			return Stats{}, err
		}
		m.feed = newChunkFeed(it, v.r.id, id, typ, minT, maxT)
		m.feed.skip = func(ordinal int) bool { return skip[ordinal] || !relevant[ordinal] }
	}
	for {
		times, col, err := m.Next(4096)
		if err != nil {
			return Stats{}, err
		}
		if len(times) == 0 {
			break
		}
		total.Merge(encoding.Summarize(times, &col))
	}
	return statsOf(total), nil
}

// chunkRefs reads the headers of the series' chunks of type typ that hold
// points in [minT, maxT]. relevant[ordinal] tells, for every chunk of the
// iteration, whether it is one of them.
func (v *View) chunkRefs(id uint64, typ model.DataType, minT, maxT int64) ([]chunkRef, map[int]bool, error) {
	it, err := v.chunkIter(id, minT, maxT)
	if err != nil {
		return nil, nil, err
	}
	defer it.Close()
	var refs []chunkRef
	relevant := make(map[int]bool)
	ordinal := 0
	for valid := it.First(); valid; valid = it.Next() {
		ord := ordinal
		ordinal++
		val, err := it.ValueAndErr()
		if err != nil {
			return nil, nil, fmt.Errorf("stats of region %d series %d: %w", v.r.id, id, err)
		}
		sum, err := encoding.DecodeSummary(val)
		if err != nil {
			return nil, nil, fmt.Errorf("stats of region %d series %d: %w", v.r.id, id, err)
		}
		if sum.Type != typ || sum.MaxTime < minT || sum.MinTime > maxT {
			continue
		}
		relevant[ord] = true
		refs = append(refs, chunkRef{ordinal: ord, sum: sum})
	}
	if err := it.Error(); err != nil {
		return nil, nil, fmt.Errorf("stats of region %d series %d: %w", v.r.id, id, err)
	}
	return refs, relevant, nil
}

// markWhole sets header on the chunks, and whole on the summarized
// memtable rows, inside [minT, maxT] whose time span overlaps no other
// span.
func markWhole(spans []interval, refs []chunkRef, mems []memSource, minT, maxT int64) {
	slices.SortFunc(spans, func(a, b interval) int { return cmp.Compare(a.lo, b.lo) })
	var maxHi int64
	for i, s := range spans {
		overlaps := (i > 0 && s.lo <= maxHi) || (i+1 < len(spans) && spans[i+1].lo <= s.hi)
		if i == 0 || s.hi > maxHi {
			maxHi = s.hi
		}
		if overlaps || s.lo < minT || s.hi > maxT {
			continue
		}
		if s.chunk >= 0 {
			refs[s.chunk].header = true
		} else if mems[s.mem].summarized {
			mems[s.mem].whole = true
		}
	}
}

// memSources captures the rows of a series in each memtable of the view
// that has some in [minT, maxT]: summarized when their times are distinct
// and all in the range, as a cursor over the range otherwise.
func (v *View) memSources(key seriesKey, minT, maxT int64) []memSource {
	var out []memSource
	for _, ms := range v.mems {
		rs, ok := v.memRows(ms, key)
		if !ok {
			continue
		}
		src := memSource{rows: rs, prio: ms.prio}
		if rs.distinct {
			src.sum = rs.summary.of(rs.times, rs.col)
			src.summarized = src.sum.MinTime >= minT && src.sum.MaxTime <= maxT
		}
		if src.summarized {
			src.lo, src.hi = src.sum.MinTime, src.sum.MaxTime
		} else {
			if src.cur = rs.cursor(minT, maxT, ms.prio); src.cur == nil {
				continue
			}
			src.lo, src.hi = src.cur.times[0], src.cur.times[len(src.cur.times)-1]
		}
		out = append(out, src)
	}
	return out
}
