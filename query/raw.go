package query

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// column is one expanded select item: its expression over concrete paths
// and its result name.
type column struct {
	expr ast.Expr
	name string
	// members are the series a GROUP BY LEVEL column merges; nil for
	// other columns.
	members []model.Path
	// derived marks an expression over aggregation results.
	derived bool
}

// rawColumns expands the select items of a raw query.
func (x *executor) rawColumns() ([]column, error) {
	paths := x.res.fullPaths(x.sel.From)
	var cols []column
	for _, it := range x.sel.Items {
		exprs, err := expandExpr(it.Expr, paths, false)
		if err != nil {
			return nil, err
		}
		named, err := nameColumns(it, exprs, exprString)
		if err != nil {
			return nil, err
		}
		cols = append(cols, dedupColumns(named)...)
	}
	return x.slimit(cols), nil
}

// nameColumns names an item's expansions: by the alias, which must then
// stand for one column, or by rendering each.
func nameColumns(it ast.SelectItem, exprs []ast.Expr, render func(ast.Expr) string) ([]column, error) {
	if it.Alias != "" && len(exprs) > 1 {
		return nil, status.Errorf(status.SemanticError, "alias '%s' can only be matched with one time series", it.Alias)
	}
	cols := make([]column, len(exprs))
	for i, e := range exprs {
		cols[i] = column{expr: e, name: it.Alias}
		if it.Alias == "" {
			cols[i].name = render(e)
		}
	}
	return cols, nil
}

// dedupColumns drops repeats within one item's expansion, which arise when
// FROM prefixes overlap.
func dedupColumns(cols []column) []column {
	seen := make(map[string]bool, len(cols))
	out := cols[:0]
	for _, c := range cols {
		k := exprString(c.expr)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

// slimit applies SOFFSET and SLIMIT to the result columns.
func (x *executor) slimit(cols []column) []column {
	if x.sel.SOffset > 0 {
		cols = cols[min(int64(len(cols)), x.sel.SOffset):]
	}
	if x.sel.SLimit >= 0 && int64(len(cols)) > x.sel.SLimit {
		cols = cols[:x.sel.SLimit]
	}
	return cols
}

// raw plans a SELECT of series and expressions over them.
func (x *executor) raw() (*model.Result, error) {
	cols, err := x.rawColumns()
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return emptyResult(), nil
	}
	in := newInputs(x.res.lookupKnown)
	rows, types, err := x.rawPlan(in, cols, nil, x.res.fullPaths(x.sel.From))
	if err != nil {
		return nil, err
	}
	return &model.Result{Columns: names(cols), Types: types, HasTime: true, Rows: rows}, nil
}

// rawPlan compiles columns and the WHERE condition over in and returns the
// row stream with the columns' types. types, when not nil, fixes the result
// types (ALIGN BY DEVICE shares them across devices). wherePaths expands the
// condition's paths.
func (x *executor) rawPlan(in *inputs, cols []column, types []model.DataType, wherePaths func(model.Path) ([]model.Path, error)) (model.RowIterator, []model.DataType, error) {
	comp := &compiler{bind: in.bind, opts: x.opts, seriesOrdered: !x.sel.OrderDesc}
	if !x.sel.AlignByDevice {
		comp.points = x.seriesPoints
	}
	r := &rawRows{outs: make([]output, len(cols)), types: make([]model.DataType, len(cols)), vals: make([]value, len(cols))}
	for i, c := range cols {
		e, err := comp.compile(c.expr)
		if err != nil {
			return nil, nil, err
		}
		r.outs[i] = output{copy: -1, n: e.n}
		if col, ok := e.n.(colNode); ok {
			r.outs[i].copy = col.idx
		}
		switch {
		case types != nil:
			r.types[i] = types[i]
		case e.k == kNull:
			r.types[i] = model.Double
		default:
			r.types[i] = e.t
		}
	}
	r.present = len(in.series)
	r.dropNullRows = comp.selects
	comp.seriesOrdered, comp.points = false, nil
	filter, err := x.filterNode(comp, wherePaths)
	if err != nil {
		return nil, nil, err
	}
	r.filter = filter
	r.checkPresent = r.present < len(in.series)
	if err := x.checkSeriesCount(len(in.series)); err != nil {
		return nil, nil, err
	}
	lo, hi, ok := x.times.hull()
	if !ok || r.present == 0 {
		return noRows{}, r.types, nil
	}
	r.src = newSource(x.st, in.series, lo, hi, x.sel.OrderDesc)
	return r, r.types, nil
}

// filterNode compiles the WHERE condition for per-row evaluation; it is nil
// when the scan range alone applies the condition.
func (x *executor) filterNode(comp *compiler, paths func(model.Path) ([]model.Path, error)) (node, error) {
	if x.sel.Where == nil || x.timeOnly && x.times.single() {
		return nil, nil
	}
	where, err := expandFilter(x.sel.Where, paths)
	if err != nil {
		return nil, err
	}
	return comp.compileFilter(where)
}

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// output is how a result column is computed from a merged row: copied from
// an input column, or evaluated.
type output struct {
	copy int // input column, or -1
	n    node
}

// rawRows filters merged rows and projects them onto the result columns.
type rawRows struct {
	src          rowSource
	filter       node
	present      int  // inputs [0, present) feed the result columns
	checkPresent bool // some inputs feed the filter only
	outs         []output
	types        []model.DataType
	pending      *model.Batch
	pos          int
	// dropNullRows leaves out a row whose columns are all null: a
	// selection function chose none of its points.
	dropNullRows bool
	vals         []value // the computed columns of the current row
}

func (r *rawRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	if r.src == nil || max <= 0 {
		return nil, nil
	}
	capacity := min(max, scanChunk)
	out := &model.Batch{Times: make([]int64, 0, capacity), Columns: newColumns(r.types, capacity)}
	var rc rowCtx
	for len(out.Times) < max {
		if r.pending == nil || r.pos >= len(r.pending.Times) {
			b, err := r.src.next(ctx, max)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			r.pending, r.pos = b, 0
		}
		b := r.pending
		rc.cols = b.Columns
		for ; r.pos < len(b.Times) && len(out.Times) < max; r.pos++ {
			i := r.pos
			if r.checkPresent && !anyValue(b.Columns[:r.present], i) {
				continue
			}
			rc.t, rc.i = b.Times[i], i
			if r.filter != nil && !r.filter.eval(&rc).isTrue() {
				if rc.err != nil {
					return nil, rc.err
				}
				continue
			}
			// Each computed column is evaluated once per row: some
			// functions remember the previous row.
			for j, o := range r.outs {
				if o.copy < 0 {
					r.vals[j] = o.n.eval(&rc)
				}
			}
			if r.dropNullRows && r.allNull(b, i) {
				if rc.err != nil {
					return nil, rc.err
				}
				continue
			}
			out.Times = append(out.Times, b.Times[i])
			for j, o := range r.outs {
				if o.copy >= 0 {
					appendFrom(&out.Columns[j], &b.Columns[o.copy], i)
				} else {
					appendValue(&out.Columns[j], r.vals[j])
				}
			}
			if rc.err != nil {
				return nil, rc.err
			}
		}
	}
	if len(out.Times) == 0 {
		return nil, nil
	}
	return out, nil
}

// allNull reports whether every result column is null in row i of b,
// whose computed columns are in r.vals.
func (r *rawRows) allNull(b *model.Batch, i int) bool {
	for j, o := range r.outs {
		if o.copy >= 0 {
			if !b.Columns[o.copy].IsNull(i) {
				return false
			}
		} else if r.vals[j].k != kNull {
			return false
		}
	}
	return true
}

func (r *rawRows) Close() error {
	if r.src != nil {
		r.src.close()
	}
	return nil
}

// anyValue reports whether any of cols has a value in row i.
func anyValue(cols []model.Column, i int) bool {
	for j := range cols {
		if !cols[j].IsNull(i) {
			return true
		}
	}
	return false
}
