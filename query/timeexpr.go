package query

import (
	"fmt"
	"math"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// ResolveTime evaluates a time constant to epoch milliseconds: an integer
// literal (milliseconds), a date-time literal (ISO-8601 with '-', '/' or '.'
// between date fields, read in opts.Zone unless it carries an offset), now(),
// and sums and differences of those.
func ResolveTime(e ast.Expr, opts Options) (int64, error) {
	switch e := e.(type) {
	case *ast.Literal:
		switch e.Kind {
		case ast.IntLit:
			return e.Int, nil
		case ast.DateTimeLit, ast.StringLit:
			return parseDateTime(e.Str, opts.zone())
		}
		return 0, status.Errorf(status.SemanticError, "%s is not a time value", literalText(e))
	case *ast.Call:
		if e.Name == "now" && len(e.Args) == 0 {
			return opts.now().UnixMilli(), nil
		}
	case *ast.Unary:
		if e.Op == "-" {
			v, err := ResolveTime(e.X, opts)
			return -v, err
		}
	case *ast.Binary:
		if e.Op == "+" || e.Op == "-" {
			l, err := ResolveTime(e.L, opts)
			if err != nil {
				return 0, err
			}
			r, err := ResolveTime(e.R, opts)
			if err != nil {
				return 0, err
			}
			sum, ok := addTime(l, r, e.Op == "-")
			if !ok {
				return 0, status.Errorf(status.SemanticError, "%s overflows the timestamp range", exprString(e))
			}
			return sum, nil
		}
	}
	return 0, status.Errorf(status.SemanticError, "%s is not a time value", exprString(e))
}

// addTime returns l + r (l - r with sub), or false when that leaves int64.
func addTime(l, r int64, sub bool) (int64, bool) {
	if sub {
		if r == math.MinInt64 { // -r does not exist; l - r fits only for negative l
			return l - r, l < 0
		}
		r = -r
	}
	sum := l + r
	if (r > 0 && sum < l) || (r < 0 && sum > l) {
		return 0, false
	}
	return sum, true
}

// isTimeConst reports whether e can be resolved by ResolveTime without
// looking at data.
func isTimeConst(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Literal:
		return e.Kind == ast.IntLit || e.Kind == ast.DateTimeLit || e.Kind == ast.StringLit
	case *ast.Call:
		return e.Name == "now" && len(e.Args) == 0
	case *ast.Unary:
		return e.Op == "-" && isTimeConst(e.X)
	case *ast.Binary:
		return (e.Op == "+" || e.Op == "-") && isTimeConst(e.L) && isTimeConst(e.R)
	}
	return false
}

// TimeRange returns the smallest [min, max] (inclusive, epoch ms) holding
// every time the WHERE condition can admit; value predicates do not narrow
// it. A nil condition gives the whole time line. When no time can satisfy
// the condition, min > max.
func TimeRange(where ast.Expr, opts Options) (min, max int64, err error) {
	set, _, err := analyzeTime(where, opts)
	if err != nil {
		return 0, 0, err
	}
	lo, hi, ok := set.hull()
	if !ok {
		return 1, 0, nil
	}
	return lo, hi, nil
}

// Messages of DELETE's WHERE checks, as IoTDB words them.
const (
	deleteRangeMsg    = "For delete statement, where clause can only contain atomic expressions like : time > XXX, time <= XXX, or two atomic expressions connected by 'AND'"
	deleteTimeOnlyMsg = "For delete statement, where clause can only contain time expressions, value filter is not currently supported."
)

// DeleteRange returns the inclusive time range a DELETE's WHERE selects. The
// condition may only compare time with constants (>, >=, <, <=, =, BETWEEN)
// joined by AND; anything else, or a range that holds no time, is a
// SemanticError. A nil condition selects the whole time line.
func DeleteRange(where ast.Expr, opts Options) (int64, int64, error) {
	if where == nil {
		return math.MinInt64, math.MaxInt64, nil
	}
	if err := checkDeleteWhere(where); err != nil {
		return 0, 0, err
	}
	set, _, err := analyzeTime(where, opts)
	if err != nil {
		return 0, 0, err
	}
	lo, hi, ok := set.hull()
	if !ok || len(set) != 1 {
		lo, hi = emptyBounds(where, opts)
		return 0, 0, status.Errorf(status.SemanticError, "Invalid delete range: [%d, %d]", lo, hi)
	}
	return lo, hi, nil
}

// emptyBounds recomputes the bounds of a contradictory AND of ranges the way
// IoTDB reports them: the largest lower and the smallest upper bound.
func emptyBounds(e ast.Expr, opts Options) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	var walk func(ast.Expr)
	walk = func(e ast.Expr) {
		if b, ok := e.(*ast.Binary); ok && b.Op == "AND" {
			walk(b.L)
			walk(b.R)
			return
		}
		set, _, err := analyzeTime(e, opts)
		if err != nil {
			return
		}
		if l, h, ok := set.hull(); ok {
			lo, hi = max(lo, l), min(hi, h)
		}
	}
	walk(e)
	return lo, hi
}

func checkDeleteWhere(e ast.Expr) error {
	switch e := e.(type) {
	case *ast.Binary:
		switch e.Op {
		case "AND":
			if err := checkDeleteWhere(e.L); err != nil {
				return err
			}
			return checkDeleteWhere(e.R)
		case "<", "<=", ">", ">=", "=":
			if isTime(e.L) && isTimeConst(e.R) || isTime(e.R) && isTimeConst(e.L) {
				return nil
			}
			if mentionsTime(e) {
				return status.Errorf(status.SemanticError, deleteRangeMsg)
			}
			return status.Errorf(status.SemanticError, deleteTimeOnlyMsg)
		}
	case *ast.Between:
		if !e.Not && isTime(e.X) && isTimeConst(e.Lo) && isTimeConst(e.Hi) {
			return nil
		}
	}
	if !mentionsTime(e) {
		return status.Errorf(status.SemanticError, deleteTimeOnlyMsg)
	}
	return status.Errorf(status.SemanticError, deleteRangeMsg)
}

func isTime(e ast.Expr) bool {
	_, ok := e.(*ast.TimeExpr)
	return ok
}

// mentionsTime reports whether e refers to the time column anywhere.
func mentionsTime(e ast.Expr) bool {
	found := false
	walkExpr(e, func(x ast.Expr) {
		if isTime(x) {
			found = true
		}
	})
	return found
}

// analyzeTime returns a set of times that contains every time at which e can
// hold, and whether e depends on time alone (then the set is exact).
func analyzeTime(e ast.Expr, opts Options) (timeSet, bool, error) {
	switch e := e.(type) {
	case nil:
		return fullTime(), true, nil
	case *ast.Binary:
		switch e.Op {
		case "AND", "OR":
			l, lExact, err := analyzeTime(e.L, opts)
			if err != nil {
				return nil, false, err
			}
			r, rExact, err := analyzeTime(e.R, opts)
			if err != nil {
				return nil, false, err
			}
			if e.Op == "AND" {
				return l.intersect(r), lExact && rExact, nil
			}
			return l.union(r), lExact && rExact, nil
		case "<", "<=", ">", ">=", "=", "!=":
			op, c := e.Op, e.R
			if !isTime(e.L) || !isTimeConst(e.R) {
				if !isTime(e.R) || !isTimeConst(e.L) {
					return fullTime(), false, nil
				}
				op, c = mirror(op), e.L
			}
			t, err := ResolveTime(c, opts)
			if err != nil {
				return nil, false, err
			}
			return compareSet(op, t), true, nil
		}
	case *ast.Unary:
		if e.Op == "NOT" {
			s, exact, err := analyzeTime(e.X, opts)
			if err != nil || !exact {
				return fullTime(), false, err
			}
			return s.complement(), true, nil
		}
	case *ast.Between:
		if isTime(e.X) && isTimeConst(e.Lo) && isTimeConst(e.Hi) {
			lo, err := ResolveTime(e.Lo, opts)
			if err != nil {
				return nil, false, err
			}
			hi, err := ResolveTime(e.Hi, opts)
			if err != nil {
				return nil, false, err
			}
			s := timeSet{}
			if lo <= hi {
				s = timeSet{{lo, hi}}
			}
			if e.Not {
				s = s.complement()
			}
			return s, true, nil
		}
	case *ast.In:
		if isTime(e.X) {
			s := timeSet{}
			for _, l := range e.List {
				t, err := ResolveTime(l, opts)
				if err != nil {
					return nil, false, err
				}
				s = s.union(timeSet{{t, t}})
			}
			if e.Not {
				s = s.complement()
			}
			return s, true, nil
		}
	}
	return fullTime(), false, nil
}

// mirror turns "c op time" into "time op' c".
func mirror(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// compareSet is the set of times t with "t op c".
func compareSet(op string, c int64) timeSet {
	switch op {
	case ">":
		if c == math.MaxInt64 {
			return timeSet{}
		}
		return timeSet{{c + 1, math.MaxInt64}}
	case ">=":
		return timeSet{{c, math.MaxInt64}}
	case "<":
		if c == math.MinInt64 {
			return timeSet{}
		}
		return timeSet{{math.MinInt64, c - 1}}
	case "<=":
		return timeSet{{math.MinInt64, c}}
	case "=", "==":
		return timeSet{{c, c}}
	case "!=", "<>":
		return timeSet{{c, c}}.complement()
	}
	panic("BUG: compareSet with operator " + op)
}

// literalText renders a literal for messages.
func literalText(l *ast.Literal) string {
	if l.Raw != "" {
		return l.Raw
	}
	switch l.Kind {
	case ast.IntLit:
		return fmt.Sprint(l.Int)
	case ast.FloatLit:
		return fmt.Sprint(l.Float)
	case ast.BoolLit:
		return fmt.Sprint(l.Bool)
	case ast.NullLit:
		return "null"
	case ast.StringLit:
		return fmt.Sprintf("%q", l.Str)
	}
	return l.Str
}
