package tsfile

import (
	"fmt"
	"math"
	"sort"
)

// Rows iterates over the rows of one device in time order, holding one chunk per series (or
// one chunk group for an aligned device) in memory. For a non-aligned device a row is every
// time at which any series has a value; for an aligned device every time of its time column.
//
//	rows, err := r.Rows("root.sg.d1")
//	for rows.Next() { t := rows.Time(); v, ok := rows.Value(0) }
//	if err := rows.Err(); err != nil { ... }
type Rows struct {
	r      *Reader
	series []*TimeseriesMetadata // value series, in file order
	dels   [][]Deletion          // per series, the deletions matching it
	err    error
	time   int64
	values []any
	has    []bool
	// chunkOffsets[i] is the offset of the chunk series i's current value came from.
	chunkOffsets []int64

	// non-aligned: one cursor per series
	cursors []*seriesCursor

	// aligned
	timeSeries *TimeseriesMetadata
	timeRuns   [][]ChunkMetadata // runs of time chunks still to read
	times      []int64
	cols       []alignedColumn
	row        int

	alignedTimePages []Page
}

// Rows starts reading the rows of device, without the points deletions remove (see ReadMods);
// a row left without any value by deletions is skipped.
func (r *Reader) Rows(device string, deletions ...Deletion) (*Rows, error) {
	all, err := r.Series(device)
	if err != nil {
		return nil, err
	}
	rows := &Rows{r: r}
	for _, ts := range all {
		if ts.TimeColumn {
			if rows.timeSeries != nil {
				return nil, &CorruptError{Offset: r.metaOffset, What: fmt.Sprintf("device %q has two time columns", device)}
			}
			rows.timeSeries = ts
			continue
		}
		rows.series = append(rows.series, ts)
	}
	for _, ts := range all {
		for k := 1; k < len(ts.Chunks); k++ {
			if ts.Chunks[k].Offset <= ts.Chunks[k-1].Offset {
				return nil, &CorruptError{Offset: ts.Chunks[k].Offset, What: fmt.Sprintf("chunks of %q listed out of file order", ts.Measurement)}
			}
		}
	}
	for _, ts := range rows.series {
		if ts.ValueColumn != (rows.timeSeries != nil) {
			return nil, &CorruptError{Offset: r.metaOffset, What: fmt.Sprintf("device %q mixes aligned and non-aligned series", device)}
		}
		if rows.timeSeries == nil {
			rows.cursors = append(rows.cursors, &seriesCursor{r: r, ts: ts, runs: chunkRuns(ts.Chunks)})
		}
	}
	if rows.timeSeries != nil {
		rows.timeRuns = chunkRuns(rows.timeSeries.Chunks)
	}
	rows.values = make([]any, len(rows.series))
	rows.chunkOffsets = make([]int64, len(rows.series))
	rows.has = make([]bool, len(rows.series))
	rows.dels = make([][]Deletion, len(rows.series))
	for i, ts := range rows.series {
		for _, d := range deletions {
			if d.Matches(device, ts.Measurement) {
				rows.dels[i] = append(rows.dels[i], d)
			}
		}
	}
	return rows, nil
}

// Series returns the device's value series, in the order Value indexes them.
func (rs *Rows) Series() []*TimeseriesMetadata { return rs.series }

// Aligned reports whether the device is aligned.
func (rs *Rows) Aligned() bool { return rs.timeSeries != nil }

// Next advances to the next row; false at the end or on error (see Err).
func (rs *Rows) Next() bool {
	if rs.err != nil {
		return false
	}
	for {
		var ok bool
		if rs.timeSeries != nil {
			ok = rs.nextAligned()
		} else {
			ok = rs.nextMerged()
		}
		if !ok || !rs.applyDeletions() {
			return ok
		}
	}
}

// applyDeletions drops the current row's deleted values and reports whether that left the
// row empty, to be skipped.
func (rs *Rows) applyDeletions() bool {
	removed, left := false, false
	for i := range rs.values {
		if !rs.has[i] {
			continue
		}
		for _, d := range rs.dels[i] {
			if d.deletes(rs.chunkOffsets[i], rs.time) {
				rs.has[i], rs.values[i], removed = false, nil, true
				break
			}
		}
		left = left || rs.has[i]
	}
	return removed && !left
}

// Time is the current row's time.
func (rs *Rows) Time() int64 { return rs.time }

// Value returns series i's value in the current row, false when it has none.
func (rs *Rows) Value(i int) (any, bool) { return rs.values[i], rs.has[i] }

// Err returns the error that stopped the iteration, if any.
func (rs *Rows) Err() error { return rs.err }

func (rs *Rows) nextMerged() bool {
	t, any := int64(math.MaxInt64), false
	for _, c := range rs.cursors {
		ok, err := c.ensure()
		if err != nil {
			rs.err = err
			return false
		}
		if ok && (!any || c.time() < t) {
			t, any = c.time(), true
		}
	}
	if !any {
		return false
	}
	rs.time = t
	for i, c := range rs.cursors {
		rs.has[i], rs.values[i] = false, nil
		if c.valid() && c.time() == t {
			rs.values[i], rs.has[i] = c.page.Values.Value(c.idx), true
			rs.chunkOffsets[i] = c.pageOff
			if c.page.offsets != nil {
				rs.chunkOffsets[i] = c.page.offsets[c.idx]
			}
			c.idx++
		}
	}
	return true
}

// seriesCursor walks one non-aligned series value by value.
type seriesCursor struct {
	r       *Reader
	ts      *TimeseriesMetadata
	runs    [][]ChunkMetadata // runs of chunks still to read (see chunkRuns)
	pages   []Page
	pageOff int64 // offset of the chunk pages come from
	page    *Page
	idx     int
	last    int64
	begun   bool
}

func (c *seriesCursor) valid() bool { return c.page != nil && c.idx < len(c.page.Times) }
func (c *seriesCursor) time() int64 { return c.page.Times[c.idx] }

// ensure positions the cursor on a value, loading chunks as needed; false at the end.
func (c *seriesCursor) ensure() (bool, error) {
	for !c.valid() {
		if len(c.pages) > 0 {
			c.page, c.pages, c.idx = &c.pages[0], c.pages[1:], 0
			if err := c.checkOrder(); err != nil {
				return false, err
			}
			continue
		}
		if len(c.runs) == 0 {
			c.page = nil
			return false, nil
		}
		run := c.runs[0]
		c.runs = c.runs[1:]
		if len(run) > 1 {
			merged, err := mergeSeriesChunks(c.r, c.ts, run)
			if err != nil {
				return false, err
			}
			c.pages, c.page = []Page{merged}, nil
			continue
		}
		ch, err := c.r.readSeriesChunk(c.ts, run[0])
		if err != nil {
			return false, err
		}
		c.pages, c.page, c.pageOff = ch.Pages, nil, ch.Offset
	}
	return true, nil
}

// checkOrder rejects a page whose times do not increase.
func (c *seriesCursor) checkOrder() error {
	for i, t := range c.page.Times {
		if c.begun && t <= c.last {
			return &CorruptError{Offset: c.page.Offset, What: fmt.Sprintf("series %q: time %d at row %d does not follow %d", c.ts.Measurement, t, i, c.last)}
		}
		c.last, c.begun = t, true
	}
	if c.page.Values.Len() != len(c.page.Times) {
		return &CorruptError{Offset: c.page.Offset, What: fmt.Sprintf("series %q: %d times and %d values", c.ts.Measurement, len(c.page.Times), c.page.Values.Len())}
	}
	return nil
}

// alignedColumn is one value column of the current aligned page.
type alignedColumn struct {
	chunkOffset int64
	pages       []Page
	page        *Page
	next        int // index of the next present value
}

func (rs *Rows) nextAligned() bool {
	for rs.row >= len(rs.times) {
		if !rs.loadAlignedPage() {
			return false
		}
	}
	rs.time = rs.times[rs.row]
	for i := range rs.cols {
		col := &rs.cols[i]
		rs.has[i], rs.values[i] = false, nil
		if col.page != nil && col.page.Present != nil && col.page.Present[rs.row] {
			rs.values[i], rs.has[i] = col.page.Values.Value(col.next), true
			rs.chunkOffsets[i] = col.chunkOffset
			if col.page.offsets != nil {
				rs.chunkOffsets[i] = col.page.offsets[col.next]
			}
			col.next++
		}
	}
	rs.row++
	return true
}

// loadAlignedPage moves to the next page of the time column (and of every value column),
// reading the next chunk group's chunks when the current ones are used up.
func (rs *Rows) loadAlignedPage() bool {
	for len(rs.alignedTimePages) == 0 {
		if len(rs.timeRuns) == 0 {
			return false
		}
		if err := rs.loadAlignedChunks(); err != nil {
			rs.err = err
			return false
		}
	}
	tp := rs.alignedTimePages[0]
	rs.alignedTimePages = rs.alignedTimePages[1:]
	if len(rs.times) > 0 && len(tp.Times) > 0 && tp.Times[0] <= rs.times[len(rs.times)-1] {
		rs.err = &CorruptError{Offset: tp.Offset, What: fmt.Sprintf("aligned time %d does not follow %d", tp.Times[0], rs.times[len(rs.times)-1])}
		return false
	}
	for i := 1; i < len(tp.Times); i++ {
		if tp.Times[i] <= tp.Times[i-1] {
			rs.err = &CorruptError{Offset: tp.Offset, What: fmt.Sprintf("aligned time %d at row %d does not follow %d", tp.Times[i], i, tp.Times[i-1])}
			return false
		}
	}
	rs.times, rs.row = tp.Times, 0
	for i := range rs.cols {
		col := &rs.cols[i]
		col.page, col.next = nil, 0
		if len(col.pages) == 0 {
			continue
		}
		p := &col.pages[0]
		col.pages = col.pages[1:]
		if p.Present == nil && p.Values.Len() == 0 {
			continue // empty page: every row null
		}
		if len(p.Present) != len(tp.Times) {
			rs.err = &CorruptError{Offset: p.Offset, What: fmt.Sprintf("value page of %q covers %d rows, its time page %d", rs.series[i].Measurement, len(p.Present), len(tp.Times))}
			return false
		}
		col.page = p
	}
	return true
}

// loadAlignedChunks reads the next chunk group of the device (a time chunk and the value
// chunks that follow it), or, when the time ranges of several chunk groups overlap (as in
// the unsequence files IoTDB writes), all of them merged into one page.
func (rs *Rows) loadAlignedChunks() error {
	if rs.cols == nil {
		rs.cols = make([]alignedColumn, len(rs.series))
	}
	run := rs.timeRuns[0]
	rs.timeRuns = rs.timeRuns[1:]
	var groups []alignedGroup
	for _, tcm := range run {
		g, err := rs.readAlignedGroup(tcm)
		if err != nil {
			return err
		}
		groups = append(groups, g)
	}
	if len(groups) > 1 {
		groups = []alignedGroup{mergeAlignedGroups(groups, rs.series)}
	}
	g := groups[0]
	rs.alignedTimePages = g.timePages
	for i := range rs.cols {
		rs.cols[i] = alignedColumn{pages: g.colPages[i], chunkOffset: g.colOffsets[i]}
	}
	return nil
}

// alignedGroup is the decoded chunks of one chunk group of an aligned device; a value
// column without a chunk in the group has no pages (all null).
type alignedGroup struct {
	timePages  []Page
	colPages   [][]Page
	colOffsets []int64
}

// readAlignedGroup reads a time chunk and the value chunks of its chunk group: those of each
// value series that lie between this time chunk and the next one in the file.
func (rs *Rows) readAlignedGroup(tcm ChunkMetadata) (alignedGroup, error) {
	limit := rs.r.metaOffset
	chunks := rs.timeSeries.Chunks
	if k := sort.Search(len(chunks), func(k int) bool { return chunks[k].Offset > tcm.Offset }); k < len(chunks) {
		limit = chunks[k].Offset
	}
	g := alignedGroup{colPages: make([][]Page, len(rs.series)), colOffsets: make([]int64, len(rs.series))}
	tc, err := rs.r.ReadChunk(tcm)
	if err != nil {
		return g, err
	}
	if tc.Type != Vector {
		return g, &CorruptError{Offset: tc.Offset, What: fmt.Sprintf("time column chunk has type %v", tc.Type)}
	}
	g.timePages = tc.Pages
	for i, ts := range rs.series {
		j := sort.Search(len(ts.Chunks), func(k int) bool { return ts.Chunks[k].Offset > tcm.Offset })
		if j == len(ts.Chunks) || ts.Chunks[j].Offset >= limit {
			continue // no chunk in this group: all null
		}
		vc, err := rs.r.readSeriesChunk(ts, ts.Chunks[j])
		if err != nil {
			return g, err
		}
		if len(vc.Pages) == 0 {
			// IoTDB writes a column that is null in the whole chunk group as a chunk header
			// without pages.
			continue
		}
		if len(vc.Pages) != len(tc.Pages) {
			return g, &CorruptError{Offset: vc.Offset, What: fmt.Sprintf("value chunk of %q has %d pages, its time chunk %d", ts.Measurement, len(vc.Pages), len(tc.Pages))}
		}
		g.colPages[i], g.colOffsets[i] = vc.Pages, vc.Offset
	}
	return g, nil
}
