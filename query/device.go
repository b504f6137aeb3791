package query

import (
	"context"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// deviceSchema is what ALIGN BY DEVICE works from: the devices the select
// items reach, in path order, and each device's series by measurement.
type deviceSchema struct {
	devices []model.Path
	series  []map[string]model.Series // parallel to devices
	// measurements lists, per item path, the measurement names it reaches,
	// in order of first appearance across the sorted devices.
	measurements map[string][]string
}

// itemPaths returns the paths the select items name (aggregation arguments
// included).
func itemPaths(items []ast.SelectItem) []model.Path {
	var out []model.Path
	for _, it := range items {
		walkExpr(it.Expr, func(e ast.Expr) {
			if p, ok := e.(*ast.PathExpr); ok {
				out = append(out, p.Path)
			}
		})
	}
	return out
}

func (x *executor) deviceSchema() (*deviceSchema, error) {
	type match struct {
		path   string
		series []model.Series
	}
	var matches []match
	index := map[string]int{} // device path -> position in devices
	ds := &deviceSchema{measurements: map[string][]string{}}
	paths := itemPaths(x.sel.Items)
	walkExpr(x.sel.Having, func(e ast.Expr) {
		if p, ok := e.(*ast.PathExpr); ok {
			paths = append(paths, p.Path)
		}
	})
	for _, p := range paths {
		ss, err := x.res.seriesUnder(p, x.sel.From)
		if err != nil {
			return nil, err
		}
		matches = append(matches, match{p.String(), ss})
		for _, s := range ss {
			dev := s.Device()
			k := dev.String()
			if _, ok := index[k]; !ok {
				index[k] = len(ds.devices)
				ds.devices = append(ds.devices, dev)
			}
		}
	}
	slices.SortFunc(ds.devices, comparePaths)
	ds.series = make([]map[string]model.Series, len(ds.devices))
	for i, d := range ds.devices {
		index[d.String()] = i
		ds.series[i] = map[string]model.Series{}
	}
	for _, m := range matches {
		if _, done := ds.measurements[m.path]; done {
			continue
		}
		byDevice := make([][]string, len(ds.devices))
		for _, s := range m.series {
			i := index[s.Device().String()]
			ds.series[i][s.Measurement()] = s
			byDevice[i] = append(byDevice[i], s.Measurement())
		}
		var names []string
		seen := map[string]bool{}
		for _, ms := range byDevice {
			for _, name := range ms {
				if !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
		ds.measurements[m.path] = names
	}
	// The condition reads measurements of the same devices.
	var err error
	walkExpr(x.sel.Where, func(e ast.Expr) {
		p, ok := e.(*ast.PathExpr)
		if !ok || err != nil {
			return
		}
		if _, err = wherePaths(p.Path); err != nil {
			return
		}
		var ss []model.Series
		if ss, err = x.res.seriesUnder(p.Path, x.sel.From); err != nil {
			return
		}
		for _, s := range ss {
			if i, ok := index[s.Device().String()]; ok {
				ds.series[i][s.Measurement()] = s
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// paths expands a select path to the measurements it reaches, as
// single-node paths.
func (ds *deviceSchema) paths(p model.Path) ([]model.Path, error) {
	names := ds.measurements[p.String()]
	out := make([]model.Path, len(names))
	for i, n := range names {
		out[i] = model.Path{n}
	}
	return out, nil
}

// wherePaths expands a WHERE path: under ALIGN BY DEVICE it must name one
// measurement of each device.
func wherePaths(p model.Path) ([]model.Path, error) {
	if len(p) != 1 || p.HasWildcard() {
		return nil, status.Errorf(status.SemanticError,
			"ALIGN BY DEVICE: the WHERE clause can only use measurements, not %s", p)
	}
	return []model.Path{p}, nil
}

// lookup finds measurements in device i.
func (ds *deviceSchema) lookup(i int) seriesLookup {
	return func(p model.Path, _ string) (model.Series, bool) {
		s, ok := ds.series[i][p.Last()]
		return s, ok
	}
}

// measurementType returns the type of measurement m, the same on every
// device that has it, or an error naming the conflict.
func (ds *deviceSchema) measurementType(m string) (model.DataType, bool, error) {
	var t model.DataType
	found := false
	for i := range ds.devices {
		s, ok := ds.series[i][m]
		if !ok {
			continue
		}
		if found && s.Type != t {
			return 0, false, status.Errorf(status.SemanticError,
				"The data types of the same measurement column should be the same across devices: %s is %s and %s", m, t, s.Type)
		}
		t, found = s.Type, true
	}
	return t, found, nil
}

// byDevice plans a query with ALIGN BY DEVICE: a Device column, then one
// column per measurement expression, rows device by device (or by time,
// as ORDER BY says).
func (x *executor) byDevice(agg bool) (*model.Result, error) {
	ds, err := x.deviceSchema()
	if err != nil {
		return nil, err
	}
	if err := x.checkSeriesCount(countSeries(ds)); err != nil {
		return nil, err
	}
	var (
		cols  []column
		types []model.DataType
		open  func(ctx context.Context, i int) (model.RowIterator, error)
	)
	if agg {
		cols, types, open, err = x.deviceAggPlan(ds)
	} else {
		cols, types, open, err = x.deviceRawPlan(ds)
	}
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 || len(ds.devices) == 0 {
		return emptyResult(), nil
	}
	hasTime := !agg || x.sel.GroupBy != nil
	return &model.Result{
		Columns: append([]string{"Device"}, names(cols)...),
		Types:   append([]model.DataType{model.Text}, types...),
		HasTime: hasTime,
		Rows:    orderDevices(x.sel, ds.devices, open, types, hasTime),
	}, nil
}

func countSeries(ds *deviceSchema) int {
	n := 0
	for _, m := range ds.series {
		n += len(m)
	}
	return n
}

// globalBinder binds a measurement to a placeholder column of its common
// type, so that expressions are type-checked once for all devices.
func (ds *deviceSchema) globalBinder() (binder, *error) {
	var firstErr error
	return func(p model.Path) (int, model.DataType, bool) {
		t, ok, err := ds.measurementType(p.Last())
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return 0, t, ok
	}, &firstErr
}

func (x *executor) deviceRawPlan(ds *deviceSchema) ([]column, []model.DataType, func(context.Context, int) (model.RowIterator, error), error) {
	var cols []column
	for _, it := range x.sel.Items {
		exprs, err := expandExpr(it.Expr, ds.paths, false)
		if err != nil {
			return nil, nil, nil, err
		}
		named, err := nameColumns(it, exprs, exprString)
		if err != nil {
			return nil, nil, nil, err
		}
		cols = append(cols, dedupColumns(named)...)
	}
	cols = x.slimit(cols)
	bind, bindErr := ds.globalBinder()
	comp := &compiler{bind: bind, opts: x.opts, seriesOrdered: !x.sel.OrderDesc}
	types := make([]model.DataType, len(cols))
	for i, c := range cols {
		e, err := comp.compile(c.expr)
		if err == nil {
			err = *bindErr
		}
		if err != nil {
			return nil, nil, nil, err
		}
		types[i] = e.t
	}
	comp.seriesOrdered = false
	if x.sel.Where != nil {
		where, err := expandFilter(x.sel.Where, wherePaths)
		if err != nil {
			return nil, nil, nil, err
		}
		if _, err := comp.compileFilter(where); err != nil {
			return nil, nil, nil, err
		}
	}
	open := func(_ context.Context, i int) (model.RowIterator, error) {
		rows, _, err := x.rawPlan(newInputs(ds.lookup(i)), cols, types, wherePaths)
		return rows, err
	}
	return cols, types, open, nil
}

func (x *executor) deviceAggPlan(ds *deviceSchema) ([]column, []model.DataType, func(context.Context, int) (model.RowIterator, error), error) {
	var w *windows
	if x.sel.GroupBy != nil {
		var err error
		if w, err = newWindows(x.sel.GroupBy, x.opts); err != nil {
			return nil, nil, nil, err
		}
	}
	var cols []column
	var fns []aggFunc
	for _, it := range x.sel.Items {
		if !isBareAgg(it.Expr) {
			named, err := derivedColumns(it, ds.paths)
			if err != nil {
				return nil, nil, nil, err
			}
			for range named {
				fns = append(fns, aggCount) // a placeholder: the projection computes these
			}
			cols = append(cols, named...)
			continue
		}
		call := it.Expr.(*ast.Call)
		exprs, err := deviceAggExprs(call, ds)
		if err != nil {
			return nil, nil, nil, err
		}
		named, err := nameColumns(it, exprs, exprString)
		if err != nil {
			return nil, nil, nil, err
		}
		for range named {
			fns = append(fns, aggFuncs[call.Name])
		}
		cols = append(cols, named...)
	}
	cols, fns = x.slimitAgg(cols, fns)
	inner, innerFns, proj, err := x.splitDerived(cols, fns, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	h, inner, innerFns, err := x.planHaving(inner, innerFns, ds.paths, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	types := make([]model.DataType, len(inner))
	for i, c := range inner {
		if types[i], err = x.deviceAggType(ds, c.expr.(*ast.Call), innerFns[i]); err != nil {
			return nil, nil, nil, err
		}
	}
	if x.sel.Where != nil {
		where, err := expandFilter(x.sel.Where, wherePaths)
		if err != nil {
			return nil, nil, nil, err
		}
		bind, _ := ds.globalBinder()
		if _, err := (&compiler{bind: bind, opts: x.opts}).compileFilter(where); err != nil {
			return nil, nil, nil, err
		}
	}
	nVisible := len(inner)
	if h != nil {
		if _, err := h.wrap(noRows{}, types, x.opts); err != nil { // type errors show before any row is read
			return nil, nil, nil, err
		}
		nVisible = h.nVisible
	}
	open := func(_ context.Context, i int) (model.RowIterator, error) {
		p, err := x.newAggPlan(newInputs(ds.lookup(i)), inner, innerFns, wherePaths)
		if err != nil {
			return nil, err
		}
		p.types = types
		var rows model.RowIterator = &aggRows{st: x.st, plan: p}
		if w != nil {
			rows = &groupRows{st: x.st, plan: p, w: w, desc: x.sel.OrderDesc}
		}
		if _, _, rows, err = x.withHaving(h, inner, types, rows); err != nil || proj == nil {
			return rows, err
		}
		_, _, rows, err = proj.wrap(inner[:nVisible], types[:nVisible], rows, x.opts)
		return rows, err
	}
	if proj == nil {
		return inner[:nVisible], types[:nVisible], open, nil
	}
	_, vtypes, _, err := proj.wrap(inner[:nVisible], types[:nVisible], noRows{}, x.opts)
	if err != nil {
		return nil, nil, nil, err
	}
	return proj.visible, vtypes, open, nil
}

// deviceAggExprs expands an aggregation over the measurements of the
// devices: MAX_BY and MIN_BY over each combination of x and y, COUNT_IF
// over each expansion of its predicate.
func deviceAggExprs(call *ast.Call, ds *deviceSchema) ([]ast.Expr, error) {
	fn := aggFuncs[call.Name]
	var combos [][]ast.Expr
	var err error
	switch {
	case fn == aggCountIf:
		if _, err := parseCountIf(call); err != nil {
			return nil, err
		}
		preds, err := expandExpr(call.Args[0], ds.paths, false)
		if err != nil {
			return nil, err
		}
		for _, p := range preds {
			combos = append(combos, append([]ast.Expr{p}, call.Args[1:]...))
		}
	default:
		combos, err = expandAll(call.Args, ds.paths, false)
		if err != nil {
			return nil, err
		}
	}
	exprs := make([]ast.Expr, len(combos))
	for i, args := range combos {
		exprs[i] = &ast.Call{Name: call.Name, Args: args}
	}
	return exprs, nil
}

// deviceAggType checks an aggregation column of ALIGN BY DEVICE against
// the series of every device and returns its type.
func (x *executor) deviceAggType(ds *deviceSchema, call *ast.Call, fn aggFunc) (model.DataType, error) {
	checkAll := func(m string) error {
		for d := range ds.devices {
			if s, ok := ds.series[d][m]; ok {
				if err := checkAggType(call.Name, fn, s); err != nil {
					return err
				}
			}
		}
		return nil
	}
	switch {
	case fn == aggCountIf:
		bind, bindErr := ds.globalBinder()
		pred, err := (&compiler{bind: bind, opts: x.opts}).compile(call.Args[0])
		if err == nil {
			err = *bindErr
		}
		if err == nil && pred.k != kBool && pred.k != kNull {
			err = status.Errorf(status.SemanticError,
				"COUNT_IF: the predicate must be BOOLEAN, not %s: %s", pred.t, exprString(call.Args[0]))
		}
		return model.Int64, err
	case fn.isBy():
		if err := checkAll(call.Args[1].(*ast.PathExpr).Path.Last()); err != nil {
			return 0, err
		}
		xp, ok := call.Args[0].(*ast.PathExpr)
		if !ok {
			return model.Int64, nil // max_by(time, y)
		}
		t, _, err := ds.measurementType(xp.Path.Last())
		return t, err
	}
	m := call.Args[0].(*ast.PathExpr).Path.Last()
	if err := checkAll(m); err != nil {
		return 0, err
	}
	t, _, err := ds.measurementType(m)
	if err != nil && fn.keepsType() {
		return 0, err
	}
	return fn.resultType(t), nil
}
