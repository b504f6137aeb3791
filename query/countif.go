package query

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// COUNT_IF(predicate, [keep op] n[, 'ignoreNull'='true'|'false']) counts
// the runs of consecutive rows on which predicate holds whose length
// satisfies keep op n (keep >= n when only n is given). The rows are those
// where any series of the predicate has a value. A row where the predicate
// is null is skipped, or, with 'ignoreNull'='false', ends the run.

// countIfSpec is the parsed keep condition and attribute of a COUNT_IF.
type countIfSpec struct {
	op         string
	n          int64
	ignoreNull bool
}

func (s countIfSpec) keeps(run int64) bool { return run > 0 && compareOp(s.op, cmpInt(run, s.n)) }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseCountIf checks the arguments of a COUNT_IF call.
func parseCountIf(c *ast.Call) (countIfSpec, error) {
	spec := countIfSpec{op: ">=", ignoreNull: true}
	bad := func(what string) (countIfSpec, error) {
		return spec, status.Errorf(status.SemanticError, "COUNT_IF: %s: %s", what, exprString(c))
	}
	if len(c.Args) != 2 && len(c.Args) != 3 {
		return bad("it takes a predicate, a keep condition and an optional 'ignoreNull' attribute")
	}
	if !hasPath(c.Args[0]) {
		return bad("the predicate must read a series")
	}
	switch k := c.Args[1].(type) {
	case *ast.Literal:
		if k.Kind != ast.IntLit {
			return bad("the keep threshold must be an integer")
		}
		spec.n = k.Int
	case *ast.Binary:
		p, isPath := k.L.(*ast.PathExpr)
		n, isInt := k.R.(*ast.Literal)
		if !isPath || len(p.Path) != 1 || !strings.EqualFold(p.Path[0], "keep") || !isInt || n.Kind != ast.IntLit {
			return bad("the keep condition must be keep <op> <integer>")
		}
		spec.op, spec.n = k.Op, n.Int
		switch k.Op {
		case "=", "!=", "<", "<=", ">", ">=":
		default:
			return bad("the keep condition must compare")
		}
	default:
		return bad("the keep condition must be an integer or keep <op> <integer>")
	}
	if len(c.Args) == 3 {
		a, ok := c.Args[2].(*ast.Binary)
		if !ok || a.Op != "=" {
			return bad("the attribute must be 'ignoreNull'='true' or 'false'")
		}
		k, kok := a.L.(*ast.Literal)
		v, vok := a.R.(*ast.Literal)
		if !kok || !vok || k.Kind != ast.StringLit || !strings.EqualFold(k.Str, "ignoreNull") {
			return bad("the only attribute is 'ignoreNull'")
		}
		switch {
		case v.Kind == ast.StringLit && strings.EqualFold(v.Str, "true"), v.Kind == ast.BoolLit && v.Bool:
			spec.ignoreNull = true
		case v.Kind == ast.StringLit && strings.EqualFold(v.Str, "false"), v.Kind == ast.BoolLit && !v.Bool:
			spec.ignoreNull = false
		default:
			return bad("'ignoreNull' must be 'true' or 'false'")
		}
	}
	return spec, nil
}

// countIfColumns expands the predicate of a COUNT_IF over the series its
// paths name, as a select expression expands.
func (x *executor) countIfColumns(it ast.SelectItem, call *ast.Call) ([]column, error) {
	if x.sel.Levels != nil {
		return nil, status.Errorf(status.SemanticError, "COUNT_IF is not supported with GROUP BY LEVEL")
	}
	if _, err := parseCountIf(call); err != nil {
		return nil, err
	}
	preds, err := expandExpr(call.Args[0], x.res.fullPaths(x.sel.From), false)
	if err != nil {
		return nil, err
	}
	exprs := make([]ast.Expr, len(preds))
	for i, p := range preds {
		args := append([]ast.Expr{p}, call.Args[1:]...)
		exprs[i] = &ast.Call{Name: call.Name, Args: args}
	}
	return nameColumns(it, exprs, exprString)
}

// condItem is a COUNT_IF column: its compiled predicate and the input
// columns the predicate reads.
type condItem struct {
	pred   node
	inputs []int
	spec   countIfSpec
}

// bindCountIf compiles a COUNT_IF column's predicate over in.
func (x *executor) bindCountIf(in *inputs, call *ast.Call) (condItem, error) {
	spec, err := parseCountIf(call)
	if err != nil {
		return condItem{}, err
	}
	ci := condItem{spec: spec}
	bind := func(p model.Path) (int, model.DataType, bool) {
		i, t, ok := in.bind(p)
		if ok {
			ci.inputs = append(ci.inputs, i)
		}
		return i, t, ok
	}
	pred, err := (&compiler{bind: bind, opts: x.opts}).compile(call.Args[0])
	if err != nil {
		return condItem{}, err
	}
	if pred.k != kBool && pred.k != kNull {
		return condItem{}, status.Errorf(status.SemanticError,
			"COUNT_IF: the predicate must be BOOLEAN, not %s: %s", pred.t, exprString(call.Args[0]))
	}
	ci.pred = pred.n
	return ci, nil
}

// addCond folds one row into a COUNT_IF accumulator.
func (a *accumulator) addCond(c *condItem, r *rowCtx) {
	present := false
	for _, i := range c.inputs {
		if !r.cols[i].IsNull(r.i) {
			present = true
			break
		}
	}
	if !present {
		return
	}
	v := c.pred.eval(r)
	switch {
	case v.k == kNull && c.spec.ignoreNull:
		return
	case v.isTrue():
		a.run++
		return
	}
	if c.spec.keeps(a.run) {
		a.runs++
	}
	a.run = 0
}

// condResult is the COUNT_IF result: the closed runs that qualified plus
// the open one if it does.
func (a *accumulator) condResult(c *condItem) value {
	n := a.runs
	if c.spec.keeps(a.run) {
		n++
	}
	return value{k: kInt, i: n}
}
