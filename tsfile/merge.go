package tsfile

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Within one file a series' chunks normally follow each other in time. In the unsequence
// files IoTDB writes (data arriving out of order), chunks of later flushes may overlap earlier
// ones; the later chunk holds the newer value of a time written twice. Overlapping chunks are
// read together and merged into one page, so memory grows with how many overlap.

// maxOverlap bounds the chunks merged at once.
const maxOverlap = 4096

// chunkRuns orders a series' chunks by time and groups those whose time ranges overlap (by
// their statistics): each run is read on its own, a run of several merged. Within a run the
// chunks stay in file order, later ones holding the newer values. IoTDB's unsequence files
// can hold chunks of a series out of time order as well as overlapping.
func chunkRuns(chunks []ChunkMetadata) [][]ChunkMetadata {
	byTime := slices.Clone(chunks)
	sort.SliceStable(byTime, func(a, b int) bool { return startTime(byTime[a]) < startTime(byTime[b]) })
	var runs [][]ChunkMetadata
	for i := 0; i < len(byTime); {
		j := i + 1
		if byTime[i].Stats != nil {
			maxEnd := byTime[i].Stats.EndTime
			for j < len(byTime) && j-i < maxOverlap && byTime[j].Stats != nil && byTime[j].Stats.StartTime <= maxEnd {
				maxEnd = max(maxEnd, byTime[j].Stats.EndTime)
				j++
			}
		}
		run := byTime[i:j]
		sort.SliceStable(run, func(a, b int) bool { return run[a].Offset < run[b].Offset })
		runs = append(runs, run)
		i = j
	}
	return runs
}

// startTime orders chunks without statistics by their place in the file.
func startTime(cm ChunkMetadata) int64 {
	if cm.Stats == nil {
		return math.MinInt64
	}
	return cm.Stats.StartTime
}

// readSeriesChunk reads a chunk and checks it is the one ts's metadata describes.
func (r *Reader) readSeriesChunk(ts *TimeseriesMetadata, cm ChunkMetadata) (*Chunk, error) {
	ch, err := r.ReadChunk(cm)
	if err != nil {
		return nil, err
	}
	if ch.Measurement != ts.Measurement || ch.Type != ts.Type {
		return nil, &CorruptError{Offset: ch.Offset, What: fmt.Sprintf("chunk of %q (%v) where metadata of %q (%v) points", ch.Measurement, ch.Type, ts.Measurement, ts.Type)}
	}
	return ch, nil
}

// mergeSeriesChunks reads overlapping chunks of a non-aligned series and returns their values
// as one page in time order, the latest chunk's value where a time repeats. The page's
// offsets give each value's chunk.
func mergeSeriesChunks(r *Reader, ts *TimeseriesMetadata, chunks []ChunkMetadata) (Page, error) {
	type point struct {
		t    int64
		page *Page
		idx  int
		off  int64
	}
	var points []point
	for _, cm := range chunks {
		ch, err := r.readSeriesChunk(ts, cm)
		if err != nil {
			return Page{}, err
		}
		for p := range ch.Pages {
			page := &ch.Pages[p]
			if page.Values.Len() != len(page.Times) {
				return Page{}, &CorruptError{Offset: page.Offset, What: fmt.Sprintf("series %q: %d times and %d values", ts.Measurement, len(page.Times), page.Values.Len())}
			}
			for i, t := range page.Times {
				points = append(points, point{t, page, i, ch.Offset})
			}
		}
	}
	sort.SliceStable(points, func(a, b int) bool { return points[a].t < points[b].t })
	merged := Page{Offset: chunks[0].Offset, Values: Column{Type: ts.Type}}
	for i, p := range points {
		if i+1 < len(points) && points[i+1].t == p.t {
			continue // a later chunk has this time
		}
		merged.Times = append(merged.Times, p.t)
		merged.Values.appendFrom(&p.page.Values, p.idx)
		merged.offsets = append(merged.offsets, p.off)
	}
	merged.Rows = len(merged.Times)
	return merged, nil
}

// mergeAlignedGroups merges chunk groups of an aligned device whose times overlap into one
// group of one page: rows in time order, and where a time repeats each column takes its value
// from the latest group that has one.
func mergeAlignedGroups(groups []alignedGroup, series []*TimeseriesMetadata) alignedGroup {
	type row struct {
		t    int64
		vals []any // nil: null
		offs []int64
	}
	var rows []row
	for _, g := range groups {
		next := make([]int, len(series)) // next present value per column, in the current page
		for p, tp := range g.timePages {
			for i := range next {
				next[i] = 0
			}
			for r, t := range tp.Times {
				rw := row{t: t, vals: make([]any, len(series)), offs: make([]int64, len(series))}
				for c := range series {
					if p >= len(g.colPages[c]) {
						continue
					}
					vp := &g.colPages[c][p]
					if r < len(vp.Present) && vp.Present[r] && next[c] < vp.Values.Len() {
						rw.vals[c], rw.offs[c] = vp.Values.Value(next[c]), g.colOffsets[c]
						next[c]++
					}
				}
				rows = append(rows, rw)
			}
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].t < rows[b].t })
	var out []row
	for _, rw := range rows {
		if n := len(out); n > 0 && out[n-1].t == rw.t {
			for c, v := range rw.vals {
				if v != nil {
					out[n-1].vals[c], out[n-1].offs[c] = v, rw.offs[c]
				}
			}
			continue
		}
		out = append(out, rw)
	}
	merged := alignedGroup{colPages: make([][]Page, len(series)), colOffsets: make([]int64, len(series))}
	tp := Page{Rows: len(out)}
	cols := make([]Page, len(series))
	for c, ts := range series {
		cols[c] = Page{Values: Column{Type: ts.Type}, Present: make([]bool, len(out)), Rows: len(out)}
	}
	for r, rw := range out {
		tp.Times = append(tp.Times, rw.t)
		for c, v := range rw.vals {
			if v == nil {
				continue
			}
			cols[c].Present[r] = true
			if err := cols[c].Values.appendValue(v); err != nil {
				panic("BUG: " + err.Error()) // v came from a column of this type
			}
			cols[c].offsets = append(cols[c].offsets, rw.offs[c])
		}
	}
	merged.timePages = []Page{tp}
	for c := range series {
		merged.colPages[c] = []Page{cols[c]}
	}
	return merged
}
