package query

import (
	"context"
	"math"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// aggFunc is a built-in aggregation.
type aggFunc uint8

const (
	aggCount aggFunc = iota
	aggSum
	aggAvg
	aggMinValue
	aggMaxValue
	aggFirstValue
	aggLastValue
	aggMinTime
	aggMaxTime
	aggExtreme
	aggStddevSamp
	aggStddevPop
	aggVarSamp
	aggVarPop
	aggMode
	aggTimeDuration
	aggMaxBy
	aggMinBy
	aggCountIf
)

// aggFuncs maps the lower-case SQL names to the aggregations.
var aggFuncs = map[string]aggFunc{
	"count":         aggCount,
	"sum":           aggSum,
	"avg":           aggAvg,
	"min_value":     aggMinValue,
	"max_value":     aggMaxValue,
	"first_value":   aggFirstValue,
	"last_value":    aggLastValue,
	"min_time":      aggMinTime,
	"max_time":      aggMaxTime,
	"extreme":       aggExtreme,
	"stddev":        aggStddevSamp,
	"stddev_samp":   aggStddevSamp,
	"stddev_pop":    aggStddevPop,
	"variance":      aggVarSamp,
	"var_samp":      aggVarSamp,
	"var_pop":       aggVarPop,
	"mode":          aggMode,
	"time_duration": aggTimeDuration,
	"max_by":        aggMaxBy,
	"min_by":        aggMinBy,
	"count_if":      aggCountIf,
}

// resultType is the type of f over a series of type in, as IoTDB types it.
func (f aggFunc) resultType(in model.DataType) model.DataType {
	switch f {
	case aggCount, aggMinTime, aggMaxTime, aggTimeDuration, aggCountIf:
		return model.Int64
	case aggSum, aggAvg, aggStddevSamp, aggStddevPop, aggVarSamp, aggVarPop:
		return model.Double
	}
	return in
}

// keepsType reports whether f's result has its input's type.
func (f aggFunc) keepsType() bool {
	switch f {
	case aggMinValue, aggMaxValue, aggFirstValue, aggLastValue, aggExtreme, aggMode, aggMaxBy, aggMinBy:
		return true
	}
	return false
}

// isBy reports whether f is MAX_BY or MIN_BY, an aggregation of two
// series: x at the time y is largest (smallest).
func (f aggFunc) isBy() bool { return f == aggMaxBy || f == aggMinBy }

// needsPoints reports whether f needs every point: chunk statistics do not
// answer it.
func (f aggFunc) needsPoints() bool {
	switch f {
	case aggStddevSamp, aggStddevPop, aggVarSamp, aggVarPop, aggMode, aggMaxBy, aggMinBy, aggCountIf:
		return true
	}
	return false
}

// checkAggType refuses what IoTDB refuses: SUM, AVG and EXTREME of
// non-numeric series, MIN_VALUE and MAX_VALUE of BOOLEAN and TEXT.
func checkAggType(name string, f aggFunc, s model.Series) error {
	numeric := s.Type == model.Int32 || s.Type == model.Int64 || s.Type == model.Float || s.Type == model.Double
	switch f {
	case aggSum, aggAvg, aggExtreme, aggStddevSamp, aggStddevPop, aggVarSamp, aggVarPop, aggMaxBy, aggMinBy:
		if !numeric {
			return status.Errorf(status.SemanticError,
				"Aggregate functions [%s] only support numeric data types [INT32, INT64, FLOAT, DOUBLE]: %s is %s",
				strings.ToUpper(name), s.Path, s.Type)
		}
	case aggMinValue, aggMaxValue:
		if !numeric {
			return status.Errorf(status.SemanticError,
				"Aggregate functions [%s] only support data types [INT32, INT64, FLOAT, DOUBLE]: %s is %s",
				strings.ToUpper(name), s.Path, s.Type)
		}
	}
	return nil
}

// accumulator folds the points of one series, or the statistics of ranges
// of it, into what every aggregation needs.
type accumulator struct {
	count         int64
	sum           float64
	min, max      value
	firstT, lastT int64
	first, last   value
	// mean and m2 are Welford's running mean and sum of squared deviations
	// of the numeric points added one by one (not merged from statistics).
	mean, m2 float64
	// modes counts each value, when some MODE reads this series.
	modes map[value]modeCount
	// by, byX and byT are what MAX_BY or MIN_BY found so far: the y value
	// and the x value at its (earliest) time; bySet once y had a value.
	by, byX value
	byT     int64
	bySet   bool
	// run and runs are COUNT_IF's current run of rows and the runs that
	// qualified so far.
	run, runs int64
}

// addBy folds one row of MAX_BY (max) or MIN_BY: x and y at time t.
func (a *accumulator) addBy(max bool, t int64, x, y value) {
	if y.k == kNull {
		return
	}
	c := 0
	if a.bySet {
		c = compareValues(y, a.by)
	}
	if !a.bySet || max && c > 0 || !max && c < 0 || c == 0 && t < a.byT {
		a.by, a.byX, a.byT, a.bySet = y, x, t, true
	}
}

// modeCount is how often a value occurs and when first.
type modeCount struct {
	n     int64
	first int64
}

// add folds one point.
func (a *accumulator) add(t int64, v value) {
	a.count++
	if v.k == kInt || v.k == kFloat {
		x := v.num()
		a.sum += x
		d := x - a.mean
		a.mean += d / float64(a.count)
		a.m2 += d * (x - a.mean)
	}
	if a.modes != nil {
		m, ok := a.modes[v]
		if !ok || t < m.first {
			m.first = t
		}
		m.n++
		a.modes[v] = m
	}
	if a.count == 1 {
		a.min, a.max, a.first, a.last, a.firstT, a.lastT = v, v, v, v, t, t
		return
	}
	if t < a.firstT {
		a.first, a.firstT = v, t
	}
	if t >= a.lastT {
		a.last, a.lastT = v, t
	}
	if v.k == kInt || v.k == kFloat {
		if numLess(v, a.min) {
			a.min = v
		}
		if numLess(a.max, v) {
			a.max = v
		}
	}
}

// merge folds the statistics of a range.
func (a *accumulator) merge(s Stats) {
	if s.Count == 0 {
		return
	}
	mn, mx := goValue(s.Min), goValue(s.Max)
	first, last := goValue(s.First), goValue(s.Last)
	if a.count == 0 {
		*a = accumulator{count: s.Count, sum: s.Sum, min: mn, max: mx,
			firstT: s.FirstTime, lastT: s.LastTime, first: first, last: last}
		return
	}
	a.count += s.Count
	a.sum += s.Sum
	if s.FirstTime < a.firstT {
		a.first, a.firstT = first, s.FirstTime
	}
	if s.LastTime >= a.lastT {
		a.last, a.lastT = last, s.LastTime
	}
	if mn.k != kNull && (a.min.k == kNull || numLess(mn, a.min)) {
		a.min = mn
	}
	if mx.k != kNull && (a.max.k == kNull || numLess(a.max, mx)) {
		a.max = mx
	}
}

// mergeAcc folds another accumulator of a series in: GROUP BY LEVEL merges
// the series of a group, so AVG divides the group's sum by its count and
// the variances combine the parts' moments (Chan et al.).
func (a *accumulator) mergeAcc(b *accumulator) {
	if b.modes != nil {
		if a.modes == nil {
			a.modes = make(map[value]modeCount, len(b.modes))
		}
		for v, m := range b.modes {
			cur, ok := a.modes[v]
			if !ok || m.first < cur.first {
				cur.first = m.first
			}
			cur.n += m.n
			a.modes[v] = cur
		}
	}
	if b.count == 0 {
		return
	}
	if a.count == 0 {
		modes := a.modes
		*a = *b
		a.modes = modes
		return
	}
	n := float64(a.count + b.count)
	d := b.mean - a.mean
	a.mean += d * float64(b.count) / n
	a.m2 += b.m2 + d*d*float64(a.count)*float64(b.count)/n
	a.count += b.count
	a.sum += b.sum
	if b.firstT < a.firstT {
		a.first, a.firstT = b.first, b.firstT
	}
	if b.lastT > a.lastT {
		a.last, a.lastT = b.last, b.lastT
	}
	if b.min.k != kNull && (a.min.k == kNull || numLess(b.min, a.min)) {
		a.min = b.min
	}
	if b.max.k != kNull && (a.max.k == kNull || numLess(a.max, b.max)) {
		a.max = b.max
	}
}

// numLess is a < b as Java compares numbers: false when either is NaN, so
// that MIN_VALUE and MAX_VALUE keep a NaN only when it comes first.
func numLess(a, b value) bool {
	if a.k == kFloat && math.IsNaN(a.f) || b.k == kFloat && math.IsNaN(b.f) {
		return false
	}
	return compareValues(a, b) < 0
}

// mode is the most frequent value, the earliest first on a tie.
func (a *accumulator) mode() value {
	best, bm := nullValue, modeCount{}
	for v, m := range a.modes {
		if best.k == kNull || m.n > bm.n || m.n == bm.n && m.first < bm.first {
			best, bm = v, m
		}
	}
	return best
}

// result is f over what was folded; null when nothing was, except COUNT.
func (a *accumulator) result(f aggFunc) value {
	if f == aggCount {
		return value{k: kInt, i: a.count}
	}
	if a.count == 0 {
		return nullValue
	}
	switch f {
	case aggSum:
		return value{k: kFloat, f: a.sum}
	case aggAvg:
		return value{k: kFloat, f: a.sum / float64(a.count)}
	case aggMinValue:
		return a.min
	case aggMaxValue:
		return a.max
	case aggFirstValue:
		return a.first
	case aggLastValue:
		return a.last
	case aggMinTime:
		return value{k: kInt, i: a.firstT}
	case aggMaxTime:
		return value{k: kInt, i: a.lastT}
	case aggExtreme:
		if absGreater(a.min, a.max) {
			return a.min
		}
		return a.max
	case aggTimeDuration:
		return value{k: kInt, i: a.lastT - a.firstT}
	case aggMode:
		return a.mode()
	case aggVarPop:
		return value{k: kFloat, f: a.m2 / float64(a.count)}
	case aggStddevPop:
		return value{k: kFloat, f: math.Sqrt(a.m2 / float64(a.count))}
	case aggVarSamp, aggStddevSamp:
		if a.count < 2 {
			return nullValue
		}
		v := a.m2 / float64(a.count-1)
		if f == aggStddevSamp {
			v = math.Sqrt(v)
		}
		return value{k: kFloat, f: v}
	}
	panic("BUG: unknown aggregation")
}

// aggItem is one result column of an aggregation.
type aggItem struct {
	fn aggFunc
	// ins are the aggregated input series: none when no series backs the
	// column, several for a GROUP BY LEVEL group, whose parts merge.
	ins []int
	// by is the item's index in aggPlan.bys for MAX_BY and MIN_BY, -1 for
	// other aggregations; cond likewise in aggPlan.conds for COUNT_IF.
	by, cond int
}

// byItem is a MAX_BY or MIN_BY column: input columns of x (-1: the time)
// and y.
type byItem struct {
	x, y int
	max  bool
}

// aggPlan aggregates a set of series under one WHERE condition.
type aggPlan struct {
	series []model.Series // inputs: the aggregated ones first, then those only the filter reads
	nAgg   int
	items  []aggItem
	types  []model.DataType
	filter node    // per-row condition; nil when times alone decides
	times  timeSet // holds every time the condition admits
	// useStats is set when the condition is on time alone, so that
	// statistics over the intervals of times answer exactly.
	useStats bool
	wantMode []bool // per aggregated series: some MODE reads it
	bys      []byItem
	conds    []condItem
}

// stride is how many accumulators a window has: one per aggregated series,
// then one per MAX_BY or MIN_BY column, then one per COUNT_IF column.
func (p *aggPlan) stride() int { return p.nAgg + len(p.bys) + len(p.conds) }

// newAccs returns accumulators for n windows.
func (p *aggPlan) newAccs(n int64) []accumulator {
	stride := p.stride()
	accs := make([]accumulator, n*int64(stride))
	for i := range accs {
		if j := i % stride; j < p.nAgg && p.wantMode[j] {
			accs[i].modes = map[value]modeCount{}
		}
	}
	return accs
}

// fold adds row r to the accumulators of one window.
func (p *aggPlan) fold(accs []accumulator, r *rowCtx) {
	for j := 0; j < p.nAgg; j++ {
		if v := colValue(&r.cols[j], r.i); v.k != kNull {
			accs[j].add(r.t, v)
		}
	}
	for k, b := range p.bys {
		x := value{k: kInt, i: r.t}
		if b.x >= 0 {
			x = colValue(&r.cols[b.x], r.i)
		}
		accs[p.nAgg+k].addBy(b.max, r.t, x, colValue(&r.cols[b.y], r.i))
	}
	for k := range p.conds {
		accs[p.nAgg+len(p.bys)+k].addCond(&p.conds[k], r)
	}
}

// accumulate folds the aggregated series' points at times in set (a subset
// of p.times) into accs, one per aggregated series.
func (p *aggPlan) accumulate(ctx context.Context, st Store, set timeSet, accs []accumulator) error {
	if p.useStats {
		for i := 0; i < p.nAgg; i++ {
			for _, iv := range set {
				s, err := st.Stats(ctx, p.series[i], iv.lo, iv.hi)
				if err != nil {
					return err
				}
				accs[i].merge(s)
			}
		}
		return nil
	}
	lo, hi, ok := set.hull()
	if !ok {
		return nil
	}
	src := newMergeSource(st, p.series, lo, hi)
	defer src.close()
	return scanRows(ctx, src, p.filter, func(r *rowCtx) { p.fold(accs, r) })
}

// scanRows calls fn on every row of src that satisfies filter.
func scanRows(ctx context.Context, src rowSource, filter node, fn func(r *rowCtx)) error {
	var rc rowCtx
	for {
		b, err := src.next(ctx, scanChunk)
		if err != nil || b == nil {
			return err
		}
		rc.cols = b.Columns
		for i, t := range b.Times {
			rc.t, rc.i = t, i
			if filter != nil && !filter.eval(&rc).isTrue() {
				if rc.err != nil {
					return rc.err
				}
				continue
			}
			fn(&rc)
		}
	}
}

// appendAggRow appends one row of results to cols.
func (p *aggPlan) appendAggRow(cols []model.Column, accs []accumulator) {
	for j, it := range p.items {
		if it.cond >= 0 {
			appendValue(&cols[j], accs[p.nAgg+len(p.bys)+it.cond].condResult(&p.conds[it.cond]))
			continue
		}
		if it.by >= 0 {
			v := nullValue
			if a := &accs[p.nAgg+it.by]; a.bySet {
				v = a.byX
			}
			appendValue(&cols[j], v)
			continue
		}
		var a *accumulator
		switch len(it.ins) {
		case 0:
			a = &accumulator{}
		case 1:
			a = &accs[it.ins[0]]
		default:
			a = &accumulator{}
			for _, in := range it.ins {
				a.mergeAcc(&accs[in])
			}
		}
		appendValue(&cols[j], a.result(it.fn))
	}
}

// aggColumns expands the aggregation items: count(s1) over two devices gives
// two columns, or, under GROUP BY LEVEL, one column per group.
func (x *executor) aggColumns() ([]column, []aggFunc, error) {
	var cols []column
	var fns []aggFunc
	for _, it := range x.sel.Items {
		call := it.Expr.(*ast.Call) // classify checked the shape
		named, err := x.aggItemColumns(it, call)
		if err != nil {
			return nil, nil, err
		}
		for range named {
			fns = append(fns, aggFuncs[call.Name])
		}
		cols = append(cols, named...)
	}
	cols, fns = x.slimitAgg(cols, fns)
	return cols, fns, nil
}

// aggItemColumns expands one aggregation call.
func (x *executor) aggItemColumns(it ast.SelectItem, call *ast.Call) ([]column, error) {
	fn := aggFuncs[call.Name]
	if fn.isBy() {
		return x.byColumns(it, call, fn)
	}
	if fn == aggCountIf {
		return x.countIfColumns(it, call)
	}
	ss, err := x.res.seriesUnder(call.Args[0].(*ast.PathExpr).Path, x.sel.From)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		if err := checkAggType(call.Name, fn, s); err != nil {
			return nil, err
		}
	}
	if x.sel.Levels == nil {
		exprs := make([]ast.Expr, len(ss))
		for i, s := range ss {
			exprs[i] = &ast.Call{Name: call.Name, Args: []ast.Expr{&ast.PathExpr{Path: s.Path}}}
		}
		return nameColumns(it, exprs, exprString)
	}
	groups, err := levelGroups(call.Name, fn, ss, x.sel.Levels)
	if err != nil {
		return nil, err
	}
	exprs := make([]ast.Expr, len(groups))
	for i, g := range groups {
		exprs[i] = &ast.Call{Name: call.Name, Args: []ast.Expr{&ast.PathExpr{Path: g.path}}}
	}
	cols, err := nameColumns(it, exprs, exprString)
	for i := range cols {
		cols[i].members = groups[i].members
	}
	return cols, err
}

// slimitAgg applies SOFFSET and SLIMIT to aggregation columns.
func (x *executor) slimitAgg(cols []column, fns []aggFunc) ([]column, []aggFunc) {
	from := min(int64(len(cols)), x.sel.SOffset)
	to := int64(len(cols))
	if x.sel.SLimit >= 0 {
		to = min(to, from+x.sel.SLimit)
	}
	return cols[from:to], fns[from:to]
}

// newAggPlan binds aggregation columns (expressions fn(path)) and the WHERE
// condition to inputs.
func (x *executor) newAggPlan(in *inputs, cols []column, fns []aggFunc, paths func(model.Path) ([]model.Path, error)) (*aggPlan, error) {
	p := &aggPlan{items: make([]aggItem, len(cols)), types: make([]model.DataType, len(cols)), times: x.times}
	var byCols []int
	for i, c := range cols {
		p.items[i] = aggItem{fn: fns[i], by: -1, cond: -1}
		if fns[i].isBy() {
			byCols = append(byCols, i)
			continue
		}
		if fns[i] == aggCountIf {
			ci, err := x.bindCountIf(in, c.expr.(*ast.Call))
			if err != nil {
				return nil, err
			}
			p.items[i].cond = len(p.conds)
			p.types[i] = model.Int64
			p.conds = append(p.conds, ci)
			continue
		}
		members := c.members
		if members == nil {
			members = []model.Path{c.expr.(*ast.Call).Args[0].(*ast.PathExpr).Path}
		}
		for _, m := range members {
			if idx, t, ok := in.bind(m); ok {
				p.items[i].ins = append(p.items[i].ins, idx)
				p.types[i] = fns[i].resultType(t)
			}
		}
	}
	for _, i := range byCols {
		args := cols[i].expr.(*ast.Call).Args
		y, _, yok := in.bind(args[1].(*ast.PathExpr).Path)
		b := byItem{x: -1, y: y, max: fns[i] == aggMaxBy}
		p.types[i] = model.Int64
		xok := true
		if xp, ok := args[0].(*ast.PathExpr); ok {
			var t model.DataType
			b.x, t, xok = in.bind(xp.Path)
			p.types[i] = t
		}
		if xok && yok {
			p.items[i].by = len(p.bys)
			p.bys = append(p.bys, b)
		}
	}
	p.nAgg = len(in.series)
	p.wantMode = make([]bool, p.nAgg)
	needsPoints := false
	for _, it := range p.items {
		needsPoints = needsPoints || it.fn.needsPoints()
		for _, in := range it.ins {
			p.wantMode[in] = p.wantMode[in] || it.fn == aggMode
		}
	}
	filter, err := x.filterNode(&compiler{bind: in.bind, opts: x.opts}, paths)
	if err != nil {
		return nil, err
	}
	p.filter = filter
	p.useStats = x.timeOnly && !needsPoints
	p.series = in.series
	return p, x.checkSeriesCount(len(p.series))
}

// aggregate plans an aggregation without GROUP BY: one row, no time column.
func (x *executor) aggregate() (*model.Result, error) {
	cols, fns, err := x.aggColumns()
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return emptyResult(), nil
	}
	paths, members := x.havingPaths()
	h, cols, fns, err := x.planHaving(cols, fns, paths, members)
	if err != nil {
		return nil, err
	}
	p, err := x.newAggPlan(newInputs(x.res.lookupKnown), cols, fns, x.res.fullPaths(x.sel.From))
	if err != nil {
		return nil, err
	}
	cols, types, rows, err := x.withHaving(h, cols, p.types, &aggRows{st: x.st, plan: p})
	if err != nil {
		return nil, err
	}
	return &model.Result{Columns: names(cols), Types: types, Rows: rows}, nil
}

// havingPaths expands the paths of a HAVING condition as the select list's
// are expanded: to series, or under GROUP BY LEVEL to groups, whose members
// the second function returns.
func (x *executor) havingPaths() (func(model.Path) ([]model.Path, error), func(model.Path) []model.Path) {
	if x.sel.Levels == nil {
		return x.res.fullPaths(x.sel.From), nil
	}
	groups := map[string][]model.Path{}
	expand := func(p model.Path) ([]model.Path, error) {
		ss, err := x.res.seriesUnder(p, x.sel.From)
		if err != nil {
			return nil, err
		}
		gs, err := levelGroups("", aggCount, ss, x.sel.Levels)
		if err != nil {
			return nil, err
		}
		out := make([]model.Path, len(gs))
		for i, g := range gs {
			groups[g.path.String()] = g.members
			out[i] = g.path
		}
		return out, nil
	}
	return expand, func(p model.Path) []model.Path { return groups[p.String()] }
}

// withHaving filters an aggregation's rows by h (when not nil) and drops its
// hidden columns.
func (x *executor) withHaving(h *having, cols []column, types []model.DataType, rows model.RowIterator) ([]column, []model.DataType, model.RowIterator, error) {
	if h == nil {
		return cols, types, rows, nil
	}
	rows, err := h.wrap(rows, types, x.opts)
	if err != nil {
		return nil, nil, nil, err
	}
	return cols[:h.nVisible], types[:h.nVisible], rows, nil
}

// aggRows computes the single row of an aggregation when first asked.
type aggRows struct {
	st   Store
	plan *aggPlan
	done bool
}

func (a *aggRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	if a.done || max <= 0 {
		return nil, nil
	}
	a.done = true
	accs := a.plan.newAccs(1)
	if err := a.plan.accumulate(ctx, a.st, a.plan.times, accs); err != nil {
		return nil, err
	}
	cols := newColumns(a.plan.types, 1)
	a.plan.appendAggRow(cols, accs)
	return &model.Batch{Columns: cols}, nil
}

func (a *aggRows) Close() error {
	a.done = true
	return nil
}

// byColumns expands MAX_BY(x, y) and MIN_BY(x, y): one column per
// combination of the series x and y name, x varying slowest, as IoTDB
// expands expressions of several paths.
func (x *executor) byColumns(it ast.SelectItem, call *ast.Call, fn aggFunc) ([]column, error) {
	if x.sel.Levels != nil {
		return nil, status.Errorf(status.SemanticError, "%s is not supported with GROUP BY LEVEL", strings.ToUpper(call.Name))
	}
	ys, err := x.res.seriesUnder(call.Args[1].(*ast.PathExpr).Path, x.sel.From)
	if err != nil {
		return nil, err
	}
	for _, y := range ys {
		if err := checkAggType(call.Name, fn, y); err != nil {
			return nil, err
		}
	}
	xs := []ast.Expr{call.Args[0]}
	if xp, ok := call.Args[0].(*ast.PathExpr); ok {
		ss, err := x.res.seriesUnder(xp.Path, x.sel.From)
		if err != nil {
			return nil, err
		}
		xs = xs[:0]
		for _, s := range ss {
			xs = append(xs, &ast.PathExpr{Path: s.Path})
		}
	}
	var exprs []ast.Expr
	for _, xe := range xs {
		for _, y := range ys {
			exprs = append(exprs, &ast.Call{Name: call.Name, Args: []ast.Expr{xe, &ast.PathExpr{Path: y.Path}}})
		}
	}
	return nameColumns(it, exprs, exprString)
}
