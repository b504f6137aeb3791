package query

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// seriesFuncs are IoTDB 1.3's built-in functions that read a series point
// after point, comparing each with the one before (the variation functions)
// or mapping it under attributes (the conditional and constant ones). A
// row where the input is null gives null and does not count as a point.
var seriesFuncs = map[string]bool{
	"diff": true, "difference": true, "non_negative_difference": true,
	"derivative": true, "non_negative_derivative": true, "time_difference": true,
	"on_off": true, "in_range": true, "const": true, "pi": true, "e": true,
}

// statefulFuncs are those of seriesFuncs that remember the previous point,
// so they must see the rows once each in ascending time order: in the
// select list of a raw query without ORDER BY TIME DESC.
var statefulFuncs = map[string]bool{
	"diff": true, "difference": true, "non_negative_difference": true,
	"derivative": true, "non_negative_derivative": true, "time_difference": true,
}

// compileSeriesFunc compiles a call of one of seriesFuncs.
func (c *compiler) compileSeriesFunc(e *ast.Call) (compiled, error) {
	out := compiled{expr: e}
	inputs, keys, attrs, err := attributes(e)
	if err != nil {
		return out, err
	}
	s := &fnCall{e: e, name: strings.ToUpper(e.Name), inputs: inputs, keys: keys, attrs: attrs}
	if err := s.onlyAttrs(func(k string) bool { return slices.Contains(allowedAttrs[e.Name], k) }); err != nil {
		return out, err
	}
	if err := s.wantInputs(1, 1); err != nil {
		return out, err
	}
	if statefulFuncs[e.Name] && !c.seriesOrdered {
		return out, s.fail("can only be used in the select list of a raw query in ascending time order (not in WHERE, HAVING, aggregations or with ORDER BY TIME DESC): %s", exprString(e))
	}
	x, err := c.compile(inputs[0])
	if err != nil {
		return out, err
	}
	numeric := func() error { return s.wantInput(x, "numeric data types "+numericTypes, kInt, kFloat) }
	switch e.Name {
	case "diff":
		ignoreNull := true
		if v, ok := attrs["ignoreNull"]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return out, s.fail("attribute %q must be true or false, got %q", "ignoreNull", v)
			}
			ignoreNull = b
		}
		out.n, out.k, out.t = &diffNode{x: x.n, ignoreNull: ignoreNull}, kFloat, model.Double
		return out, numeric()
	case "difference", "non_negative_difference":
		t := x.t
		if x.k == kNull {
			t = model.Double
		}
		out.n, out.k, out.t = &deltaNode{x: x.n, abs: e.Name != "difference", t: t}, kindOf(t), t
		return out, numeric()
	case "derivative", "non_negative_derivative":
		out.n, out.k, out.t = &deltaNode{x: x.n, abs: e.Name != "derivative", perTime: true}, kFloat, model.Double
		return out, numeric()
	case "time_difference":
		out.n, out.k, out.t = &deltaNode{x: x.n, timeOnly: true}, kInt, model.Int64
		return out, nil
	case "on_off":
		th, err := floatAttr(s, "threshold")
		if err != nil {
			return out, err
		}
		out.n, out.k, out.t = mapNode{x.n, func(v value) value { return boolValue(v.num() >= th) }}, kBool, model.Boolean
		return out, numeric()
	case "in_range":
		lo, err := floatAttr(s, "lower")
		if err != nil {
			return out, err
		}
		hi, err := floatAttr(s, "upper")
		if err != nil {
			return out, err
		}
		if lo > hi {
			return out, s.fail("lower %v is above upper %v", lo, hi)
		}
		out.n, out.k, out.t = mapNode{x.n, func(v value) value { return boolValue(v.num() >= lo && v.num() <= hi) }}, kBool, model.Boolean
		return out, numeric()
	case "pi", "e":
		k := math.Pi
		if e.Name == "e" {
			k = math.E
		}
		out.n, out.k, out.t = mapNode{x.n, func(value) value { return value{k: kFloat, f: k} }}, kFloat, model.Double
		return out, nil
	}
	return c.compileConst(s, x) // const
}

// allowedAttrs are the attributes each series function takes.
var allowedAttrs = map[string][]string{
	"diff": {"ignoreNull"}, "on_off": {"threshold"}, "in_range": {"lower", "upper"}, "const": {"value", "type"},
}

// floatAttr reads a required numeric attribute.
func floatAttr(s *fnCall, key string) (float64, error) {
	v, err := s.attr(key, "", true)
	if err != nil {
		return 0, err
	}
	f, perr := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if perr != nil || math.IsNaN(f) {
		return 0, s.fail("attribute %q must be a number, got %q", key, v)
	}
	return f, nil
}

// compileConst is const(x, 'value'='v', 'type'='T'): v, of type T, at every
// point of x.
func (c *compiler) compileConst(s *fnCall, x compiled) (compiled, error) {
	out := compiled{expr: s.e}
	raw, err := s.attr("value", "", true)
	if err != nil {
		return out, err
	}
	tn, err := s.attr("type", "", true)
	if err != nil {
		return out, err
	}
	t, terr := model.ParseDataType(tn)
	if terr != nil {
		return out, s.fail("unknown type %q: it must be one of BOOLEAN, INT32, INT64, FLOAT, DOUBLE, TEXT", tn)
	}
	v, cerr := castValue(value{k: kText, s: raw}, model.Text, t)
	if cerr != nil {
		return out, s.fail("value %q is not a %s", raw, t)
	}
	out.n, out.k, out.t = mapNode{x.n, func(value) value { return v }}, kindOf(t), t
	return out, nil
}

// mapNode maps each non-null value of x.
type mapNode struct {
	x node
	f func(value) value
}

func (n mapNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return v
	}
	return n.f(v)
}

// diffNode is DIFF: the value minus the previous one, as DOUBLE; null at
// the first point. With ignoreNull false a null also forgets the previous
// value, so the point after it is null too.
type diffNode struct {
	x          node
	ignoreNull bool
	prev       float64
	has        bool
}

func (n *diffNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		if !n.ignoreNull {
			n.has = false
		}
		return nullValue
	}
	out := nullValue
	if n.has {
		out = value{k: kFloat, f: v.num() - n.prev}
	}
	n.prev, n.has = v.num(), true
	return out
}

// deltaNode compares each point of x with the previous one: DIFFERENCE
// (in the input's type, wrapping as Java's int arithmetic does), its
// absolute value, DERIVATIVE (per millisecond, DOUBLE), its absolute value,
// or TIME_DIFFERENCE (INT64). The first point has none.
type deltaNode struct {
	x                 node
	abs               bool
	perTime, timeOnly bool
	t                 model.DataType // DIFFERENCE's result type
	prev              value
	prevT             int64
	has               bool
}

func (n *deltaNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return nullValue
	}
	prev, prevT, had := n.prev, n.prevT, n.has
	n.prev, n.prevT, n.has = v, r.t, true
	if !had {
		return nullValue
	}
	switch {
	case n.timeOnly:
		return value{k: kInt, i: r.t - prevT}
	case n.perTime:
		d := (v.num() - prev.num()) / float64(r.t-prevT)
		if n.abs {
			d = math.Abs(d)
		}
		return value{k: kFloat, f: d}
	case v.k == kInt:
		d := v.i - prev.i
		if n.t == model.Int32 {
			d = int64(int32(d))
		}
		if n.abs && d < 0 {
			d = -d
			if n.t == model.Int32 {
				d = int64(int32(d))
			}
		}
		return value{k: kInt, i: d}
	}
	d := v.f - prev.f
	if n.t == model.Float {
		d = float64(float32(v.f) - float32(prev.f))
	}
	if n.abs {
		d = math.Abs(d)
	}
	return value{k: kFloat, f: d}
}
