package query

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// having is a HAVING condition planned over an aggregation's columns: the
// aggregations it reads that the select list lacks are computed as hidden
// columns after the visible ones and dropped from the result.
type having struct {
	cond     ast.Expr // expanded: its aggregations name concrete paths (or level groups)
	nVisible int
	index    map[string]int // an aggregation's rendering -> its column
}

// planHaving expands the HAVING condition with paths (as the select list
// expands) and appends the hidden columns it needs to cols and fns.
// members, when not nil, gives the series a GROUP BY LEVEL group merges.
// It returns nil when the query has no HAVING.
func (x *executor) planHaving(cols []column, fns []aggFunc, paths func(model.Path) ([]model.Path, error),
	members func(model.Path) []model.Path) (*having, []column, []aggFunc, error) {
	if x.sel.Having == nil {
		return nil, cols, fns, nil
	}
	var err error
	walkExpr(x.sel.Having, func(e ast.Expr) {
		if err != nil {
			return
		}
		switch e := e.(type) {
		case *ast.Call:
			if _, ok := aggFuncs[e.Name]; ok {
				_, err = classifyItem(e)
			}
		}
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkHavingPaths(x.sel.Having); err != nil {
		return nil, nil, nil, err
	}
	cond, err := expandFilter(x.sel.Having, paths)
	if err != nil {
		return nil, nil, nil, err
	}
	h := &having{cond: cond, nVisible: len(cols), index: columnIndex(cols)}
	if cols, fns, err = x.addAggRefs(cond, "HAVING", cols, fns, h.index, members); err != nil {
		return nil, nil, nil, err
	}
	return h, cols, fns, nil
}

// columnIndex maps the rendering of each column's expression to its first
// position.
func columnIndex(cols []column) map[string]int {
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		if _, ok := index[exprString(c.expr)]; !ok {
			index[exprString(c.expr)] = i
		}
	}
	return index
}

// addAggRefs appends to cols (and index) a hidden column for each
// aggregation in e that cols lack; where names the clause for errors.
// members, when not nil, gives the series a GROUP BY LEVEL group merges.
func (x *executor) addAggRefs(e ast.Expr, where string, cols []column, fns []aggFunc, index map[string]int,
	members func(model.Path) []model.Path) ([]column, []aggFunc, error) {
	var err error
	walkExpr(e, func(e ast.Expr) {
		call, ok := e.(*ast.Call)
		if !ok || err != nil {
			return
		}
		fn, isAgg := aggFuncs[call.Name]
		if !isAgg {
			return
		}
		k := exprString(call)
		if _, ok := index[k]; ok {
			return
		}
		c := column{expr: call, name: k}
		if fn == aggCountIf {
			err = status.Errorf(status.SemanticError, "COUNT_IF in %s is not supported: %s", where, k)
			return
		}
		if fn.isBy() {
			if members != nil {
				err = status.Errorf(status.SemanticError, "%s is not supported with GROUP BY LEVEL", strings.ToUpper(call.Name))
				return
			}
			if _, ok := call.Args[1].(*ast.PathExpr); !ok { // y names nothing: null
				return
			}
			if _, ok := call.Args[0].(*ast.Literal); ok {
				return
			}
		} else {
			arg, ok := call.Args[0].(*ast.PathExpr)
			if !ok { // a path naming nothing: the aggregation reads as null
				return
			}
			if members != nil {
				c.members = members(arg.Path)
			}
		}
		if err = x.checkHiddenType(call.Name, fn, c); err != nil {
			return
		}
		index[k] = len(cols)
		cols = append(cols, c)
		fns = append(fns, fn)
	})
	return cols, fns, err
}

// checkHavingPaths refuses raw series outside aggregations: HAVING filters
// aggregated rows.
func checkHavingPaths(e ast.Expr) error {
	var all, inAgg int
	walkExpr(e, func(x ast.Expr) {
		switch x := x.(type) {
		case *ast.PathExpr:
			all++
		case *ast.Call:
			if _, ok := aggFuncs[x.Name]; ok {
				for _, a := range x.Args {
					walkExpr(a, func(y ast.Expr) {
						if _, ok := y.(*ast.PathExpr); ok {
							inAgg++
						}
					})
				}
			}
		}
	})
	if all > inAgg {
		return status.Errorf(status.SemanticError,
			"the expression in HAVING clause must consist of aggregate values, not raw series: %s", exprString(e))
	}
	return nil
}

// checkHiddenType applies the aggregation's type rules to the series a
// hidden column reads, where the resolver knows them.
func (x *executor) checkHiddenType(name string, fn aggFunc, c column) error {
	ps := c.members
	if args := c.expr.(*ast.Call).Args; fn.isBy() {
		ps = []model.Path{args[1].(*ast.PathExpr).Path} // y; x may be of any type
	} else if ps == nil {
		ps = []model.Path{args[0].(*ast.PathExpr).Path}
	}
	for _, p := range ps {
		if s, ok := x.res.known[p.String()]; ok {
			if err := checkAggType(name, fn, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrap compiles the condition over the aggregation's result types and
// filters rows, keeping the visible columns.
func (h *having) wrap(rows model.RowIterator, types []model.DataType, opts Options) (model.RowIterator, error) {
	comp := &compiler{opts: opts, aggCols: func(call *ast.Call) (int, model.DataType, bool) {
		i, ok := h.index[exprString(call)]
		if !ok {
			return 0, 0, false
		}
		return i, types[i], true
	}, bind: func(model.Path) (int, model.DataType, bool) { return 0, 0, false }}
	f, err := comp.compile(h.cond)
	if err != nil {
		return nil, err
	}
	if f.k != kBool && f.k != kNull {
		return nil, status.Errorf(status.SemanticError,
			"The output type of the expression in HAVING clause should be BOOLEAN, actual data type: %s.", f.t)
	}
	return &havingRows{src: rows, cond: f.n, nVisible: h.nVisible, types: types[:h.nVisible]}, nil
}

// havingRows keeps the rows whose aggregations satisfy the condition.
type havingRows struct {
	src      model.RowIterator
	cond     node
	nVisible int
	types    []model.DataType
}

func (h *havingRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	for {
		b, err := h.src.Next(ctx, max)
		if err != nil || b == nil {
			return nil, err
		}
		n := b.Len()
		out := &model.Batch{Columns: newColumns(h.types, n)}
		if b.Times != nil {
			out.Times = make([]int64, 0, n)
		}
		rc := rowCtx{cols: b.Columns}
		for i := 0; i < n; i++ {
			rc.i = i
			if b.Times != nil {
				rc.t = b.Times[i]
			}
			if !h.cond.eval(&rc).isTrue() {
				continue
			}
			if b.Times != nil {
				out.Times = append(out.Times, b.Times[i])
			}
			for j := 0; j < h.nVisible; j++ {
				appendFrom(&out.Columns[j], &b.Columns[j], i)
			}
		}
		if out.Len() > 0 {
			return out, nil
		}
	}
}

func (h *havingRows) Close() error { return h.src.Close() }

// havingPaths expands the paths of HAVING and of expressions over
// aggregation results: to series, or under GROUP BY LEVEL to groups, whose
// members the second function returns.
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
