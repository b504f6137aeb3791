package storage

import (
	"cmp"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// View is a consistent read view of a region as of the last Write or Delete
// applied when it was taken: a pebble snapshot plus the memtables' series
// maps, whose rows it bounds by its index. Writes and deletes after it are
// invisible to it. A View is cheap to take; Close it, and its iterators,
// when done. Its methods are safe for concurrent use, except that an
// Iterator must not be used after the View is closed.
type View struct {
	r     *Region
	index uint64
	snap  *pebble.Snapshot
	mems  []memSnap // newest first

	// mu is held shared by reads and exclusively by Close.
	mu      sync.RWMutex
	closed  bool
	itersMu sync.Mutex
	iters   map[*mergeIter]struct{}
}

// memSnap is a memtable as a View sees it.
type memSnap struct {
	series map[seriesKey]*memSeries
	prio   uint64
}

// View returns a read view as of the last applied Write or Delete. On a
// closed region every read of the view fails with ErrClosed.
func (r *Region) View() *View {
	release, err := r.acquire()
	if err != nil {
		return &View{r: r, closed: true}
	}
	defer release()
	r.mu.Lock()
	v := &View{
		r:     r,
		index: r.lastIndex,
		snap:  r.db.NewSnapshot(),
		mems:  []memSnap{{r.mem.series, prioMem}},
		iters: make(map[*mergeIter]struct{}),
	}
	if r.imm != nil {
		v.mems = append(v.mems, memSnap{r.imm.series, prioFrozen})
	}
	r.lastView = r.lastIndex
	r.mu.Unlock()
	r.viewsMu.Lock()
	r.views[v] = struct{}{}
	r.viewsMu.Unlock()
	return v
}

// Index is the index of the last Write or Delete the view includes.
func (v *View) Index() uint64 { return v.index }

// Close releases the view and closes its open iterators. It is idempotent.
func (v *View) Close() {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return
	}
	v.closed = true
	v.mu.Unlock()
	v.itersMu.Lock()
	iters := v.iters
	v.iters = nil
	v.itersMu.Unlock()
	for it := range iters {
		it.onClose = nil
		it.Close()
	}
	_ = v.snap.Close()
	v.r.viewsMu.Lock()
	delete(v.r.views, v)
	v.r.viewsMu.Unlock()
}

// memRuns returns the sorted, deduplicated memtable points of a series in
// [minT, maxT], one cursor per memtable that has some.
func (v *View) memRuns(key seriesKey, minT, maxT int64) []*cursor {
	var out []*cursor
	for _, ms := range v.mems {
		rs, ok := v.memRows(ms, key)
		if !ok {
			continue
		}
		if c := rs.cursor(minT, maxT, ms.prio); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// memRows captures the rows of a series in a memtable visible at the view's
// index.
func (v *View) memRows(ms memSnap, key seriesKey) (rows, bool) {
	v.r.mu.RLock()
	defer v.r.mu.RUnlock()
	s, ok := ms.series[key]
	if !ok {
		return rows{}, false
	}
	n := s.lenAt(v.index)
	return s.snapshot(n), n > 0
}

// chunkIter opens a snapshot iterator over the chunks of a series that may
// hold points in [minT, maxT].
func (v *View) chunkIter(id uint64, minT, maxT int64) (*pebble.Iterator, error) {
	r := v.r
	it, err := v.snap.NewIter(&pebble.IterOptions{
		LowerBound: chunkBound(r.id, id, windowStart(minT, r.cfg.ChunkWindow)),
		UpperBound: chunkBoundAfter(r.id, id, maxT),
	})
	if err != nil {
		return nil, fmt.Errorf("scan region %d series %d: %w", r.id, id, err)
	}
	return it, nil
}

// Scan iterates the points of series id of type typ with times in
// [minT, maxT] in ascending time; for equal times the latest write wins.
// Points the series holds with another type are not seen.
func (v *View) Scan(id uint64, typ model.DataType, minT, maxT int64) Iterator {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.closed {
		return errIter{ErrClosed}
	}
	m := &mergeIter{typ: typ, col: model.Column{Type: typ}}
	if minT > maxT {
		return m
	}
	m.cursors = v.memRuns(seriesKey{id, typ}, minT, maxT)
	it, err := v.chunkIter(id, minT, maxT)
	if err != nil {
		return errIter{err}
	}
	m.feed = newChunkFeed(it, v.r.id, id, typ, minT, maxT)
	v.itersMu.Lock()
	v.iters[m] = struct{}{}
	v.itersMu.Unlock()
	m.onClose = func() {
		v.itersMu.Lock()
		delete(v.iters, m)
		v.itersMu.Unlock()
	}
	return m
}

// Last returns the latest point of series id of type typ, and ok false if
// there is none. It reads chunk headers only.
func (v *View) Last(id uint64, typ model.DataType) (t int64, value any, ok bool, err error) {
	type candidate struct {
		t     int64
		prio  uint64
		value any
	}
	var best *candidate
	consider := func(c candidate) {
		if best == nil || cmp.Or(cmp.Compare(c.t, best.t), cmp.Compare(c.prio, best.prio)) > 0 {
			best = &c
		}
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.closed {
		return 0, nil, false, ErrClosed
	}
	for _, ms := range v.mems {
		if rs, ok := v.memRows(ms, seriesKey{id, typ}); ok {
			i := rs.latest()
			consider(candidate{rs.times[i], ms.prio, rs.col.Value(i)})
		}
	}
	sum, seq, found, err := v.lastChunk(id, typ)
	if err != nil {
		return 0, nil, false, err
	}
	if found {
		consider(candidate{sum.MaxTime, seq, sum.Last})
	}
	if best == nil {
		return 0, nil, false, nil
	}
	return best.t, best.value, true, nil
}

// lastChunk finds the chunk of the series and type with the greatest end
// time (highest sequence among equal ones). That chunk lies in the window
// of the last chunk of that type, so Last scans windows backwards from
// the series' last chunk until it finds one of the type.
func (v *View) lastChunk(id uint64, typ model.DataType) (encoding.Summary, uint64, bool, error) {
	r := v.r
	upper := seriesEnd(r.id, id)
	for {
		it, err := v.snap.NewIter(&pebble.IterOptions{LowerBound: seriesPrefix(r.id, id), UpperBound: upper})
		if err != nil {
			return encoding.Summary{}, 0, false, fmt.Errorf("last of region %d series %d: %w", r.id, id, err)
		}
		sum, seq, found, ws, err := scanLastWindow(it, typ, r.cfg.ChunkWindow)
		_ = it.Close()
		if err != nil {
			return encoding.Summary{}, 0, false, fmt.Errorf("last of region %d series %d: %w", r.id, id, err)
		}
		if found || ws == nil {
			return sum, seq, found, nil
		}
		upper = chunkBound(r.id, id, *ws)
	}
}

// scanLastWindow reads the headers of the chunks in the window of the
// iterator's last chunk. It returns the window start when no chunk there
// has type typ, and nil when the iterator is empty.
func scanLastWindow(it *pebble.Iterator, typ model.DataType, window int64) (encoding.Summary, uint64, bool, *int64, error) {
	var best encoding.Summary
	var bestSeq uint64
	if !it.Last() {
		return best, 0, false, nil, it.Error()
	}
	start, _, ok := parseChunkKey(it.Key())
	if !ok {
		return best, 0, false, nil, fmt.Errorf("%w: chunk key %x", encoding.ErrCorrupt, it.Key())
	}
	ws := windowStart(start, window)
	found := false
	for valid := it.SeekGE(append(it.Key()[:seriesKeyLen:seriesKeyLen], encodeIndex(orderedTime(ws))...)); valid; valid = it.Next() {
		_, seq, _ := parseChunkKey(it.Key())
		val, err := it.ValueAndErr()
		if err != nil {
			return best, 0, false, nil, err
		}
		sum, err := encoding.DecodeSummary(val)
		if err != nil {
			return best, 0, false, nil, err
		}
		if sum.Type != typ {
			continue
		}
		if !found || sum.MaxTime > best.MaxTime || (sum.MaxTime == best.MaxTime && seq > bestSeq) {
			best, bestSeq, found = sum, seq, true
		}
	}
	if err := it.Error(); err != nil {
		return best, 0, false, nil, err
	}
	return best, bestSeq, found, &ws, nil
}
