package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// mathFuncs are IoTDB's built-in scalar functions of one numeric argument
// with a DOUBLE result, each as Java's Math computes it.
var mathFuncs = map[string]func(float64) float64{
	"sin":     math.Sin,
	"cos":     math.Cos,
	"tan":     math.Tan,
	"asin":    math.Asin,
	"acos":    math.Acos,
	"atan":    math.Atan,
	"sinh":    math.Sinh,
	"cosh":    math.Cosh,
	"tanh":    math.Tanh,
	"degrees": func(x float64) float64 { return x * (180 / math.Pi) },
	"radians": func(x float64) float64 { return x * (math.Pi / 180) },
	"sign":    signum,
	"ceil":    math.Ceil,
	"floor":   math.Floor,
	"exp":     math.Exp,
	"ln":      math.Log,
	"log10":   math.Log10,
	"sqrt":    math.Sqrt,
}

// isScalarFunc reports whether name is a built-in scalar function.
func isScalarFunc(name string) bool {
	_, ok := mathFuncs[name]
	_, str := stringFuncs[name]
	return ok || str || seriesFuncs[name] || selectionFuncs[name] || name == "abs" || name == "round"
}

// signum is Java's Math.signum: NaN and signed zeros are kept.
func signum(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x
}

// compileScalar compiles a scalar function call.
func (c *compiler) compileScalar(e *ast.Call) (compiled, error) {
	out := compiled{expr: e}
	want := 1
	if e.Name == "round" && len(e.Args) == 2 {
		want = 2
	}
	if len(e.Args) != want {
		return out, status.Errorf(status.SemanticError, "Scalar function [%s] takes %d argument(s), got %d: %s",
			strings.ToUpper(e.Name), want, len(e.Args), exprString(e))
	}
	x, err := c.compile(e.Args[0])
	if err != nil {
		return out, err
	}
	if x.k != kNull && x.k != kInt && x.k != kFloat {
		return out, status.Errorf(status.SemanticError,
			"Input series of Scalar function [%s] only supports numeric data types [INT32, INT64, FLOAT, DOUBLE]",
			strings.ToUpper(e.Name))
	}
	switch e.Name {
	case "abs":
		out.n, out.k, out.t = absNode{x.n}, x.k, x.t
		if x.k == kNull {
			out.k, out.t = kFloat, model.Double
		}
		return out, nil
	case "round":
		places := int64(0)
		if want == 2 {
			lit, ok := e.Args[1].(*ast.Literal)
			if !ok || lit.Kind != ast.IntLit {
				return out, status.Errorf(status.SemanticError, "the places of ROUND must be an integer constant: %s", exprString(e))
			}
			places = lit.Int
		}
		out.n, out.k, out.t = roundNode{x.n, math.Pow(10, float64(places))}, kFloat, model.Double
		return out, nil
	}
	out.n, out.k, out.t = mathNode{mathFuncs[e.Name], x.n}, kFloat, model.Double
	return out, nil
}

type mathNode struct {
	f func(float64) float64
	x node
}

func (n mathNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return v
	}
	return value{k: kFloat, f: n.f(v.num())}
}

// absNode keeps its input's type; the most negative integer stays itself,
// as in Java.
type absNode struct{ x node }

func (n absNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	switch v.k {
	case kInt:
		if v.i < 0 {
			v.i = -v.i
		}
	case kFloat:
		v.f = math.Abs(v.f)
	}
	return v
}

// roundNode is IoTDB's ROUND: Math.rint(x * 10^places) / 10^places.
type roundNode struct {
	x     node
	scale float64
}

func (n roundNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return v
	}
	return value{k: kFloat, f: math.RoundToEven(v.num()*n.scale) / n.scale}
}

// compileCast compiles CAST(x AS type).
func (c *compiler) compileCast(e *ast.Cast) (compiled, error) {
	out := compiled{expr: e}
	x, err := c.compile(e.X)
	if err != nil {
		return out, err
	}
	out.n, out.k, out.t = castNode{x: x.n, from: x.t, to: e.Type}, kindOf(e.Type), e.Type
	return out, nil
}

// castNode converts by IoTDB's table: reals to integers round half up
// (Math.round) and must be in range, numbers to BOOLEAN are != 0, TEXT
// parses, anything to TEXT prints as Java does. A value that does not
// convert fails the query.
type castNode struct {
	x    node
	from model.DataType
	to   model.DataType
}

func (n castNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return v
	}
	out, err := castValue(v, n.from, n.to)
	if err != nil && r.err == nil {
		r.err = err
	}
	return out
}

func castValue(v value, from, to model.DataType) (value, error) {
	switch to {
	case model.Text:
		switch v.k {
		case kText:
			return v, nil
		case kFloat:
			bits := 64
			if from == model.Float {
				bits = 32
			}
			return value{k: kText, s: model.FormatFloat(v.f, bits)}, nil
		}
		return value{k: kText, s: formatValue(v, from)}, nil
	case model.Boolean:
		switch v.k {
		case kBool:
			return v, nil
		case kInt:
			return boolValue(v.i != 0), nil
		case kFloat:
			return boolValue(v.f != 0), nil
		}
		switch strings.ToLower(v.s) {
		case "true":
			return boolValue(true), nil
		case "false":
			return boolValue(false), nil
		}
		return nullValue, castError(v.s, to)
	case model.Int32, model.Int64:
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if to == model.Int64 {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		switch v.k {
		case kBool:
			if v.b {
				return value{k: kInt, i: 1}, nil
			}
			return value{k: kInt, i: 0}, nil
		case kInt:
			if v.i < lo || v.i > hi {
				return nullValue, castError(strconv.FormatInt(v.i, 10), to)
			}
			return v, nil
		case kFloat:
			if v.f > float64(hi) || v.f < float64(lo) {
				return nullValue, castError(model.FormatFloat(v.f, 64), to)
			}
			if math.IsNaN(v.f) {
				return value{k: kInt}, nil // Math.round(NaN) is 0
			}
			r := math.Floor(v.f + 0.5)
			if r >= float64(hi) {
				return value{k: kInt, i: hi}, nil
			}
			return value{k: kInt, i: int64(r)}, nil
		}
		bits := 32
		if to == model.Int64 {
			bits = 64
		}
		i, err := strconv.ParseInt(v.s, 10, bits)
		if err != nil {
			return nullValue, castError(v.s, to)
		}
		return value{k: kInt, i: i}, nil
	case model.Float, model.Double:
		switch v.k {
		case kBool:
			if v.b {
				return value{k: kFloat, f: 1}, nil
			}
			return value{k: kFloat, f: 0}, nil
		case kInt:
			return value{k: kFloat, f: float64(v.i)}, nil
		case kFloat:
			if to == model.Float && !math.IsInf(v.f, 0) && !math.IsNaN(v.f) && math.Abs(v.f) > math.MaxFloat32 {
				return nullValue, castError(model.FormatFloat(v.f, 64), to)
			}
			return v, nil
		}
		bits := 64
		if to == model.Float {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), bits)
		if err != nil {
			return nullValue, castError(v.s, to)
		}
		return value{k: kFloat, f: f}, nil
	}
	return nullValue, castError(v.s, to)
}

func castError(v string, to model.DataType) error {
	return status.Errorf(status.QueryProcessError, "CAST: %s cannot be converted to %s", v, to)
}
