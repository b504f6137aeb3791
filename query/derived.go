package query

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Select items may compute over aggregation results (round(avg(s1), 2),
// count(s1) + count(s2)). The aggregation then runs over inner columns: the
// bare aggregations of the select list, then the aggregations the
// expressions read, then those HAVING reads; a projection evaluates the
// result columns from each inner row.

// isBareAgg reports whether e is an aggregation call itself.
func isBareAgg(e ast.Expr) bool {
	c, ok := e.(*ast.Call)
	if ok {
		_, ok = aggFuncs[c.Name]
	}
	return ok
}

// checkOverAggs checks an expression over aggregation results: every path
// is an aggregation's argument and every aggregation is well formed.
func checkOverAggs(e ast.Expr) error {
	var err error
	walkExpr(e, func(x ast.Expr) {
		if c, ok := x.(*ast.Call); ok && err == nil && isBareAgg(c) {
			_, err = classifyItem(c)
		}
	})
	if err != nil {
		return err
	}
	if checkHavingPaths(e) != nil {
		return status.Errorf(status.SemanticError, "Raw data and aggregation hybrid query is not supported.")
	}
	return nil
}

// derivedColumns expands a select item over aggregation results with paths,
// as the select list expands.
func derivedColumns(it ast.SelectItem, paths func(model.Path) ([]model.Path, error)) ([]column, error) {
	exprs, err := expandExpr(it.Expr, paths, false)
	if err != nil {
		return nil, err
	}
	cols, err := nameColumns(it, exprs, exprString)
	for i := range cols {
		cols[i].derived = true
	}
	return cols, err
}

// projection maps inner rows onto the result columns.
type projection struct {
	visible []column
	src     []int // per result column: its inner column, or -1 when computed
}

// splitDerived returns the inner columns of cols and the projection back,
// nil when every column is a bare aggregation.
func (x *executor) splitDerived(cols []column, fns []aggFunc, members func(model.Path) []model.Path) ([]column, []aggFunc, *projection, error) {
	derived := false
	for _, c := range cols {
		derived = derived || c.derived
	}
	if !derived {
		return cols, fns, nil, nil
	}
	proj := &projection{visible: cols, src: make([]int, len(cols))}
	var inner []column
	var innerFns []aggFunc
	for i, c := range cols {
		proj.src[i] = -1
		if !c.derived {
			proj.src[i] = len(inner)
			inner = append(inner, c)
			innerFns = append(innerFns, fns[i])
		}
	}
	index := columnIndex(inner)
	var err error
	for _, c := range cols {
		if c.derived {
			if inner, innerFns, err = x.addAggRefs(c.expr, "the select list", inner, innerFns, index, members); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	return inner, innerFns, proj, nil
}

// wrap compiles the computed columns over the inner columns' types and
// returns the result's names, types and rows.
func (p *projection) wrap(inner []column, innerTypes []model.DataType, rows model.RowIterator, opts Options) ([]string, []model.DataType, model.RowIterator, error) {
	index := columnIndex(inner)
	comp := &compiler{opts: opts, aggCols: func(call *ast.Call) (int, model.DataType, bool) {
		i, ok := index[exprString(call)]
		if !ok {
			return 0, 0, false
		}
		return i, innerTypes[i], true
	}, bind: func(model.Path) (int, model.DataType, bool) { return 0, 0, false }}
	pr := &projRows{src: rows, outs: make([]output, len(p.visible)), types: make([]model.DataType, len(p.visible))}
	for i, c := range p.visible {
		if j := p.src[i]; j >= 0 {
			pr.outs[i], pr.types[i] = output{copy: j}, innerTypes[j]
			continue
		}
		e, err := comp.compile(c.expr)
		if err != nil {
			return nil, nil, nil, err
		}
		pr.outs[i] = output{copy: -1, n: e.n}
		pr.types[i] = e.t
		if e.k == kNull {
			pr.types[i] = model.Double
		}
	}
	return names(p.visible), pr.types, pr, nil
}

// projRows evaluates the result columns of each inner row.
type projRows struct {
	src   model.RowIterator
	outs  []output
	types []model.DataType
}

func (p *projRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	b, err := p.src.Next(ctx, max)
	if err != nil || b == nil {
		return nil, err
	}
	n := b.Len()
	out := &model.Batch{Times: b.Times, Columns: newColumns(p.types, n)}
	rc := rowCtx{cols: b.Columns}
	for i := 0; i < n; i++ {
		rc.i = i
		if b.Times != nil {
			rc.t = b.Times[i]
		}
		for j, o := range p.outs {
			if o.copy >= 0 {
				appendFrom(&out.Columns[j], &b.Columns[o.copy], i)
			} else {
				appendValue(&out.Columns[j], o.n.eval(&rc))
			}
		}
		if rc.err != nil {
			return nil, rc.err
		}
	}
	return out, nil
}

func (p *projRows) Close() error { return p.src.Close() }

// planAggregation plans aggregation columns: the inner columns, HAVING, the
// aggregation itself (mk makes its row stream) and the projection.
func (x *executor) planAggregation(cols []column, fns []aggFunc, paths func(model.Path) ([]model.Path, error),
	members func(model.Path) []model.Path, mk func(*aggPlan) model.RowIterator) ([]string, []model.DataType, model.RowIterator, error) {
	inner, innerFns, proj, err := x.splitDerived(cols, fns, members)
	if err != nil {
		return nil, nil, nil, err
	}
	h, inner, innerFns, err := x.planHaving(inner, innerFns, paths, members)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := x.newAggPlan(newInputs(x.res.lookupKnown), inner, innerFns, x.res.fullPaths(x.sel.From))
	if err != nil {
		return nil, nil, nil, err
	}
	inner, types, rows, err := x.withHaving(h, inner, p.types, mk(p))
	if err != nil {
		return nil, nil, nil, err
	}
	if proj == nil {
		return names(inner), types, rows, nil
	}
	return proj.wrap(inner, types, rows, x.opts)
}
