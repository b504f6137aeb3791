package query

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/model"
)

// recorder is a Store that passes every call on and records, per series,
// that the plan matched it and what reading it cost: EXPLAIN's account of
// which series a plan reads, and EXPLAIN ANALYZE's measurements.
type recorder struct {
	st    Store
	start time.Time

	mu     sync.Mutex
	series map[string]*seriesReads
}

// seriesReads is what one series cost.
type seriesReads struct {
	s                   model.Series
	scans, stats, lasts int64
	points              int64 // returned by scans, counted by stats
	nanos               int64 // spent in the store's calls and iterators
}

func newRecorder(st Store) *recorder {
	return &recorder{st: st, start: time.Now(), series: make(map[string]*seriesReads)}
}

// clock is nanoseconds since the recorder was made (monotonic).
func (r *recorder) clock() int64 { return int64(time.Since(r.start)) }

// entry returns the record of s; the caller holds r.mu.
func (r *recorder) entry(s model.Series) *seriesReads {
	k := s.Path.String()
	e := r.series[k]
	if e == nil {
		e = &seriesReads{s: s}
		r.series[k] = e
	}
	return e
}

func (r *recorder) note(s model.Series, since int64, f func(e *seriesReads)) {
	d := r.clock() - since
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.entry(s)
	e.nanos += d
	f(e)
}

// MatchSeries implements Store.
func (r *recorder) MatchSeries(ctx context.Context, pattern model.Path) ([]model.Series, error) {
	out, err := r.st.MatchSeries(ctx, pattern)
	r.mu.Lock()
	for _, s := range out {
		r.entry(s)
	}
	r.mu.Unlock()
	return out, err
}

// Scan implements Store.
func (r *recorder) Scan(ctx context.Context, s model.Series, lo, hi int64) (SeriesIterator, error) {
	t := r.clock()
	it, err := r.st.Scan(ctx, s, lo, hi)
	r.note(s, t, func(e *seriesReads) { e.scans++ })
	if err != nil {
		return nil, err
	}
	return &recordedIterator{it: it, r: r, s: s}, nil
}

// Stats implements Store.
func (r *recorder) Stats(ctx context.Context, s model.Series, lo, hi int64) (Stats, error) {
	t := r.clock()
	out, err := r.st.Stats(ctx, s, lo, hi)
	r.note(s, t, func(e *seriesReads) { e.stats++; e.points += out.Count })
	return out, err
}

// Last implements Store.
func (r *recorder) Last(ctx context.Context, s model.Series) (int64, any, bool, error) {
	t := r.clock()
	ts, v, ok, err := r.st.Last(ctx, s)
	r.note(s, t, func(e *seriesReads) {
		e.lasts++
		if ok {
			e.points++
		}
	})
	return ts, v, ok, err
}

// recordedIterator counts the points and time of one scan.
type recordedIterator struct {
	it SeriesIterator
	r  *recorder
	s  model.Series
}

func (i *recordedIterator) Next(max int) ([]int64, model.Column, error) {
	t := i.r.clock()
	times, vals, err := i.it.Next(max)
	i.r.note(i.s, t, func(e *seriesReads) { e.points += int64(len(times)) })
	return times, vals, err
}

func (i *recordedIterator) Close() { i.it.Close() }

// regionGroup is the series of one region.
type regionGroup struct {
	region, node uint32
	located      bool
	series       []*seriesReads
}

// regionLines describes, per region, the series the plan matched there and
// the DataNode that serves them; measured adds what the reads cost, and
// verbose a line per series.
func (r *recorder) regionLines(ctx context.Context, measured, verbose bool) []string {
	r.mu.Lock()
	all := make([]*seriesReads, 0, len(r.series))
	for _, e := range r.series {
		all = append(all, e)
	}
	r.mu.Unlock()
	loc, _ := r.st.(Locator)
	groups := map[[2]uint32]*regionGroup{}
	for _, e := range all {
		var key [2]uint32
		located := false
		if loc != nil {
			if region, node, ok := loc.Locate(ctx, e.s); ok {
				key, located = [2]uint32{region, node}, true
			}
		}
		g := groups[key]
		if g == nil {
			g = &regionGroup{region: key[0], node: key[1], located: located}
			groups[key] = g
		}
		g.series = append(g.series, e)
	}
	list := make([]*regionGroup, 0, len(groups))
	for _, g := range groups {
		sort.Slice(g.series, func(i, j int) bool { return comparePaths(g.series[i].s.Path, g.series[j].s.Path) < 0 })
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].region != list[j].region {
			return list[i].region < list[j].region
		}
		return list[i].node < list[j].node
	})
	nodes := map[uint32]bool{}
	for _, g := range list {
		nodes[g.node] = true
	}
	out := []string{fmt.Sprintf("Regions: %d series in %d regions on %d DataNodes", len(all), len(list), len(nodes))}
	for _, g := range list {
		where := "this DataNode (no region map)"
		if g.located {
			where = fmt.Sprintf("DataRegion %d, leader DataNode %d", g.region, g.node)
		}
		line := fmt.Sprintf("  %s: %d series", where, len(g.series))
		if measured {
			var sum seriesReads
			for _, e := range g.series {
				sum.add(e)
			}
			line += ", " + sum.costString()
		}
		if !verbose {
			line += ": " + seriesNames(g.series)
		}
		out = append(out, line)
		if verbose {
			for _, e := range g.series {
				out = append(out, fmt.Sprintf("    %s: %s", e.s.Path, e.costString()))
			}
		}
	}
	return out
}

func (s *seriesReads) add(o *seriesReads) {
	s.scans += o.scans
	s.stats += o.stats
	s.lasts += o.lasts
	s.points += o.points
	s.nanos += o.nanos
}

func (s *seriesReads) costString() string {
	return fmt.Sprintf("%d scans, %d statistics reads, %d last reads, %d points, %s reading", s.scans, s.stats, s.lasts, s.points, millis(s.nanos))
}

func seriesNames(ss []*seriesReads) string {
	const shown = 10
	names := make([]string, 0, min(len(ss), shown))
	for i, e := range ss {
		if i == shown {
			return strings.Join(names, ", ") + fmt.Sprintf(", ... %d more", len(ss)-shown)
		}
		names = append(names, e.s.Path.String())
	}
	return strings.Join(names, ", ")
}
