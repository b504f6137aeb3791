package query

import (
	"context"
	"math"

	"github.com/sluicedb/sluice/model"
)

// rowSource yields the rows of several series joined on time: each batch has
// one column per series, null where a series has no point at that time.
type rowSource interface {
	// next returns up to max rows; nil at the end.
	next(ctx context.Context, max int) (*model.Batch, error)
	close()
}

// scanChunk is how many points a cursor asks a series iterator for at once.
const scanChunk = 4096

// cursor walks one series' points chunk by chunk.
type cursor struct {
	it    SeriesIterator
	times []int64
	col   model.Column
	pos   int
	done  bool
}

// head returns the time of the current point, loading the next chunk when
// the current one is used up; ok is false at the end.
func (c *cursor) head() (t int64, ok bool, err error) {
	for !c.done && c.pos >= len(c.times) {
		c.times, c.col, err = c.it.Next(scanChunk)
		c.pos = 0
		if err != nil {
			return 0, false, err
		}
		if len(c.times) == 0 {
			c.done = true
			c.it.Close()
		}
	}
	if c.done {
		return 0, false, nil
	}
	return c.times[c.pos], true, nil
}

func (c *cursor) close() {
	if !c.done {
		c.done = true
		c.it.Close()
	}
}

// mergeSource is the ascending rowSource over [lo, hi].
type mergeSource struct {
	st     Store
	series []model.Series
	types  []model.DataType
	lo, hi int64
	curs   []*cursor
	opened bool
	done   bool
}

func newMergeSource(st Store, series []model.Series, lo, hi int64) *mergeSource {
	types := make([]model.DataType, len(series))
	for i := range series {
		types[i] = series[i].Type
	}
	return &mergeSource{st: st, series: series, types: types, lo: lo, hi: hi}
}

func (m *mergeSource) open(ctx context.Context) error {
	m.opened = true
	m.curs = make([]*cursor, len(m.series))
	for i, s := range m.series {
		it, err := m.st.Scan(ctx, s, m.lo, m.hi)
		if err != nil {
			m.close()
			return err
		}
		m.curs[i] = &cursor{it: it}
	}
	return nil
}

func (m *mergeSource) next(ctx context.Context, max int) (*model.Batch, error) {
	if m.done || m.lo > m.hi {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !m.opened {
		if err := m.open(ctx); err != nil {
			return nil, err
		}
	}
	capacity := min(max, scanChunk)
	out := &model.Batch{Times: make([]int64, 0, capacity), Columns: newColumns(m.types, capacity)}
	heads := make([]int64, len(m.curs))
	live := make([]bool, len(m.curs))
	for len(out.Times) < max {
		t, found := int64(math.MaxInt64), false
		for i, c := range m.curs {
			h, ok, err := c.head()
			if err != nil {
				return nil, err
			}
			heads[i], live[i] = h, ok
			if ok && (!found || h < t) {
				t, found = h, true
			}
		}
		if !found {
			m.done = true
			break
		}
		out.Times = append(out.Times, t)
		for i, c := range m.curs {
			if live[i] && heads[i] == t {
				appendFrom(&out.Columns[i], &c.col, c.pos)
				c.pos++
			} else {
				appendNull(&out.Columns[i])
			}
		}
	}
	if len(out.Times) == 0 {
		return nil, nil
	}
	return out, nil
}

func (m *mergeSource) close() {
	for _, c := range m.curs {
		if c != nil {
			c.close()
		}
	}
	m.done = true
}

// descTarget is how many rows a descending source aims to hold per segment.
const descTarget = 4096

// descSource yields rows newest first. Stores scan forward only, so it walks
// the range backwards in segments, each scanned forward, buffered and
// reversed; segment spans adapt to the data's density so that a segment
// holds about descTarget rows and LIMIT queries read only the newest data.
type descSource struct {
	st     Store
	series []model.Series
	lo, hi int64

	started bool
	cur     int64   // upper end of the next segment
	span    float64 // width of the next segment
	buf     *model.Batch
	pos     int
	done    bool
	seg     *mergeSource
}

func newDescSource(st Store, series []model.Series, lo, hi int64) *descSource {
	return &descSource{st: st, series: series, lo: lo, hi: hi}
}

// start narrows the range to where data is and sizes the first segment.
func (d *descSource) start(ctx context.Context) error {
	d.started = true
	var total int64
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range d.series {
		st, err := d.st.Stats(ctx, s, d.lo, d.hi)
		if err != nil {
			return err
		}
		if st.Count == 0 {
			continue
		}
		total += st.Count
		first, last = min(first, st.FirstTime), max(last, st.LastTime)
	}
	if total == 0 {
		d.done = true
		return nil
	}
	d.lo, d.hi = max(d.lo, first), min(d.hi, last)
	width := float64(d.hi) - float64(d.lo) + 1
	d.span = max(1, width*descTarget/float64(total))
	d.cur = d.hi
	return nil
}

func (d *descSource) next(ctx context.Context, max int) (*model.Batch, error) {
	if !d.started {
		if err := d.start(ctx); err != nil {
			return nil, err
		}
	}
	for d.buf == nil || d.pos >= d.buf.Len() {
		if d.done {
			return nil, nil
		}
		if err := d.fill(ctx); err != nil {
			return nil, err
		}
	}
	end := min(d.buf.Len(), d.pos+max)
	out := &model.Batch{Times: d.buf.Times[d.pos:end], Columns: make([]model.Column, len(d.buf.Columns))}
	for i := range d.buf.Columns {
		out.Columns[i] = d.buf.Columns[i].Slice(d.pos, end)
	}
	d.pos = end
	return out, nil
}

// fill scans the next segment down into buf.
func (d *descSource) fill(ctx context.Context) error {
	segLo := d.lo
	if float64(d.cur)-float64(d.lo) >= d.span && d.span < 1<<62 {
		segLo = d.cur - int64(d.span) + 1
	}
	d.seg = newMergeSource(d.st, d.series, segLo, d.cur)
	b, err := d.seg.next(ctx, math.MaxInt)
	d.seg.close()
	d.seg = nil
	if err != nil {
		return err
	}
	if segLo == d.lo {
		d.done = true
	} else {
		d.cur = segLo - 1
	}
	rows := 0
	if b != nil {
		reverseBatch(b)
		rows = b.Len()
	}
	d.buf, d.pos = b, 0
	// Aim the next segment at descTarget rows, changing the span at most
	// fourfold per step so that one dense or empty stretch does not swing it.
	ratio := 4.0
	if rows > 0 {
		ratio = min(4, max(0.25, float64(descTarget)/float64(rows)))
	}
	d.span = max(1, d.span*ratio)
	return nil
}

func (d *descSource) close() {
	if d.seg != nil {
		d.seg.close()
	}
	d.done = true
}

// newSource returns the rowSource for series over [lo, hi] in the requested
// time order.
func newSource(st Store, series []model.Series, lo, hi int64, desc bool) rowSource {
	if desc {
		return newDescSource(st, series, lo, hi)
	}
	return newMergeSource(st, series, lo, hi)
}
