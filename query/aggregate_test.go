package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestAggregate(t *testing.T) {
	all := []string{"count", "sum", "avg", "min_value", "max_value", "first_value", "last_value", "min_time", "max_time", "extreme"}
	items := func(path string) []ast.Expr {
		var out []ast.Expr
		for _, f := range all {
			out = append(out, fn(f, col(path)))
		}
		return out
	}
	names := func(path string) []string {
		var out []string
		for _, f := range all {
			out = append(out, f+"("+path+")")
		}
		return out
	}
	runCases(t, []queryCase{{
		name:   "every aggregation of an INT32",
		q:      sel(items("s1")...).from("root.sg.d1"),
		cols:   names("root.sg.d1.s1"),
		types:  []model.DataType{i64, f64, f64, i32, i32, i32, i32, i64, i64, i32},
		noTime: true,
		rows:   []string{"4|-2|-0.5|-10|5|1|-10|1|10|-10"},
	}, {
		name:   "every aggregation of a FLOAT",
		q:      sel(items("s3")...).from("root.sg.d1"),
		cols:   names("root.sg.d1.s3"),
		types:  []model.DataType{i64, f64, f64, f32, f32, f32, f32, i64, i64, f32},
		noTime: true,
		rows:   []string{"2|5|2.5|1.5|3.5|1.5|3.5|1|3|3.5"},
	}, {
		name:   "count(*) counts every series",
		q:      sel(fn("count", col("*"))).from("root.sg.d1"),
		cols:   []string{"count(root.sg.d1.s1)", "count(root.sg.d1.s2)", "count(root.sg.d1.s3)", "count(root.sg.d1.s4)", "count(root.sg.d1.s5)", "count(root.sg.d1.s6)"},
		noTime: true,
		rows:   []string{"4|3|2|2|3|3"},
	}, {
		name:   "first and last of TEXT and BOOLEAN",
		q:      sel(fn("first_value", col("s5")), fn("last_value", col("s5")), fn("first_value", col("s6")), fn("last_value", col("s6"))).from("root.sg.d1"),
		cols:   []string{"first_value(root.sg.d1.s5)", "last_value(root.sg.d1.s5)", "first_value(root.sg.d1.s6)", "last_value(root.sg.d1.s6)"},
		types:  []model.DataType{txt, txt, bln, bln},
		noTime: true,
		rows:   []string{"a|abc|true|true"},
	}, {
		name:   "no points: count 0, others null",
		q:      sel(fn("count", col("s1")), fn("avg", col("s1")), fn("first_value", col("s1"))).from("root.sg.d3"),
		cols:   []string{"count(root.sg.d3.s1)", "avg(root.sg.d3.s1)", "first_value(root.sg.d3.s1)"},
		noTime: true,
		rows:   []string{"0|null|null"},
	}, {
		name:   "time range from statistics",
		q:      sel(fn("count", col("s1")), fn("sum", col("s1"))).from("root.sg.d1").where(bin(timeCol(), ">", num(1))),
		cols:   []string{"count(root.sg.d1.s1)", "sum(root.sg.d1.s1)"},
		noTime: true,
		rows:   []string{"3|-3"},
	}, {
		name:   "time set of two intervals",
		q:      sel(fn("count", col("s1")), fn("max_value", col("s1"))).from("root.sg.d1").where(bin(timeCol(), "!=", num(5))),
		cols:   []string{"count(root.sg.d1.s1)", "max_value(root.sg.d1.s1)"},
		noTime: true,
		rows:   []string{"3|2"},
	}, {
		name:   "value predicate scans",
		q:      sel(fn("count", col("s1")), fn("count", col("s2"))).from("root.sg.d1").where(bin(col("s2"), ">", num(20))),
		cols:   []string{"count(root.sg.d1.s1)", "count(root.sg.d1.s2)"},
		noTime: true,
		rows:   []string{"1|2"},
	}, {
		name:   "aggregation over devices",
		q:      sel(fn("sum", col("s1"))).from("root.sg.*"),
		cols:   []string{"sum(root.sg.d1.s1)", "sum(root.sg.d2.s1)", "sum(root.sg.d3.s1)"},
		noTime: true,
		rows:   []string{"-2|60|null"},
	}, {
		name:   "alias and SLIMIT",
		q:      sel(fn("count", col("*"))).from("root.sg.d1").slimit(1, 4),
		cols:   []string{"count(root.sg.d1.s5)"},
		noTime: true,
		rows:   []string{"3"},
	}, {
		name:   "OFFSET skips the single row",
		q:      sel(fn("count", col("s1"))).from("root.sg.d1").limit(-1, 1),
		cols:   []string{"count(root.sg.d1.s1)"},
		noTime: true,
	}, {
		name: "no series: empty result",
		q:    sel(fn("count", col("nope"))).from("root.sg.d1"),
		cols: []string{},
	}, {
		name:    "SUM of TEXT",
		q:       sel(fn("sum", col("s5"))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "[SUM] only support numeric data types [INT32, INT64, FLOAT, DOUBLE]: root.sg.d1.s5 is TEXT",
	}, {
		name:    "AVG of BOOLEAN",
		q:       sel(fn("avg", col("s6"))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "AVG",
	}, {
		name:    "MAX_VALUE of TEXT",
		q:       sel(fn("max_value", col("s5"))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "MAX_VALUE",
	}, {
		name:    "raw and aggregation mixed",
		q:       sel(col("s1"), fn("count", col("s2"))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "hybrid",
	}, {
		name:    "aggregation over an expression",
		q:       sel(fn("sum", bin(col("s1"), "+", num(1)))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "sum(s1 + 1)",
	}})
}
