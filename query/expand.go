package query

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// resolver matches path patterns against the schema, remembering what it
// found so each pattern costs one MatchSeries and each concrete path can be
// bound back to its series.
type resolver struct {
	ctx   context.Context
	st    Store
	cache map[string][]model.Series
	known map[string]model.Series
}

func newResolver(ctx context.Context, st Store) *resolver {
	return &resolver{ctx: ctx, st: st, cache: map[string][]model.Series{}, known: map[string]model.Series{}}
}

func (r *resolver) match(pattern model.Path) ([]model.Series, error) {
	key := pattern.String()
	if s, ok := r.cache[key]; ok {
		return s, nil
	}
	s, err := r.st.MatchSeries(r.ctx, pattern)
	if err != nil {
		return nil, err
	}
	r.cache[key] = s
	for _, x := range s {
		r.known[x.Path.String()] = x
	}
	return s, nil
}

// seriesUnder returns the series a select or where path names: a full path
// (starting with root) as is, a suffix under every FROM prefix, in prefix
// order, each series once.
func (r *resolver) seriesUnder(p model.Path, from []model.Path) ([]model.Series, error) {
	var patterns []model.Path
	if len(p) > 0 && p[0] == "root" {
		patterns = []model.Path{p}
	} else {
		for _, f := range from {
			patterns = append(patterns, f.Append(p...))
		}
	}
	if len(patterns) == 1 {
		return r.match(patterns[0]) // MatchSeries gives each series once
	}
	var out []model.Series
	seen := map[string]bool{}
	for _, pat := range patterns {
		ss, err := r.match(pat)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			k := s.Path.String()
			if !seen[k] {
				seen[k] = true
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// fullPaths adapts seriesUnder to expandExpr.
func (r *resolver) fullPaths(from []model.Path) func(model.Path) ([]model.Path, error) {
	return func(p model.Path) ([]model.Path, error) {
		ss, err := r.seriesUnder(p, from)
		if err != nil {
			return nil, err
		}
		out := make([]model.Path, len(ss))
		for i := range ss {
			out[i] = ss[i].Path
		}
		return out, nil
	}
}

// expandExpr replaces every path of e by the concrete paths it names and
// returns one expression per combination, IoTDB's cartesian expansion
// (s1 + s2 over two devices gives four expressions). A path naming nothing
// drops the expression, or, with nullIfNone (conditions), reads as null.
func expandExpr(e ast.Expr, paths func(model.Path) ([]model.Path, error), nullIfNone bool) ([]ast.Expr, error) {
	switch e := e.(type) {
	case *ast.PathExpr:
		ps, err := paths(e.Path)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 && nullIfNone {
			return []ast.Expr{&ast.Literal{Kind: ast.NullLit}}, nil
		}
		out := make([]ast.Expr, len(ps))
		for i, p := range ps {
			out[i] = &ast.PathExpr{Path: p}
		}
		return out, nil
	case *ast.Literal, *ast.TimeExpr:
		return []ast.Expr{e}, nil
	case *ast.Call:
		args, err := expandAll(e.Args, paths, nullIfNone)
		if err != nil {
			return nil, err
		}
		out := make([]ast.Expr, len(args))
		for i, a := range args {
			out[i] = &ast.Call{Name: e.Name, Args: a}
		}
		return out, nil
	case *ast.Binary:
		parts, err := expandAll([]ast.Expr{e.L, e.R}, paths, nullIfNone)
		if err != nil {
			return nil, err
		}
		out := make([]ast.Expr, len(parts))
		for i, p := range parts {
			out[i] = &ast.Binary{Op: e.Op, L: p[0], R: p[1]}
		}
		return out, nil
	case *ast.Between:
		parts, err := expandAll([]ast.Expr{e.X, e.Lo, e.Hi}, paths, nullIfNone)
		if err != nil {
			return nil, err
		}
		out := make([]ast.Expr, len(parts))
		for i, p := range parts {
			out[i] = &ast.Between{X: p[0], Lo: p[1], Hi: p[2], Not: e.Not}
		}
		return out, nil
	case *ast.Unary:
		return mapExpanded(e.X, paths, nullIfNone, func(x ast.Expr) ast.Expr { return &ast.Unary{Op: e.Op, X: x} })
	case *ast.Cast:
		return mapExpanded(e.X, paths, nullIfNone, func(x ast.Expr) ast.Expr { return &ast.Cast{X: x, Type: e.Type} })
	case *ast.In:
		return mapExpanded(e.X, paths, nullIfNone, func(x ast.Expr) ast.Expr { return &ast.In{X: x, List: e.List, Not: e.Not} })
	case *ast.IsNull:
		return mapExpanded(e.X, paths, nullIfNone, func(x ast.Expr) ast.Expr { return &ast.IsNull{X: x, Not: e.Not} })
	case *ast.Like:
		return mapExpanded(e.X, paths, nullIfNone, func(x ast.Expr) ast.Expr { return &ast.Like{X: x, Pattern: e.Pattern, Not: e.Not, Regexp: e.Regexp} })
	}
	return nil, status.Errorf(status.SemanticError, "unsupported expression %T", e)
}

func mapExpanded(x ast.Expr, paths func(model.Path) ([]model.Path, error), nullIfNone bool, wrap func(ast.Expr) ast.Expr) ([]ast.Expr, error) {
	xs, err := expandExpr(x, paths, nullIfNone)
	if err != nil {
		return nil, err
	}
	for i := range xs {
		xs[i] = wrap(xs[i])
	}
	return xs, nil
}

// expandAll expands each expression and returns their cartesian product,
// the first expression varying slowest.
func expandAll(es []ast.Expr, paths func(model.Path) ([]model.Path, error), nullIfNone bool) ([][]ast.Expr, error) {
	combos := [][]ast.Expr{nil}
	for _, e := range es {
		xs, err := expandExpr(e, paths, nullIfNone)
		if err != nil {
			return nil, err
		}
		next := make([][]ast.Expr, 0, len(combos)*len(xs))
		for _, c := range combos {
			for _, x := range xs {
				next = append(next, append(c[:len(c):len(c)], x))
			}
		}
		combos = next
	}
	return combos, nil
}

// expandFilter expands a WHERE condition; a path that names several series
// yields one condition per series, all of which must hold (IoTDB's rule).
func expandFilter(where ast.Expr, paths func(model.Path) ([]model.Path, error)) (ast.Expr, error) {
	conds, err := expandExpr(where, paths, true)
	if err != nil {
		return nil, err
	}
	var out ast.Expr
	for _, c := range conds {
		if out == nil {
			out = c
			continue
		}
		out = &ast.Binary{Op: "AND", L: out, R: c}
	}
	return out, nil
}

// inputs is the list of distinct series a query reads; a series' index is
// its column in merged batches.
type inputs struct {
	series []model.Series
	index  map[string]int // by the path as written in expanded expressions
	lookup seriesLookup
}

// seriesLookup finds the series behind a path of an expanded expression;
// key is p.String().
type seriesLookup func(p model.Path, key string) (model.Series, bool)

func newInputs(lookup seriesLookup) *inputs {
	return &inputs{index: map[string]int{}, lookup: lookup}
}

// bind is a binder that adds the series behind p on first use.
func (in *inputs) bind(p model.Path) (int, model.DataType, bool) {
	k := p.String()
	if i, ok := in.index[k]; ok {
		return i, in.series[i].Type, true
	}
	s, ok := in.lookup(p, k)
	if !ok {
		return 0, 0, false
	}
	in.index[k] = len(in.series)
	in.series = append(in.series, s)
	return len(in.series) - 1, s.Type, true
}

// lookupKnown finds a series the resolver has matched.
func (r *resolver) lookupKnown(_ model.Path, key string) (model.Series, bool) {
	s, ok := r.known[key]
	return s, ok
}

// hasPath reports whether e refers to any series.
func hasPath(e ast.Expr) bool {
	found := false
	walkExpr(e, func(x ast.Expr) {
		if _, ok := x.(*ast.PathExpr); ok {
			found = true
		}
	})
	return found
}
