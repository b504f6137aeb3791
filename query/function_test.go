package query

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// Expected values are worked out by hand (Java's Math semantics: rint rounds
// half to even, Math.round half up) from testStore.
func TestScalarFunctions(t *testing.T) {
	runCases(t, []queryCase{{
		name:  "abs keeps the type; sign and sqrt are DOUBLE; sqrt of a negative is NaN",
		q:     sqlQ("select abs(s1), sign(s1), sqrt(s1) from root.sg.d1"),
		cols:  []string{"abs(root.sg.d1.s1)", "sign(root.sg.d1.s1)", "sqrt(root.sg.d1.s1)"},
		types: []model.DataType{i32, f64, f64},
		rows:  []string{"1|1|1|1", "2|2|1|1.4142135623730951", "5|5|1|2.23606797749979", "10|10|-1|NaN"},
	}, {
		name: "round with places, ceil, floor; nulls stay null",
		q:    sqlQ("select round(s4, 1), ROUND(s4), round(s1, -1), ceil(s4), floor(s4) from root.sg.d1 where time <= 5"),
		cols: []string{"ROUND(root.sg.d1.s4,1)", "ROUND(root.sg.d1.s4)", "ROUND(root.sg.d1.s1,-1)", "ceil(root.sg.d1.s4)", "floor(root.sg.d1.s4)"},
		rows: []string{"1|0.2|0|0|1|0", "2|null|null|0|null|null", "5|5.5|6|0|6|5"},
	}, {
		name: "trigonometry and logarithms",
		q:    sqlQ("select sin(s4), cos(s4), tan(s4), asin(s4), acos(s4), atan(s4), ln(s4), log10(s4), exp(s4) from root.sg.d1 where time = 1"),
		cols: []string{"sin(root.sg.d1.s4)", "cos(root.sg.d1.s4)", "tan(root.sg.d1.s4)", "asin(root.sg.d1.s4)", "acos(root.sg.d1.s4)",
			"atan(root.sg.d1.s4)", "ln(root.sg.d1.s4)", "log10(root.sg.d1.s4)", "exp(root.sg.d1.s4)"},
		rows: []string{"1|0.24740395925452294|0.9689124217106447|0.25534192122103627|0.25268025514207865|1.318116071652818|0.24497866312686414|-1.3862943611198906|-0.6020599913279624|1.2840254166877414"},
	}, {
		name: "hyperbolic functions, degrees and radians",
		q:    sqlQ("select sinh(s1), cosh(s1), tanh(s1), degrees(s1), radians(s1) from root.sg.d1 where time = 1"),
		cols: []string{"sinh(root.sg.d1.s1)", "cosh(root.sg.d1.s1)", "tanh(root.sg.d1.s1)", "degrees(root.sg.d1.s1)", "radians(root.sg.d1.s1)"},
		rows: []string{"1|1.1752011936438014|1.5430806348152437|0.7615941559557649|57.29577951308232|0.017453292519943295"},
	}, {
		name: "in WHERE",
		q:    sqlQ("select s1 from root.sg.d1 where abs(s1) > 4"),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"5|5", "10|-10"},
	}, {
		name: "ALIGN BY DEVICE",
		q:    sqlQ("select abs(s1) from root.sg.d1, root.sg.d2 align by device"),
		cols: []string{"Device", "abs(s1)"},
		rows: []string{"1|root.sg.d1|1", "2|root.sg.d1|2", "5|root.sg.d1|5", "10|root.sg.d1|10", "2|root.sg.d2|20", "4|root.sg.d2|40"},
	}, {
		name:    "numeric input only",
		q:       sqlQ("select sin(s5) from root.sg.d1"),
		errCode: 701,
		errText: "Input series of Scalar function [SIN] only supports numeric data types [INT32, INT64, FLOAT, DOUBLE]",
	}, {
		name:    "unknown function",
		q:       sqlQ("select foo(s1) from root.sg.d1"),
		errCode: 701,
		errText: "Unknown function: foo",
	}})
}

func TestCast(t *testing.T) {
	runCases(t, []queryCase{{
		name:  "to TEXT, INT32 (half up) and DOUBLE",
		q:     sqlQ("select cast(s1 as TEXT), cast(s4 as INT32), cast(s6 as DOUBLE), cast(s3 as text) from root.sg.d1"),
		cols:  []string{"CAST(root.sg.d1.s1 AS TEXT)", "CAST(root.sg.d1.s4 AS INT32)", "CAST(root.sg.d1.s6 AS DOUBLE)", "CAST(root.sg.d1.s3 AS TEXT)"},
		types: []model.DataType{txt, i32, f64, txt},
		rows:  []string{"1|1|0|1|1.5", "2|2|null|null|null", "3|null|null|0|3.5", "5|5|6|null|null", "10|-10|null|1|null"},
	}, {
		name: "to BOOLEAN, and in WHERE",
		q:    sqlQ("select cast(s1 as boolean) from root.sg.d1 where cast(s1 as int64) < 3"),
		cols: []string{"CAST(root.sg.d1.s1 AS BOOLEAN)"},
		rows: []string{"1|true", "2|true", "10|true"},
	}})
}

func TestCastFailureStopsTheQuery(t *testing.T) {
	for _, q := range []string{
		"select cast(s5 as boolean) from root.sg.d1",
		"select s1 from root.sg.d1 where cast(s5 as int32) > 1",
		"select cast(s2 * 1000000000 as int32) from root.sg.d1",
	} {
		res, err := Execute(context.Background(), testStore(), sqlQ(q).s, testOpts)
		if err != nil {
			t.Fatalf("%s: Execute: %v", q, err)
		}
		_, err = res.Rows.Next(context.Background(), 100)
		res.Rows.Close()
		if status.CodeOf(err) != status.QueryProcessError || !strings.Contains(err.Error(), "cannot be converted") {
			t.Errorf("%s: error %v, want a conversion failure", q, err)
		}
	}
}

// NaN is a value, not a null: it passes through sums and the moments, MIN
// and MAX skip it as Java's comparisons do (unless it comes first), FILL
// leaves it, and CAST to an integer makes it 0 (Math.round).
func TestNaN(t *testing.T) {
	st := newFakeStore().add("root.n.d.v", model.Double, 1, 1.0, 2, math.NaN(), 3, 3.0, 5, -1.0).
		add("root.n.d.w", model.Double, 4, 2.0)
	for _, tc := range []struct{ sql, want string }{
		{"select count(v), min_value(v), max_value(v), sum(v), avg(v), stddev(v) from root.n.d", "4|-1|3|NaN|NaN|NaN"},
		{"select cast(v as int32), sqrt(v) from root.n.d where time = 2", "2|0|NaN"},
		{"select v, w from root.n.d where time <= 4 fill(previous)", "1|1|null 2|NaN|null 3|3|null 4|3|2"},
	} {
		res, err := Execute(context.Background(), st, sqlQ(tc.sql).s, testOpts)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := strings.Join(collect(t, res, 10), " "); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
}
