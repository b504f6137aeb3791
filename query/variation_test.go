package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// varStore has an INT32 series with a gap, a DOUBLE series with NaN and a
// TEXT one; n1 is missing at time 3, where only x has a point.
func varStore() *fakeStore {
	f := newFakeStore()
	f.add("root.v.d.n1", model.Int32, 1, int32(5), 2, int32(2), 4, int32(10), 6, int32(2147483647), 8, int32(-2147483648))
	f.add("root.v.d.f", model.Double, 1, 1.5, 3, 0.5, 5, 0.0/zero(), 7, 2.0)
	f.add("root.v.d.x", model.Int64, 3, int64(0))
	f.add("root.v.d.t", model.Text, 1, "a")
	f.add("root.w.d.n1", model.Int32, 2, int32(1), 3, int32(5))
	return f
}

func zero() float64 { return 0 }

// Expected values are worked out by hand from varStore: the first point
// has no previous one (null), a row where the input is null is null and is
// skipped as a previous point.
func TestSeriesFunctions(t *testing.T) {
	runCasesOn(t, varStore, []queryCase{{
		name:  "diff, difference, non_negative_difference, time_difference over INT32 with a gap and wrap-around",
		q:     sqlQ(`select diff(n1), difference(n1), non_negative_difference(n1), time_difference(n1), x from root.v.d where time != 5 and time != 7`),
		cols:  []string{"diff(root.v.d.n1)", "difference(root.v.d.n1)", "non_negative_difference(root.v.d.n1)", "time_difference(root.v.d.n1)", "root.v.d.x"},
		types: []model.DataType{f64, i32, i32, i64, i64},
		// 8: -2147483648 - 2147483647 is -4294967295 as DOUBLE, wraps to 1
		// in INT32 (Java int arithmetic).
		rows: []string{"1|null|null|null|null|null", "2|-3|-3|3|1|null", "3|null|null|null|null|0", "4|8|8|8|2|null",
			"6|2.147483637e+09|2147483637|2147483637|2|null", "8|-4.294967295e+09|1|1|2|null"},
	}, {
		name: "diff with ignoreNull false: a null forgets the previous value",
		q:    sqlQ(`select n1, diff(n1, 'ignoreNull'='false'), x from root.v.d where time <= 4`),
		cols: []string{"root.v.d.n1", `diff(root.v.d.n1, "ignoreNull"="false")`, "root.v.d.x"},
		rows: []string{"1|5|null|null", "2|2|-3|null", "3|null|null|0", "4|10|null|null"},
	}, {
		name: "derivative and non_negative_derivative per millisecond; NaN propagates",
		q:    sqlQ(`select derivative(f), non_negative_derivative(f) from root.v.d where time != 2 and time != 4 and time < 8`),
		cols: []string{"derivative(root.v.d.f)", "non_negative_derivative(root.v.d.f)"},
		rows: []string{"1|null|null", "3|-0.5|0.5", "5|NaN|NaN", "7|NaN|NaN"},
	}, {
		name:  "on_off, in_range, const, pi and e at the input's points",
		q:     sqlQ(`select on_off(n1, 'threshold'='5'), in_range(n1, 'lower'='2', 'upper'='5'), const(n1, 'value'='1.5', 'type'='FLOAT'), pi(t), e(t) from root.v.d where time <= 2`),
		cols:  []string{`on_off(root.v.d.n1, "threshold"="5")`, `in_range(root.v.d.n1, "lower"="2", "upper"="5")`, `const(root.v.d.n1, "value"="1.5", "type"="FLOAT")`, "pi(root.v.d.t)", "e(root.v.d.t)"},
		types: []model.DataType{bln, bln, f32, f64, f64},
		rows:  []string{"1|true|true|1.5|3.141592653589793|2.718281828459045", "2|false|true|1.5|null|null"},
	}, {
		name: "under ALIGN BY DEVICE each device starts afresh",
		q:    sqlQ(`select difference(n1) from root.v.*, root.w.* where time <= 4 align by device`),
		cols: []string{"Device", "difference(n1)"},
		rows: []string{"1|root.v.d|null", "2|root.v.d|-3", "4|root.v.d|8", "2|root.w.d|null", "3|root.w.d|4"},
	}, {
		name: "empty input: no rows",
		q:    sqlQ(`select diff(n1), derivative(f) from root.v.d where time > 100`),
		cols: []string{"diff(root.v.d.n1)", "derivative(root.v.d.f)"},
	}, {
		name: "refused with ORDER BY TIME DESC", q: sqlQ(`select diff(n1) from root.v.d order by time desc`),
		errCode: 701, errText: "DIFF: can only be used in the select list of a raw query in ascending time order",
	}, {
		name: "refused in WHERE", q: sqlQ(`select n1 from root.v.d where difference(n1) > 0`),
		errCode: 701, errText: "DIFFERENCE: can only be used",
	}, {
		name: "a TEXT input is refused", q: sqlQ(`select derivative(t) from root.v.d`),
		errCode: 701, errText: "DERIVATIVE: input series only supports numeric data types",
	}, {
		name: "a missing attribute", q: sqlQ(`select on_off(n1) from root.v.d`),
		errCode: 701, errText: `attribute "threshold" is required`,
	}, {
		name: "a bad number", q: sqlQ(`select in_range(n1, 'lower'='a', 'upper'='2') from root.v.d`),
		errCode: 701, errText: `attribute "lower" must be a number`,
	}, {
		name: "const value not of its type", q: sqlQ(`select const(n1, 'value'='x', 'type'='INT32') from root.v.d`),
		errCode: 701, errText: `value "x" is not a INT32`,
	}, {
		name: "an unknown attribute", q: sqlQ(`select diff(n1, 'k'='1') from root.v.d`),
		errCode: 701, errText: `unknown attribute "k"`,
	}})
}
