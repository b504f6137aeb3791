package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestRaw(t *testing.T) {
	d1all := []string{"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s3", "root.sg.d1.s4", "root.sg.d1.s5", "root.sg.d1.s6"}
	runCases(t, []queryCase{{
		name:  "one series",
		q:     sel(col("s1")).from("root.sg.d1"),
		cols:  []string{"root.sg.d1.s1"},
		types: []model.DataType{i32},
		rows:  []string{"1|1", "2|2", "5|5", "10|-10"},
	}, {
		name:  "star: all six types, outer join with nulls",
		q:     sel(col("*")).from("root.sg.d1"),
		cols:  d1all,
		types: []model.DataType{i32, i64, f32, f64, txt, bln},
		rows: []string{
			"1|1|10|1.5|0.25|a|true",
			"2|2|null|null|null|b|null",
			"3|null|30|3.5|null|null|false",
			"5|5|50|null|5.5|abc|null",
			"10|-10|null|null|null|null|true",
		},
	}, {
		name: "wildcard device, series without points keeps its column",
		q:    sel(col("s1")).from("root.sg.*"),
		cols: []string{"root.sg.d1.s1", "root.sg.d2.s1", "root.sg.d3.s1"},
		rows: []string{"1|1|null|null", "2|2|20|null", "4|null|40|null", "5|5|null|null", "10|-10|null|null"},
	}, {
		name: "double star from root",
		q:    sel(col("**")).from("root").where(bin(timeCol(), ">=", num(7))),
		cols: append([]string{"root.other.d9.x"}, append(d1all, "root.sg.d2.s1", "root.sg.d2.s2", "root.sg.d3.s1")...),
		rows: []string{"7|70|null|null|null|null|null|null|null|null|null", "10|null|-10|null|null|null|null|true|null|null|null"},
	}, {
		name: "time range",
		q:    sel(col("s1")).from("root.sg.d1").where(and(bin(timeCol(), ">=", num(2)), bin(timeCol(), "<", num(10)))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"2|2", "5|5"},
	}, {
		name: "time written as date-time and now()",
		q: sel(col("s1")).from("root.sg.d1").where(and(
			bin(timeCol(), ">=", dt("1970-01-01T00:00:00.002Z")), bin(timeCol(), "<", fn("now")))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"2|2"},
	}, {
		name: "value predicates joined by AND",
		q:    sel(col("s1"), col("s2")).from("root.sg.d1").where(and(bin(col("s1"), ">", num(1)), bin(col("s2"), ">", num(20)))),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"5|5|50"},
	}, {
		name: "a predicate on a null is false",
		q:    sel(col("s1")).from("root.sg.d1").where(bin(col("s2"), "<", num(100))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"1|1", "5|5"},
	}, {
		name: "IS NULL",
		q:    sel(col("s1"), col("s2")).from("root.sg.d1").where(&ast.IsNull{X: col("s1")}),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"3|null|30"},
	}, {
		name: "IS NOT NULL",
		q:    sel(col("s3")).from("root.sg.d1").where(&ast.IsNull{X: col("s3"), Not: true}),
		cols: []string{"root.sg.d1.s3"},
		rows: []string{"1|1.5", "3|3.5"},
	}, {
		name: "BETWEEN",
		q:    sel(col("s1")).from("root.sg.d1").where(&ast.Between{X: col("s1"), Lo: num(2), Hi: num(5)}),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"2|2", "5|5"},
	}, {
		name: "NOT BETWEEN on a double",
		q:    sel(col("s4")).from("root.sg.d1").where(&ast.Between{X: col("s4"), Lo: num(0), Hi: num(1), Not: true}),
		cols: []string{"root.sg.d1.s4"},
		rows: []string{"5|5.5"},
	}, {
		name: "IN",
		q:    sel(col("s1")).from("root.sg.d1").where(&ast.In{X: col("s1"), List: []*ast.Literal{num(1), num(5)}}),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"1|1", "5|5"},
	}, {
		name: "NOT IN on text",
		q:    sel(col("s5")).from("root.sg.d1").where(&ast.In{X: col("s5"), List: []*ast.Literal{str("a")}, Not: true}),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"2|b", "5|abc"},
	}, {
		name: "LIKE",
		q:    sel(col("s5")).from("root.sg.d1").where(&ast.Like{X: col("s5"), Pattern: "a%"}),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"1|a", "5|abc"},
	}, {
		name: "NOT LIKE with _",
		q:    sel(col("s5")).from("root.sg.d1").where(&ast.Like{X: col("s5"), Pattern: "_", Not: true}),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"5|abc"},
	}, {
		name: "arithmetic in the condition",
		q:    sel(col("s1")).from("root.sg.d1").where(bin(bin(col("s1"), "+", num(1)), ">", num(5))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"5|5"},
	}, {
		name: "FLOAT equals a decimal constant",
		q:    sel(col("s3")).from("root.sg.d1").where(bin(col("s3"), "=", flt(3.5))),
		cols: []string{"root.sg.d1.s3"},
		rows: []string{"3|3.5"},
	}, {
		name: "boolean equality",
		q:    sel(col("s6")).from("root.sg.d1").where(bin(col("s6"), "=", boolean(false))),
		cols: []string{"root.sg.d1.s6"},
		rows: []string{"3|false"},
	}, {
		name: "time OR value",
		q:    sel(col("s1")).from("root.sg.d1").where(bin(bin(timeCol(), "=", num(2)), "OR", bin(col("s2"), "=", num(50)))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"2|2", "5|5"},
	}, {
		name: "NOT on time",
		q:    sel(col("s1")).from("root.sg.d1").where(&ast.Unary{Op: "NOT", X: bin(timeCol(), "<", num(5))}),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"5|5", "10|-10"},
	}, {
		name: "NOT of a predicate on a null stays false",
		q:    sel(col("s1"), col("s2")).from("root.sg.d1").where(&ast.Unary{Op: "NOT", X: bin(col("s2"), ">", num(20))}),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"1|1|10"},
	}, {
		name: "time != splits the range",
		q:    sel(col("s1")).from("root.sg.d1").where(bin(timeCol(), "!=", num(5))),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"1|1", "2|2", "10|-10"},
	}, {
		name: "rows of a series read by the condition only are not returned",
		q:    sel(col("s5")).from("root.sg.d1").where(bin(col("s6"), "=", boolean(true))),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"1|a"},
	}, {
		name:  "arithmetic columns are DOUBLE and named like IoTDB",
		q:     sel(bin(col("s1"), "+", num(1)), bin(col("s1"), "*", col("s2")), &ast.Unary{Op: "-", X: col("s1")}).from("root.sg.d1"),
		cols:  []string{"root.sg.d1.s1 + 1", "root.sg.d1.s1 * root.sg.d1.s2", "-root.sg.d1.s1"},
		types: []model.DataType{f64, f64, i32},
		rows:  []string{"1|2|10|-1", "2|3|null|-2", "3|null|null|null", "5|6|250|-5", "10|-9|null|10"},
	}, {
		name:  "comparison as a column",
		q:     sel(bin(col("s1"), ">", num(1))).from("root.sg.d1"),
		cols:  []string{"root.sg.d1.s1 > 1"},
		types: []model.DataType{bln},
		rows:  []string{"1|false", "2|true", "5|true", "10|false"},
	}, {
		name: "expression over two devices expands to their product",
		q:    sel(bin(col("s1"), "+", col("s2"))).from("root.sg.d1", "root.sg.d2").where(bin(timeCol(), "=", num(4))),
		cols: []string{"root.sg.d1.s1 + root.sg.d1.s2", "root.sg.d1.s1 + root.sg.d2.s2", "root.sg.d2.s1 + root.sg.d1.s2", "root.sg.d2.s1 + root.sg.d2.s2"},
		rows: []string{"4|null|null|null|440"},
	}, {
		name: "several FROM prefixes",
		q:    sel(col("s1")).from("root.sg.d2", "root.sg.d1").where(bin(timeCol(), "<=", num(2))),
		cols: []string{"root.sg.d2.s1", "root.sg.d1.s1"},
		rows: []string{"1|null|1", "2|20|2"},
	}, {
		name: "overlapping prefixes give each series once",
		q:    sel(col("s1")).from("root.sg.d1", "root.sg.*").where(bin(timeCol(), "=", num(2))),
		cols: []string{"root.sg.d1.s1", "root.sg.d2.s1", "root.sg.d3.s1"},
		rows: []string{"2|2|20|null"},
	}, {
		name: "full path in the select list",
		q:    sel(col("root.sg.d2.s2")).from("root.sg.d1"),
		cols: []string{"root.sg.d2.s2"},
		rows: []string{"4|400", "6|600"},
	}, {
		name: "a column asked twice comes twice",
		q:    sel(col("s4"), col("s4")).from("root.sg.d1"),
		cols: []string{"root.sg.d1.s4", "root.sg.d1.s4"},
		rows: []string{"1|0.25|0.25", "5|5.5|5.5"},
	}, {
		name: "alias",
		q:    sel(col("s4")).as("temperature").from("root.sg.d1"),
		cols: []string{"temperature"},
		rows: []string{"1|0.25", "5|5.5"},
	}, {
		name:    "alias of several series",
		q:       sel(col("*")).as("a").from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "alias 'a'",
	}, {
		name: "ORDER BY TIME DESC",
		q:    sel(col("s1"), col("s6")).from("root.sg.d1").desc(),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s6"},
		rows: []string{"10|-10|true", "5|5|null", "3|null|false", "2|2|null", "1|1|true"},
	}, {
		name: "LIMIT and OFFSET",
		q:    sel(col("s1")).from("root.sg.d1").limit(2, 1),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"2|2", "5|5"},
	}, {
		name: "LIMIT with DESC",
		q:    sel(col("s1")).from("root.sg.d1").limit(2, 0).desc(),
		cols: []string{"root.sg.d1.s1"},
		rows: []string{"10|-10", "5|5"},
	}, {
		name: "OFFSET past the end",
		q:    sel(col("s1")).from("root.sg.d1").limit(-1, 10),
		cols: []string{"root.sg.d1.s1"},
	}, {
		name: "SLIMIT and SOFFSET",
		q:    sel(col("*")).from("root.sg.d1").slimit(2, 1).where(bin(timeCol(), "<=", num(3))),
		cols: []string{"root.sg.d1.s2", "root.sg.d1.s3"},
		rows: []string{"1|10|1.5", "3|30|3.5"},
	}, {
		name: "no series: empty result",
		q:    sel(col("nope")).from("root.sg.d1"),
		cols: []string{},
	}, {
		name: "empty time range",
		q:    sel(col("s1")).from("root.sg.d1").where(and(bin(timeCol(), ">", num(5)), bin(timeCol(), "<", num(3)))),
		cols: []string{"root.sg.d1.s1"},
	}, {
		name:    "arithmetic on text",
		q:       sel(bin(col("s5"), "+", num(1))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "root.sg.d1.s5",
	}, {
		name:    "text compared with a number",
		q:       sel(col("s1")).from("root.sg.d1").where(bin(col("s5"), ">", num(1))),
		errCode: status.SemanticError,
		errText: "cannot compare",
	}, {
		name:    "non-boolean condition",
		q:       sel(col("s1")).from("root.sg.d1").where(bin(col("s1"), "+", num(1))),
		errCode: status.SemanticError,
		errText: "BOOLEAN",
	}, {
		name:    "unknown function",
		q:       sel(fn("frobnicate", col("s1"))).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "frobnicate",
	}, {
		name:    "constant only",
		q:       sel(num(1)).from("root.sg.d1"),
		errCode: status.SemanticError,
		errText: "Constant operand",
	}, {
		name:    "GROUP BY without aggregation",
		q:       sel(col("s1")).from("root.sg.d1").groupBy(num(0), num(10), ms(5), ast.Duration{}, false),
		errCode: status.SemanticError,
		errText: "GROUP BY",
	}, {
		name:    "bad date-time",
		q:       sel(col("s1")).from("root.sg.d1").where(bin(timeCol(), ">", dt("2024-02-30T00:00:00"))),
		errCode: status.SemanticError,
		errText: "2024-02-30",
	}})
}
