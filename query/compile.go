package query

import (
	"math"
	"regexp"
	"strconv"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// binder maps a concrete path of an expanded expression to its input column;
// ok is false when no series backs the path (it then reads as null).
type binder func(p model.Path) (col int, t model.DataType, ok bool)

// compiled is a compiled expression with its static type.
type compiled struct {
	n    node
	k    kind           // kNull when the expression is the null literal
	t    model.DataType // output type when k != kNull
	expr ast.Expr
}

var numericTypes = "[INT32, INT64, FLOAT, DOUBLE]"

// compiler turns expanded expressions (full paths) into nodes.
type compiler struct {
	bind binder
	opts Options
	// aggCols, when set (HAVING), binds aggregations to the columns of an
	// aggregated row; an aggregation it does not know reads as null.
	aggCols func(*ast.Call) (col int, t model.DataType, ok bool)
	// seriesOrdered allows the functions that remember the previous point
	// (statefulFuncs): what is compiled is evaluated once per row in
	// ascending time order.
	seriesOrdered bool
	// points, when set, reads a series for the selection functions
	// (selectionFuncs), which are refused without it; selects records
	// that one was compiled.
	points  seriesPoints
	selects bool
}

// compile compiles e and checks its types.
func (c *compiler) compile(e ast.Expr) (compiled, error) {
	out := compiled{expr: e}
	switch e := e.(type) {
	case *ast.PathExpr:
		idx, t, ok := c.bind(e.Path)
		if !ok {
			out.n = constNode{}
			return out, nil
		}
		out.n, out.k, out.t = colNode{idx}, kindOf(t), t
		return out, nil
	case *ast.TimeExpr:
		out.n, out.k, out.t = timeNode{}, kInt, model.Int64
		return out, nil
	case *ast.Literal:
		v, t, err := c.literal(e)
		out.n, out.k, out.t = constNode{v}, v.k, t
		return out, err
	case *ast.Call:
		if isTimeConst(e) {
			t, err := ResolveTime(e, c.opts)
			out.n, out.k, out.t = constNode{value{k: kInt, i: t}}, kInt, model.Int64
			return out, err
		}
		if _, ok := aggFuncs[e.Name]; ok && c.aggCols != nil {
			if idx, t, ok := c.aggCols(e); ok {
				out.n, out.k, out.t = colNode{idx}, kindOf(t), t
			} else {
				out.n = constNode{}
			}
			return out, nil
		}
		if _, ok := aggFuncs[e.Name]; ok {
			return out, status.Errorf(status.SemanticError, "aggregation %s is not allowed here", exprString(e))
		}
		if _, ok := stringFuncs[e.Name]; ok {
			return c.compileString(e)
		}
		if seriesFuncs[e.Name] {
			return c.compileSeriesFunc(e)
		}
		if selectionFuncs[e.Name] {
			return c.compileSelection(e)
		}
		if isScalarFunc(e.Name) {
			return c.compileScalar(e)
		}
		return out, status.Errorf(status.SemanticError, "unknown function %q", e.Name)
	case *ast.Cast:
		return c.compileCast(e)
	case *ast.Unary:
		x, err := c.compile(e.X)
		if err != nil {
			return out, err
		}
		if e.Op == "-" {
			if err := wantNumeric(x); err != nil {
				return out, err
			}
			out.n, out.k, out.t = negNode{x.n}, x.k, x.t
			return out, nil
		}
		if err := wantKind(x, kBool, "[BOOLEAN]"); err != nil {
			return out, err
		}
		out.n, out.k, out.t = notNode{x.n}, kBool, model.Boolean
		return out, nil
	case *ast.Binary:
		l, err := c.compile(e.L)
		if err != nil {
			return out, err
		}
		r, err := c.compile(e.R)
		if err != nil {
			return out, err
		}
		switch e.Op {
		case "+", "-", "*", "/", "%":
			if err := wantNumeric(l); err != nil {
				return out, err
			}
			if err := wantNumeric(r); err != nil {
				return out, err
			}
			out.n, out.k, out.t = arithNode{e.Op[0], l.n, r.n}, kFloat, model.Double
			return out, nil
		case "AND", "OR":
			if err := wantKind(l, kBool, "[BOOLEAN]"); err != nil {
				return out, err
			}
			if err := wantKind(r, kBool, "[BOOLEAN]"); err != nil {
				return out, err
			}
			if e.Op == "AND" {
				out.n = andNode{l.n, r.n}
			} else {
				out.n = orNode{l.n, r.n}
			}
			out.k, out.t = kBool, model.Boolean
			return out, nil
		case "=", "==", "!=", "<>", "<", "<=", ">", ">=":
			if err := comparable(e, l, r); err != nil {
				return out, err
			}
			l, r = roundToFloat(l, r), roundToFloat(r, l)
			out.n, out.k, out.t = cmpNode{e.Op, l.n, r.n}, kBool, model.Boolean
			return out, nil
		}
		return out, status.Errorf(status.SemanticError, "unsupported operator %q in %s", e.Op, exprString(e))
	case *ast.Between:
		x, err := c.compile(e.X)
		if err != nil {
			return out, err
		}
		lo, err := c.compile(e.Lo)
		if err != nil {
			return out, err
		}
		hi, err := c.compile(e.Hi)
		if err != nil {
			return out, err
		}
		if err := comparable(e, x, lo); err != nil {
			return out, err
		}
		if err := comparable(e, x, hi); err != nil {
			return out, err
		}
		lo, hi = roundToFloat(lo, x), roundToFloat(hi, x)
		out.n, out.k, out.t = betweenNode{x.n, lo.n, hi.n, e.Not}, kBool, model.Boolean
		return out, nil
	case *ast.In:
		x, err := c.compile(e.X)
		if err != nil {
			return out, err
		}
		list := make([]value, 0, len(e.List))
		for _, l := range e.List {
			v, err := c.inValue(e, x, l)
			if err != nil {
				return out, err
			}
			if v.k != kNull { // nothing equals null
				list = append(list, v)
			}
		}
		out.n, out.k, out.t = inNode{x.n, list, e.Not}, kBool, model.Boolean
		return out, nil
	case *ast.IsNull:
		x, err := c.compile(e.X)
		if err != nil {
			return out, err
		}
		out.n, out.k, out.t = isNullNode{x.n, e.Not}, kBool, model.Boolean
		return out, nil
	case *ast.Like:
		x, err := c.compile(e.X)
		if err != nil {
			return out, err
		}
		if err := wantKind(x, kText, "[TEXT]"); err != nil {
			return out, err
		}
		re, err := patternRegexp(e)
		if err != nil {
			return out, err
		}
		out.n, out.k, out.t = likeNode{x.n, re, e.Not}, kBool, model.Boolean
		return out, nil
	}
	return out, status.Errorf(status.SemanticError, "unsupported expression %T", e)
}

// compileFilter compiles a WHERE condition, which must be boolean.
func (c *compiler) compileFilter(e ast.Expr) (node, error) {
	f, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	if f.k != kBool && f.k != kNull {
		return nil, status.Errorf(status.SemanticError,
			"The output type of the expression in WHERE clause should be BOOLEAN, actual data type: %s.", f.t)
	}
	return f.n, nil
}

func (c *compiler) literal(l *ast.Literal) (value, model.DataType, error) {
	switch l.Kind {
	case ast.IntLit:
		return value{k: kInt, i: l.Int}, model.Int64, nil
	case ast.FloatLit:
		return value{k: kFloat, f: l.Float}, model.Double, nil
	case ast.StringLit:
		return value{k: kText, s: l.Str}, model.Text, nil
	case ast.BoolLit:
		return boolValue(l.Bool), model.Boolean, nil
	case ast.DateTimeLit:
		t, err := ResolveTime(l, c.opts)
		return value{k: kInt, i: t}, model.Int64, err
	}
	return nullValue, 0, nil
}

// inValue converts one IN list literal to the class of x.
func (c *compiler) inValue(e *ast.In, x compiled, l *ast.Literal) (value, error) {
	v, _, err := c.literal(l)
	if err != nil || x.k == kNull || v.k == kNull {
		return v, err
	}
	switch {
	case x.k == kText:
		if v.k != kText {
			v = value{k: kText, s: literalText(l)}
		}
		return v, nil
	case x.k == kBool && v.k == kText:
		if b, err := strconv.ParseBool(v.s); err == nil {
			return boolValue(b), nil
		}
	case (x.k == kInt || x.k == kFloat) && v.k == kText:
		if f, err := strconv.ParseFloat(v.s, 64); err == nil {
			v = value{k: kFloat, f: f}
		}
	}
	if x.k == kInt && v.k == kFloat && v.f == math.Trunc(v.f) && math.Abs(v.f) < 1<<53 {
		v = value{k: kInt, i: int64(v.f)}
	}
	if x.t == model.Float && x.k == kFloat && v.k == kFloat {
		v.f = float64(float32(v.f))
	}
	if !sameClass(x.k, v.k) {
		return v, status.Errorf(status.SemanticError, "%s: %s cannot be compared with %s of type %s",
			exprString(e), literalText(l), exprString(x.expr), x.t)
	}
	return v, nil
}

// roundToFloat rounds a DOUBLE constant compared with a FLOAT series to
// single precision, so that s = 1.1 finds the FLOAT 1.1 as IoTDB does.
func roundToFloat(c, other compiled) compiled {
	if k, ok := c.n.(constNode); ok && k.v.k == kFloat && other.k == kFloat && other.t == model.Float {
		if _, isCol := other.n.(colNode); isCol {
			k.v.f = float64(float32(k.v.f))
			c.n = k
		}
	}
	return c
}

// sameClass reports whether values of kinds a and b compare with each other.
func sameClass(a, b kind) bool {
	numeric := func(k kind) bool { return k == kInt || k == kFloat }
	return a == b || numeric(a) && numeric(b)
}

func wantNumeric(x compiled) error {
	if x.k == kNull || x.k == kInt || x.k == kFloat {
		return nil
	}
	return typeError(x, numericTypes)
}

func wantKind(x compiled, k kind, expected string) error {
	if x.k == kNull || x.k == k {
		return nil
	}
	return typeError(x, expected)
}

func typeError(x compiled, expected string) error {
	return status.Errorf(status.SemanticError,
		"Invalid input expression data type. expression: %s, actual data type: %s, expected data type(s): %s.",
		exprString(x.expr), x.t, expected)
}

func comparable(e ast.Expr, a, b compiled) error {
	if a.k == kNull || b.k == kNull {
		return nil
	}
	if sameClass(a.k, b.k) {
		return nil
	}
	return status.Errorf(status.SemanticError, "%s: cannot compare %s (%s) with %s (%s)",
		exprString(e), exprString(a.expr), a.t, exprString(b.expr), b.t)
}

// patternRegexp compiles the pattern of LIKE or REGEXP. A REGEXP pattern
// is RE2 syntax, found anywhere in the value (anchor it with ^ and $ to
// match whole values); RE2 refuses the Java forms it lacks (backreferences,
// lookaround, possessive quantifiers) with an error naming them.
func patternRegexp(e *ast.Like) (*regexp.Regexp, error) {
	if !e.Regexp {
		re, err := likeRegexp(e.Pattern)
		if err != nil {
			return nil, status.Errorf(status.SemanticError, "illegal LIKE pattern %q: %v", e.Pattern, err)
		}
		return re, nil
	}
	re, err := regexp.Compile(e.Pattern)
	if err != nil {
		return nil, status.Errorf(status.SemanticError,
			"illegal REGEXP pattern %q: %v (patterns use RE2 syntax, without backreferences or lookaround)", e.Pattern, err)
	}
	return re, nil
}
