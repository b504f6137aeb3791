package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

func TestLast(t *testing.T) {
	cols := []string{"Timeseries", "Value", "DataType"}
	runCases(t, []queryCase{{
		name:  "newest point per series in path order",
		q:     sel(col("s6"), col("s1"), col("s5")).from("root.sg.d1").last(),
		cols:  cols,
		types: []model.DataType{txt, txt, txt},
		rows:  []string{"10|root.sg.d1.s1|-10|INT32", "5|root.sg.d1.s5|abc|TEXT", "10|root.sg.d1.s6|true|BOOLEAN"},
	}, {
		name: "all types, series without points left out",
		q:    sel(col("**")).from("root.sg").last(),
		cols: cols,
		rows: []string{
			"10|root.sg.d1.s1|-10|INT32", "5|root.sg.d1.s2|50|INT64", "3|root.sg.d1.s3|3.5|FLOAT",
			"5|root.sg.d1.s4|5.5|DOUBLE", "5|root.sg.d1.s5|abc|TEXT", "10|root.sg.d1.s6|true|BOOLEAN",
			"4|root.sg.d2.s1|40|INT32", "6|root.sg.d2.s2|600|INT64",
		},
	}, {
		name: "time lower bound",
		q:    sel(col("*")).from("root.sg.d1").last().where(bin(timeCol(), ">=", num(6))),
		cols: cols,
		rows: []string{"10|root.sg.d1.s1|-10|INT32", "10|root.sg.d1.s6|true|BOOLEAN"},
	}, {
		name: "time upper bound reads older points",
		q:    sel(col("*")).from("root.sg.d1").last().where(bin(timeCol(), "<", num(4))),
		cols: cols,
		rows: []string{
			"2|root.sg.d1.s1|2|INT32", "3|root.sg.d1.s2|30|INT64", "3|root.sg.d1.s3|3.5|FLOAT",
			"1|root.sg.d1.s4|0.25|DOUBLE", "2|root.sg.d1.s5|b|TEXT", "3|root.sg.d1.s6|false|BOOLEAN",
		},
	}, {
		name: "LIMIT",
		q:    sel(col("*")).from("root.sg.d1").last().limit(1, 1),
		cols: cols,
		rows: []string{"5|root.sg.d1.s2|50|INT64"},
	}, {
		name: "no series",
		q:    sel(col("nope")).from("root.sg.d1").last(),
		cols: []string{},
	}, {
		name:    "value filter",
		q:       sel(col("s1")).from("root.sg.d1").last().where(bin(col("s1"), ">", num(0))),
		errCode: status.SemanticError,
		errText: "time filters",
	}})
}
