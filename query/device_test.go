package query

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestAlignByDevice(t *testing.T) {
	runCases(t, []queryCase{{
		name:  "rows device by device",
		q:     sel(col("s1"), col("s2")).from("root.sg.*").byDevice(),
		cols:  []string{"Device", "s1", "s2"},
		types: []model.DataType{txt, i32, i64},
		rows: []string{
			"1|root.sg.d1|1|10", "2|root.sg.d1|2|null", "3|root.sg.d1|null|30", "5|root.sg.d1|5|50", "10|root.sg.d1|-10|null",
			"2|root.sg.d2|20|null", "4|root.sg.d2|40|400", "6|root.sg.d2|null|600",
		},
	}, {
		name: "star: union of measurements",
		q:    sel(col("*")).from("root.sg.d2", "root.sg.d1").byDevice().where(bin(timeCol(), "<=", num(2))),
		cols: []string{"Device", "s1", "s2", "s3", "s4", "s5", "s6"},
		rows: []string{
			"1|root.sg.d1|1|10|1.5|0.25|a|true", "2|root.sg.d1|2|null|null|null|b|null",
			"2|root.sg.d2|20|null|null|null|null|null",
		},
	}, {
		name: "DESC within each device",
		q:    sel(col("s1")).from("root.sg.*").byDevice().desc(),
		cols: []string{"Device", "s1"},
		rows: []string{"10|root.sg.d1|-10", "5|root.sg.d1|5", "2|root.sg.d1|2", "1|root.sg.d1|1", "4|root.sg.d2|40", "2|root.sg.d2|20"},
	}, {
		name: "LIMIT across devices",
		q:    sel(col("s1")).from("root.sg.*").byDevice().limit(2, 3),
		cols: []string{"Device", "s1"},
		rows: []string{"10|root.sg.d1|-10", "2|root.sg.d2|20"},
	}, {
		name: "value condition per device",
		q:    sel(col("s1"), bin(col("s1"), "*", num(2))).from("root.sg.*").byDevice().where(bin(col("s2"), ">", num(40))),
		cols: []string{"Device", "s1", "s1 * 2"},
		rows: []string{"5|root.sg.d1|5|10", "4|root.sg.d2|40|80"},
	}, {
		name:   "aggregation: a row per device",
		q:      sel(fn("count", col("s1")), fn("max_value", col("s1"))).from("root.sg.*").byDevice(),
		cols:   []string{"Device", "count(s1)", "max_value(s1)"},
		types:  []model.DataType{txt, i64, i32},
		noTime: true,
		rows:   []string{"root.sg.d1|4|5", "root.sg.d2|2|40", "root.sg.d3|0|null"},
	}, {
		name:   "count(*) with a device missing a measurement",
		q:      sel(fn("count", col("*"))).from("root.sg.d1", "root.sg.d2").byDevice().slimit(3, 0),
		cols:   []string{"Device", "count(s1)", "count(s2)", "count(s3)"},
		noTime: true,
		rows:   []string{"root.sg.d1|4|3|2", "root.sg.d2|2|2|0"},
	}, {
		name: "GROUP BY",
		q:    sel(fn("sum", col("s1"))).from("root.sg.d1", "root.sg.d2").byDevice().groupBy(num(0), num(10), ms(5), ast.Duration{}, false),
		cols: []string{"Device", "sum(s1)"},
		rows: []string{"0|root.sg.d1|3", "5|root.sg.d1|5", "0|root.sg.d2|60", "5|root.sg.d2|null"},
	}, {
		name: "no devices",
		q:    sel(col("s1")).from("root.nothing.*").byDevice(),
		cols: []string{},
	}, {
		name:    "SUM of TEXT",
		q:       sel(fn("sum", col("s5"))).from("root.sg.*").byDevice(),
		errCode: status.SemanticError,
		errText: "root.sg.d1.s5",
	}, {
		name:    "condition of the wrong type",
		q:       sel(col("s1")).from("root.sg.*").byDevice().where(bin(col("s5"), ">", num(3))),
		errCode: status.SemanticError,
		errText: "cannot compare",
	}})
}

func TestAlignByDeviceTypeConflict(t *testing.T) {
	st := newFakeStore().
		add("root.x.a.s", model.Int32, 1, int32(1)).
		add("root.x.b.s", model.Text, 1, "one")
	_, err := Execute(context.Background(), st, sel(col("s")).from("root.x.*").byDevice().s, testOpts)
	if status.CodeOf(err) != status.SemanticError || !strings.Contains(err.Error(), "same across devices") {
		t.Fatalf("err = %v", err)
	}
	// count works on any type.
	res, err := Execute(context.Background(), st, sel(fn("count", col("s"))).from("root.x.*").byDevice().s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, res, 10); !slices.Equal(got, []string{"root.x.a|1", "root.x.b|1"}) {
		t.Fatalf("rows %q", got)
	}
}
