package query

import (
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

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
