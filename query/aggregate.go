package query

import (
	"context"
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
func (x *executor) aggColumns(paths func(model.Path) ([]model.Path, error)) ([]column, []aggFunc, error) {
	var cols []column
	var fns []aggFunc
	for _, it := range x.sel.Items {
		call, ok := it.Expr.(*ast.Call)
		if !ok || !isBareAgg(call) {
			named, err := derivedColumns(it, paths)
			if err != nil {
				return nil, nil, err
			}
			for range named {
				fns = append(fns, aggCount) // a placeholder: the projection computes these
			}
			cols = append(cols, named...)
			continue
		}
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
	paths, members := x.havingPaths()
	cols, fns, err := x.aggColumns(paths)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return emptyResult(), nil
	}
	header, types, rows, err := x.planAggregation(cols, fns, paths, members,
		func(p *aggPlan) model.RowIterator { return &aggRows{st: x.st, plan: p} })
	if err != nil {
		return nil, err
	}
	return &model.Result{Columns: header, Types: types, Rows: rows}, nil
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
