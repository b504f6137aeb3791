package query

import (
	"context"
	"math"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// maxMonthWindows bounds GROUP BY windows measured in months, which are
// counted one by one.
const maxMonthWindows = 1 << 20

// windows are the time windows of GROUP BY ([start, end), interval, step):
// window k starts k steps after start and lasts one interval, cut at end.
// For the left-open form (start, end] a window holds (from, to] and is
// labelled by its right end, as IoTDB labels it.
type windows struct {
	start, end     int64
	interval, step ast.Duration
	leftOpen       bool
	base           time.Time // start in the session zone, for month arithmetic
	n              int64
}

func newWindows(g *ast.GroupByTime, opts Options) (*windows, error) {
	start, err := ResolveTime(g.Start, opts)
	if err != nil {
		return nil, err
	}
	end, err := ResolveTime(g.End, opts)
	if err != nil {
		return nil, err
	}
	w := &windows{start: start, end: end, interval: g.Interval, step: g.Step, leftOpen: g.LeftOpen,
		base: time.UnixMilli(start).In(opts.zone())}
	if w.step.IsZero() {
		w.step = w.interval
	}
	switch {
	case start >= end:
		return nil, status.Errorf(status.SemanticError, "Start time should be smaller than endTime in GroupBy")
	case w.interval.Months < 0 || w.interval.Millis < 0 || w.interval.IsZero():
		return nil, status.Errorf(status.SemanticError, "The time interval should be positive.")
	case w.step.Months < 0 || w.step.Millis < 0:
		return nil, status.Errorf(status.SemanticError, "The sliding step should be positive.")
	}
	if w.step.Months == 0 {
		span, step := uint64(end-start), uint64(w.step.Millis)
		w.n = int64((span + step - 1) / step)
		return w, nil
	}
	for w.n = 0; w.shift(w.n, ast.Duration{}) < end; w.n++ {
		if w.n >= maxMonthWindows {
			return nil, status.Errorf(status.SemanticError, "GROUP BY makes more than %d windows", maxMonthWindows)
		}
	}
	return w, nil
}

// shift returns start moved by k steps plus extra.
func (w *windows) shift(k int64, extra ast.Duration) int64 {
	months := k*w.step.Months + extra.Months
	millis := k*w.step.Millis + extra.Millis
	t := w.start
	if months != 0 {
		t = addMonths(w.base, months).UnixMilli()
	}
	return saturatingAdd(t, millis)
}

// at returns the inclusive range of times window k holds and its label.
func (w *windows) at(k int64) (lo, hi, label int64) {
	from := w.shift(k, ast.Duration{})
	to := min(w.shift(k, w.interval), w.end)
	if w.leftOpen {
		return from + 1, to, to
	}
	return from, to - 1, from
}

// addMonths moves t by m calendar months, keeping the day of the month where
// the target month has it and its last day otherwise.
func addMonths(t time.Time, m int64) time.Time {
	y, mo, d := t.Date()
	total := int64(y)*12 + int64(mo) - 1 + m
	ny, nm := total/12, total%12
	if nm < 0 {
		nm += 12
		ny--
	}
	last := time.Date(int(ny), time.Month(nm+2), 0, 0, 0, 0, 0, t.Location()).Day()
	h, mi, s := t.Clock()
	return time.Date(int(ny), time.Month(nm+1), min(d, last), h, mi, s, t.Nanosecond(), t.Location())
}

func saturatingAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// groupBy plans an aggregation with GROUP BY time.
func (x *executor) groupBy() (*model.Result, error) {
	w, err := newWindows(x.sel.GroupBy, x.opts)
	if err != nil {
		return nil, err
	}
	paths, members := x.havingPaths()
	cols, fns, err := x.aggColumns(paths)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return emptyResult(), nil
	}
	header, types, rows, err := x.planAggregation(cols, fns, paths, members,
		func(p *aggPlan) model.RowIterator { return &groupRows{st: x.st, plan: p, w: w, desc: x.sel.OrderDesc} })
	if err != nil {
		return nil, err
	}
	return &model.Result{Columns: header, Types: types, HasTime: true, Rows: rows}, nil
}

// Choosing between statistics per window and one scan: statistics answer a
// window without reading its points but cost a call per window and series,
// so they pay off for few windows or windows holding many points.
const (
	statsMaxWindows         = 16
	statsMinPointsPerWindow = 512
	// maxAccumulators bounds the windows aggregated at once.
	maxAccumulators = 1 << 16
)

// groupRows computes GROUP BY windows a batch at a time.
type groupRows struct {
	st     Store
	plan   *aggPlan
	w      *windows
	desc   bool
	chosen bool
	stats  bool
	pos    int64 // windows returned so far
}

// choose picks statistics or scanning, from the points the range holds.
func (g *groupRows) choose(ctx context.Context) error {
	g.chosen = true
	if !g.plan.useStats || g.plan.nAgg == 0 {
		return nil
	}
	if g.w.n <= statsMaxWindows {
		g.stats = true
		return nil
	}
	lo, _, _ := g.w.at(0)
	_, hi, _ := g.w.at(g.w.n - 1)
	var total int64
	for _, iv := range g.plan.times.clip(lo, hi) {
		for i := 0; i < g.plan.nAgg; i++ {
			s, err := g.st.Stats(ctx, g.plan.series[i], iv.lo, iv.hi)
			if err != nil {
				return err
			}
			total += s.Count
		}
	}
	g.stats = total/g.w.n/int64(g.plan.nAgg) >= statsMinPointsPerWindow
	return nil
}

func (g *groupRows) Next(ctx context.Context, limit int) (*model.Batch, error) {
	if g.pos >= g.w.n || limit <= 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !g.chosen {
		if err := g.choose(ctx); err != nil {
			return nil, err
		}
	}
	stride := int64(g.plan.stride())
	n := min(int64(limit), g.w.n-g.pos, int64(maxAccumulators)/(stride+1))
	n = max(n, 1)
	k0 := g.pos
	if g.desc {
		k0 = g.w.n - g.pos - n
	}
	g.pos += n
	los, his, labels := make([]int64, n), make([]int64, n), make([]int64, n)
	for j := range n {
		los[j], his[j], labels[j] = g.w.at(k0 + j)
	}
	accs := g.plan.newAccs(n)
	if g.stats {
		for j := range n {
			set := g.plan.times.clip(los[j], his[j])
			if err := g.plan.accumulate(ctx, g.st, set, accs[j*stride:(j+1)*stride]); err != nil {
				return nil, err
			}
		}
	} else if err := g.scan(ctx, los, his, accs); err != nil {
		return nil, err
	}
	out := &model.Batch{Times: make([]int64, 0, n), Columns: newColumns(g.plan.types, int(n))}
	for i := range n {
		j := i
		if g.desc {
			j = n - 1 - i
		}
		out.Times = append(out.Times, labels[j])
		g.plan.appendAggRow(out.Columns, accs[j*stride:(j+1)*stride])
	}
	return out, nil
}

// scan reads the batch's range once and folds each point into every window
// that holds it (several when windows overlap).
func (g *groupRows) scan(ctx context.Context, los, his []int64, accs []accumulator) error {
	if g.plan.nAgg == 0 {
		return nil
	}
	stride := g.plan.stride()
	hi := his[0]
	for _, h := range his {
		hi = max(hi, h)
	}
	lo, hi, ok := g.plan.times.clip(los[0], hi).hull()
	if !ok {
		return nil
	}
	src := newMergeSource(g.st, g.plan.series, lo, hi)
	defer src.close()
	first := 0 // windows before first end before the current row
	return scanRows(ctx, src, g.plan.filter, func(r *rowCtx) {
		for first < len(his) && his[first] < r.t {
			first++
		}
		for j := first; j < len(los) && los[j] <= r.t; j++ {
			if his[j] < r.t {
				continue
			}
			g.plan.fold(accs[j*stride:(j+1)*stride], r)
		}
	})
}

func (g *groupRows) Close() error {
	g.pos = g.w.n
	return nil
}
