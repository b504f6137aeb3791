package storage

import (
	"fmt"
	"math"
	"sort"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// Iterator streams the points of a scan in ascending time.
type Iterator interface {
	// Next returns up to max points (a default batch size if max <= 0); no
	// points means the end. The slices are valid until the next call to
	// Next or Close. After an error every call returns it.
	Next(max int) (times []int64, values model.Column, err error)
	// Close releases the iterator. It is idempotent.
	Close()
}

// Priorities of point sources on equal timestamps: the current memtable
// over the frozen one over chunks, and chunks by their sequence.
const (
	prioMem    = math.MaxUint64
	prioFrozen = math.MaxUint64 - 1
)

// defaultBatch is the batch size of Next(0).
const defaultBatch = 1024

// cursor walks a sorted, duplicate-free run of points of one source.
type cursor struct {
	times []int64
	col   model.Column
	pos   int
	prio  uint64
}

func (c *cursor) head() int64 { return c.times[c.pos] }

// chunkFeed yields the chunks of one series in key order (start time, then
// sequence) from a pebble iterator, decoding them when asked.
type chunkFeed struct {
	it         *pebble.Iterator
	valid      bool
	region     uint32
	series     uint64
	typ        model.DataType
	minT, maxT int64
	// skip, if set, drops chunks by their ordinal in the feed.
	skip    func(ordinal int) bool
	ordinal int
}

func newChunkFeed(it *pebble.Iterator, region uint32, series uint64, typ model.DataType, minT, maxT int64) *chunkFeed {
	return &chunkFeed{it: it, valid: it.First(), region: region, series: series, typ: typ, minT: minT, maxT: maxT}
}

// peek returns the start time of the next chunk.
func (f *chunkFeed) peek() (int64, bool) {
	if !f.valid {
		return 0, false
	}
	start, _, ok := parseChunkKey(f.it.Key())
	if !ok {
		// Not a chunk key: surfaces as an error from open.
		return math.MinInt64, true
	}
	return start, true
}

// open decodes the next chunk and moves past it. It returns nil when the
// chunk holds nothing for the scan.
func (f *chunkFeed) open() (*cursor, error) {
	defer func() { f.valid = f.it.Next() }()
	ordinal := f.ordinal
	f.ordinal++
	if f.skip != nil && f.skip(ordinal) {
		return nil, nil
	}
	start, seq, ok := parseChunkKey(f.it.Key())
	if !ok {
		return nil, fmt.Errorf("region %d series %d: %w: chunk key %x", f.region, f.series, encoding.ErrCorrupt, f.it.Key())
	}
	v, err := f.it.ValueAndErr()
	if err != nil {
		return nil, fmt.Errorf("region %d series %d chunk at %d: %w", f.region, f.series, start, err)
	}
	if start < f.minT {
		// Chunks of the window before minT may end before it: check the
		// header before decoding the body.
		sum, err := encoding.DecodeSummary(v)
		if err != nil {
			return nil, fmt.Errorf("region %d series %d chunk at %d: %w", f.region, f.series, start, err)
		}
		if sum.Type != f.typ || sum.MaxTime < f.minT {
			return nil, nil
		}
	}
	sum, times, col, err := encoding.DecodeChunk(v)
	if err != nil {
		return nil, fmt.Errorf("region %d series %d chunk at %d: %w", f.region, f.series, start, err)
	}
	if sum.Type != f.typ {
		return nil, nil
	}
	lo, hi := timeRange(times, f.minT, f.maxT)
	if lo == hi {
		return nil, nil
	}
	return &cursor{times: times[lo:hi], col: col.Slice(lo, hi), prio: seq}, nil
}

// mergeIter merges memtable runs and chunks into one ascending stream; on
// equal times the source of highest priority wins. Chunks are decoded only
// when the merge reaches their start time.
type mergeIter struct {
	cursors []*cursor
	feed    *chunkFeed // nil without chunks
	typ     model.DataType
	times   []int64
	col     model.Column
	err     error
	closed  bool
	onClose func()
}

// fill opens every pending chunk that starts at or before the earliest
// point of the open cursors: it may hold an earlier or a winning point.
func (m *mergeIter) fill() error {
	for m.feed != nil {
		start, ok := m.feed.peek()
		if !ok {
			break
		}
		if len(m.cursors) > 0 && start > m.minHead() {
			break
		}
		c, err := m.feed.open()
		if err != nil {
			return err
		}
		if c != nil {
			m.cursors = append(m.cursors, c)
		}
	}
	if m.feed != nil {
		return m.feed.it.Error()
	}
	return nil
}

func (m *mergeIter) minHead() int64 {
	h := int64(math.MaxInt64)
	for _, c := range m.cursors {
		h = min(h, c.head())
	}
	return h
}

// Next implements Iterator.
func (m *mergeIter) Next(max int) ([]int64, model.Column, error) {
	if m.err != nil {
		return nil, model.Column{Type: m.typ}, m.err
	}
	if m.closed {
		return nil, model.Column{Type: m.typ}, ErrClosed
	}
	if max <= 0 {
		max = defaultBatch
	}
	m.times = m.times[:0]
	truncate(&m.col)
	for len(m.times) < max {
		if err := m.fill(); err != nil {
			m.err = err
			return nil, model.Column{Type: m.typ}, err
		}
		if len(m.cursors) == 0 {
			break
		}
		best := m.cursors[0]
		for _, c := range m.cursors[1:] {
			if c.head() < best.head() || (c.head() == best.head() && c.prio > best.prio) {
				best = c
			}
		}
		h := best.head()
		// Losers at the same time give up their point; the next point of
		// any other source bounds the run best can emit in one go.
		limit, bounded := int64(0), false
		for _, c := range m.cursors {
			if c == best {
				continue
			}
			if c.head() == h {
				c.pos++
			}
			if c.pos < len(c.times) && (!bounded || c.head() < limit) {
				limit, bounded = c.head(), true
			}
		}
		if start, ok := m.feed.peekOK(); ok && (!bounded || start < limit) {
			limit, bounded = start, true
		}
		end := len(best.times)
		if bounded {
			rest := best.times[best.pos:]
			end = best.pos + sort.Search(len(rest), func(i int) bool { return rest[i] >= limit })
		}
		end = min(end, best.pos+max-len(m.times))
		m.times = append(m.times, best.times[best.pos:end]...)
		appendRange(&m.col, &best.col, best.pos, end)
		best.pos = end
		m.dropExhausted()
	}
	return m.times, m.col, nil
}

// peekOK is peek on a possibly nil feed.
func (f *chunkFeed) peekOK() (int64, bool) {
	if f == nil {
		return 0, false
	}
	return f.peek()
}

func (m *mergeIter) dropExhausted() {
	live := m.cursors[:0]
	for _, c := range m.cursors {
		if c.pos < len(c.times) {
			live = append(live, c)
		}
	}
	clear(m.cursors[len(live):])
	m.cursors = live
}

// Close implements Iterator.
func (m *mergeIter) Close() {
	if m.closed {
		return
	}
	m.closed = true
	if m.feed != nil {
		_ = m.feed.it.Close()
	}
	m.cursors = nil
	if m.onClose != nil {
		m.onClose()
	}
}

// errIter is an Iterator that only returns an error.
type errIter struct{ err error }

func (e errIter) Next(int) ([]int64, model.Column, error) { return nil, model.Column{}, e.err }
func (e errIter) Close()                                  {}
