package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// sqlQ parses one SELECT for a test case.
func sqlQ(sql string) *qb {
	stmts, err := parser.Parse(sql)
	if err != nil {
		panic(err)
	}
	return &qb{s: stmts[0].(*ast.Select)}
}

// The expected rows below are worked out by hand from testStore.
func TestFill(t *testing.T) {
	runCases(t, []queryCase{{
		name: "previous",
		q:    sqlQ("select s1, s2, s4, s5 from root.sg.d1 fill(previous)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s4", "root.sg.d1.s5"},
		rows: []string{"1|1|10|0.25|a", "2|2|10|0.25|b", "3|2|30|0.25|b", "5|5|50|5.5|abc", "10|-10|50|5.5|abc"},
	}, {
		name: "previous within a time bound",
		q:    sqlQ("select s1, s2, s4, s5 from root.sg.d1 fill(previous, 1ms)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s4", "root.sg.d1.s5"},
		rows: []string{"1|1|10|0.25|a", "2|2|10|0.25|b", "3|2|30|null|b", "5|5|50|5.5|abc", "10|-10|null|null|null"},
	}, {
		name: "previous in descending time order",
		q:    sqlQ("select s1, s2 from root.sg.d1 order by time desc fill(previous)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"10|-10|null", "5|5|50", "3|5|30", "2|2|30", "1|1|10"},
	}, {
		name: "fill applies before LIMIT and OFFSET",
		q:    sqlQ("select s1, s2 from root.sg.d1 fill(previous) limit 2 offset 1"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"2|2|10", "3|2|30"},
	}, {
		name:  "linear fills numeric columns only, truncating integers",
		q:     sqlQ("select s1, s2, s3, s4, s5 from root.sg.d1 fill(linear)"),
		cols:  []string{"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s3", "root.sg.d1.s4", "root.sg.d1.s5"},
		types: []model.DataType{i32, i64, f32, f64, txt},
		rows:  []string{"1|1|10|1.5|0.25|a", "2|2|20|2.5|1.5625|b", "3|3|30|3.5|2.875|null", "5|5|50|null|5.5|abc", "10|-10|null|null|null|null"},
	}, {
		name: "integer constant fills numeric and text columns",
		q:    sqlQ("select s1, s2, s3, s4, s5, s6 from root.sg.d1 fill(2)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2", "root.sg.d1.s3", "root.sg.d1.s4", "root.sg.d1.s5", "root.sg.d1.s6"},
		rows: []string{"1|1|10|1.5|0.25|a|true", "2|2|2|2|2|b|null", "3|2|30|3.5|2|2|false", "5|5|50|2|5.5|abc|null", "10|-10|2|2|2|2|true"},
	}, {
		name: "real constant leaves integer columns",
		q:    sqlQ("select s1, s3, s5 from root.sg.d1 where time <= 3 fill(2.0)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s3", "root.sg.d1.s5"},
		rows: []string{"1|1|1.5|a", "2|2|2|b", "3|null|3.5|2.0"},
	}, {
		name: "boolean constant fills BOOLEAN and TEXT",
		q:    sqlQ("select s1, s5, s6 from root.sg.d1 fill(true)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s5", "root.sg.d1.s6"},
		rows: []string{"1|1|a|true", "2|2|b|true", "3|null|true|false", "5|5|abc|true", "10|-10|true|true"},
	}, {
		name: "an integer beyond INT32 leaves INT32 columns",
		q:    sqlQ("select s1, s2 from root.sg.d1 fill(3000000000)"),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s2"},
		rows: []string{"1|1|10", "2|2|3000000000", "3|null|30", "5|5|50", "10|-10|3000000000"},
	}, {
		name: "string constant fills TEXT only",
		q:    sqlQ("select s1, s5 from root.sg.d1 fill('x')"), // no row at 3: neither has a value
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s5"},
		rows: []string{"1|1|a", "2|2|b", "5|5|abc", "10|-10|x"},
	}, {
		name: "previous after GROUP BY time",
		q:    sqlQ("select count(s1), max_value(s1) from root.sg.d1 group by ([1, 11), 3ms) fill(previous)"),
		cols: []string{"count(root.sg.d1.s1)", "max_value(root.sg.d1.s1)"},
		rows: []string{"1|2|2", "4|1|5", "7|0|5", "10|1|-10"},
	}, {
		name: "linear after GROUP BY time",
		q:    sqlQ("select avg(s4) from root.sg.d1 group by ([0, 10), 2ms) fill(linear)"),
		cols: []string{"avg(root.sg.d1.s4)"},
		rows: []string{"0|0.25", "2|2.875", "4|5.5", "6|null", "8|null"},
	}, {
		name: "ALIGN BY DEVICE fills across the result, as IoTDB does",
		q:    sqlQ("select s1, s2 from root.sg.d1, root.sg.d2 fill(previous) align by device"),
		cols: []string{"Device", "s1", "s2"},
		rows: []string{"1|root.sg.d1|1|10", "2|root.sg.d1|2|10", "3|root.sg.d1|2|30", "5|root.sg.d1|5|50", "10|root.sg.d1|-10|50",
			"2|root.sg.d2|20|50", "4|root.sg.d2|40|400", "6|root.sg.d2|40|600"},
	}, {
		name:    "no FILL in LAST queries",
		q:       sqlQ("select last s1 from root.sg.d1 fill(previous)"),
		errCode: 701,
		errText: "FILL",
	}})
}
