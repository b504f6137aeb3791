package query

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// selectionFuncs are IoTDB 1.3's built-in functions that choose points of
// a whole series: TOP_K and BOTTOM_K keep the k largest (smallest) values,
// and the continuous-interval functions give, at the first point of each
// run of zeros (or of non-zeros), the run's duration or number of points.
// Their input is read once on its own, under the query's WHERE, before
// the query's rows; a row where none of the query's columns has a value is
// then left out, so that only the chosen points show.
var selectionFuncs = map[string]bool{
	"top_k": true, "bottom_k": true,
	"zero_duration": true, "non_zero_duration": true, "zero_count": true, "non_zero_count": true,
	"m4": true, "equal_size_bucket_agg_sample": true, "equal_size_bucket_m4_sample": true,
	"change_points": true,
}

// seriesPoints reads the points of one series that a query's WHERE admits,
// in time order.
type seriesPoints func(p model.Path) ([]int64, []value, error)

// compileSelection compiles a call of one of selectionFuncs.
func (c *compiler) compileSelection(e *ast.Call) (compiled, error) {
	out := compiled{expr: e}
	inputs, keys, attrs, err := attributes(e)
	if err != nil {
		return out, err
	}
	s := &fnCall{e: e, name: strings.ToUpper(e.Name), inputs: inputs, keys: keys, attrs: attrs}
	if err := s.wantInputs(1, 1); err != nil {
		return out, err
	}
	p, ok := inputs[0].(*ast.PathExpr)
	if !ok {
		return out, s.fail("takes a series, not an expression: %s", exprString(e))
	}
	if c.points == nil {
		return out, s.fail("can only be used in the select list of a raw query without ALIGN BY DEVICE: %s", exprString(e))
	}
	x, err := c.compile(p)
	if err != nil {
		return out, err
	}
	var choose func([]int64, []value) map[int64]value
	switch e.Name {
	case "top_k", "bottom_k":
		if err := s.onlyAttrs(func(k string) bool { return k == "k" }); err != nil {
			return out, err
		}
		k, err := s.intAttr("k", 0)
		if err == nil && (k < 1 || k > 1000) {
			err = s.fail("attribute \"k\" must be in [1, 1000], got %d", k)
		}
		if _, ok := attrs["k"]; !ok {
			err = s.fail("attribute %q is required: %s", "k", exprString(e))
		}
		if err != nil {
			return out, err
		}
		if err := s.wantInput(x, "data types [INT32, INT64, FLOAT, DOUBLE, TEXT]", kInt, kFloat, kText); err != nil {
			return out, err
		}
		top := e.Name == "top_k"
		choose = func(ts []int64, vs []value) map[int64]value { return extremes(ts, vs, k, top) }
		out.k, out.t = x.k, x.t
	case "equal_size_bucket_agg_sample", "equal_size_bucket_m4_sample":
		if err := s.wantInput(x, "numeric data types "+numericTypes, kInt, kFloat); err != nil {
			return out, err
		}
		b, err := bucketSpec(s)
		if err != nil {
			return out, err
		}
		choose, out.k, out.t = b.choose, x.k, x.t
		if b.agg != "" {
			out.k, out.t = kFloat, model.Double
		}
	case "change_points":
		if err := s.onlyAttrs(func(string) bool { return false }); err != nil {
			return out, err
		}
		choose, out.k, out.t = changePoints, x.k, x.t
	case "m4":
		if err := s.wantInput(x, "numeric data types "+numericTypes, kInt, kFloat); err != nil {
			return out, err
		}
		w, err := m4Windows(s)
		if err != nil {
			return out, err
		}
		choose = w.choose
		out.k, out.t = x.k, x.t
	default:
		if err := s.onlyAttrs(func(k string) bool { return k == "min" || k == "max" }); err != nil {
			return out, err
		}
		lo, hi, err := boundAttrs(s, e.Name == "zero_count" || e.Name == "non_zero_count")
		if err != nil {
			return out, err
		}
		if err := s.wantInput(x, "data types [INT32, INT64, FLOAT, DOUBLE, BOOLEAN]", kInt, kFloat, kBool); err != nil {
			return out, err
		}
		zero := strings.HasPrefix(e.Name, "zero")
		count := strings.HasSuffix(e.Name, "count")
		choose = func(ts []int64, vs []value) map[int64]value { return runs(ts, vs, zero, count, lo, hi) }
		out.k, out.t = kInt, model.Int64
	}
	ts, vs, err := c.points(p.Path)
	if err != nil {
		return out, err
	}
	if x.k == kNull {
		out.k, out.t = kFloat, model.Double
	}
	out.n = chosenNode{chosen: choose(ts, vs)}
	c.selects = true
	return out, nil
}

// boundAttrs reads min and max, the bounds on a run's length (count) or
// duration; a count's min defaults to 1, a duration's to 0.
func boundAttrs(s *fnCall, count bool) (int64, int64, error) {
	lo, hi := int64(0), int64(math.MaxInt64)
	if count {
		lo = 1
	}
	for _, b := range []struct {
		key string
		dst *int64
	}{{"min", &lo}, {"max", &hi}} {
		key, dst := b.key, b.dst
		if v, ok := s.attrs[key]; ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return 0, 0, s.fail("attribute %q must be a non-negative integer, got %q", key, v)
			}
			*dst = n
		}
	}
	if lo > hi {
		return 0, 0, s.fail("min %d is above max %d", lo, hi)
	}
	return lo, hi, nil
}

// extremes keeps the k largest (top) or smallest values; of equal values
// the earlier point is kept.
func extremes(ts []int64, vs []value, k int, top bool) map[int64]value {
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		c := compareValues(vs[idx[a]], vs[idx[b]])
		if top {
			return c > 0
		}
		return c < 0
	})
	out := make(map[int64]value, min(k, len(idx)))
	for _, i := range idx[:min(k, len(idx))] {
		out[ts[i]] = vs[i]
	}
	return out
}

// runs finds the runs of consecutive zero (false) or non-zero values and
// gives, at each run's first point, its number of points (count) or its
// duration (last time - first time), when that is within [lo, hi]. NaN is
// not zero.
func runs(ts []int64, vs []value, zero, count bool, lo, hi int64) map[int64]value {
	out := map[int64]value{}
	for i := 0; i < len(ts); {
		if isZero(vs[i]) != zero {
			i++
			continue
		}
		j := i
		for j+1 < len(ts) && isZero(vs[j+1]) == zero {
			j++
		}
		n := int64(j - i + 1)
		if !count {
			n = ts[j] - ts[i]
		}
		if n >= lo && n <= hi {
			out[ts[i]] = value{k: kInt, i: n}
		}
		i = j + 1
	}
	return out
}

func isZero(v value) bool {
	switch v.k {
	case kBool:
		return !v.b
	case kInt:
		return v.i == 0
	}
	return v.f == 0
}

// changePoints keeps the first point and every point whose value differs
// from the one before (NaN differs from everything, itself included, as in
// Java's comparison of doubles).
func changePoints(ts []int64, vs []value) map[int64]value {
	out := map[int64]value{}
	for i := range ts {
		if i == 0 || !sameValue(vs[i], vs[i-1]) {
			out[ts[i]] = vs[i]
		}
	}
	return out
}

func sameValue(a, b value) bool {
	switch a.k {
	case kBool:
		return a.b == b.b
	case kInt:
		return a.i == b.i
	case kText:
		return a.s == b.s
	}
	return a.f == b.f
}

// chosenNode is the chosen value at a row's time, null elsewhere.
type chosenNode struct{ chosen map[int64]value }

func (n chosenNode) eval(r *rowCtx) value {
	if v, ok := n.chosen[r.t]; ok {
		return v
	}
	return nullValue
}

// seriesPoints returns, for the select list of x's raw query, the points
// of series p that the query's WHERE admits: p read on its own with the
// query's FROM and WHERE.
func (x *executor) seriesPoints(p model.Path) ([]int64, []value, error) {
	sub := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: p}}}, From: x.sel.From, Where: x.sel.Where,
		Limit: -1, SLimit: -1}
	res, err := Execute(x.res.ctx, x.st, sub, x.opts)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = res.Rows.Close() }()
	var ts []int64
	var vs []value
	for {
		b, err := res.Rows.Next(x.res.ctx, scanChunk)
		if err != nil {
			return nil, nil, err
		}
		if b == nil {
			return ts, vs, nil
		}
		for i, t := range b.Times {
			if len(b.Columns) == 0 || b.Columns[0].IsNull(i) {
				continue
			}
			ts = append(ts, t)
			vs = append(vs, colValue(&b.Columns[0], i))
		}
	}
}
