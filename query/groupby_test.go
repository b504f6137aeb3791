package query

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestGroupBy(t *testing.T) {
	none := ast.Duration{}
	runCases(t, []queryCase{{
		name:  "windows with and without data",
		q:     sel(fn("count", col("s1")), fn("max_value", col("s1"))).from("root.sg.d1").groupBy(num(1), num(11), ms(3), none, false),
		cols:  []string{"count(root.sg.d1.s1)", "max_value(root.sg.d1.s1)"},
		types: []model.DataType{i64, i32},
		rows:  []string{"1|2|2", "4|1|5", "7|0|null", "10|1|-10"},
	}, {
		name: "left-open windows are labelled by their end",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(0), num(12), ms(4), none, true),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"4|2", "8|1", "12|1"},
	}, {
		name: "sliding step shorter than the interval",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(1), num(11), ms(4), ms(2), false),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"1|2", "3|1", "5|1", "7|1", "9|1"},
	}, {
		name: "step longer than the interval",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(0), num(10), ms(2), ms(5), false),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"0|1", "5|1"},
	}, {
		name: "DESC",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(1), num(11), ms(3), none, false).desc(),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"10|1", "7|0", "4|1", "1|2"},
	}, {
		name: "LIMIT",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(1), num(11), ms(3), none, false).limit(2, 1),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"4|1", "7|0"},
	}, {
		name: "value predicate",
		q:    sel(fn("count", col("s1")), fn("sum", col("s2"))).from("root.sg.d1").where(bin(col("s2"), ">", num(0))).groupBy(num(1), num(11), ms(5), none, false),
		cols: []string{"count(root.sg.d1.s1)", "sum(root.sg.d1.s2)"},
		rows: []string{"1|2|90", "6|0|null"},
	}, {
		name: "time condition narrows windows, which still show",
		q:    sel(fn("count", col("s1"))).from("root.sg.d1").where(bin(timeCol(), ">=", num(5))).groupBy(num(1), num(11), ms(5), none, false),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"1|1", "6|1"},
	}, {
		name: "several devices",
		q:    sel(fn("last_value", col("s1"))).from("root.sg.d1", "root.sg.d2").groupBy(num(0), num(6), ms(3), none, false),
		cols: []string{"last_value(root.sg.d1.s1)", "last_value(root.sg.d2.s1)"},
		rows: []string{"0|2|20", "3|5|40"},
	}, {
		name: "month windows keep the start's day of month",
		q: sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(
			dt("2024-01-31T00:00:00Z"), dt("2024-05-01T00:00:00Z"), ast.Duration{Months: 1}, none, false),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"1706659200000|0", "1709164800000|0", "1711843200000|0", "1714435200000|0"},
	}, {
		name:    "start after end",
		q:       sel(fn("count", col("s1"))).from("root.sg.d1").groupBy(num(10), num(1), ms(3), none, false),
		errCode: status.SemanticError,
		errText: "Start time",
	}})
}

func TestGroupByStatsAndScanAgree(t *testing.T) {
	st := newFakeStore()
	for i := range 500 {
		if i%7 != 3 {
			st.add("root.g.d.a", model.Int64, int64(i*3), int64(i*i%97))
		}
		if i%5 == 0 {
			st.add("root.g.d.b", model.Double, int64(i*3+1), float64(i)/4)
		}
	}
	q := sel(fn("count", col("*")), fn("sum", col("*")), fn("min_value", col("*")), fn("max_value", col("*")),
		fn("first_value", col("*")), fn("last_value", col("*")), fn("min_time", col("*")), fn("max_time", col("*"))).
		from("root.g.d").where(bin(timeCol(), "!=", num(301))).groupBy(num(-50), num(1600), ms(40), ms(25), false)
	var results [2][]string
	for i, stats := range []bool{false, true} {
		res, err := Execute(context.Background(), st, q.s, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		g := res.Rows.(*groupRows)
		g.chosen, g.stats = true, stats
		results[i] = collect(t, res, 7)
	}
	if len(results[0]) != 66 || !slices.Equal(results[0], results[1]) {
		t.Fatalf("%d rows by scan, %d by statistics; first differences:\n%q\n%q", len(results[0]), len(results[1]), results[0][:3], results[1][:3])
	}
}

// TestGroupByChoosesStatsForDenseWindows checks the choice between one
// Stats call per window and scanning: dense windows use statistics, sparse
// ones a scan per batch of windows.
func TestGroupByChoosesStatsForDenseWindows(t *testing.T) {
	st := newFakeStore()
	for i := range 20000 {
		st.add("root.s.d.a", model.Int64, int64(i*10), int64(i))
	}
	cases := []struct {
		interval  int64
		rows      int
		wantStats bool
	}{
		{10000, 20, true},  // 1,000 points per window
		{100, 2000, false}, // 10 points per window
	}
	for _, c := range cases {
		st.scans, st.stats = nil, 0
		q := sel(fn("count", col("a"))).from("root.s.d").groupBy(num(0), num(200000), ms(c.interval), ast.Duration{}, false)
		res, err := Execute(context.Background(), st, q.s, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		rows := collect(t, res, 500)
		if len(rows) != c.rows || rows[1] != fmt.Sprintf("%d|%d", c.interval, c.interval/10) {
			t.Fatalf("interval %d: %d rows, second %q", c.interval, len(rows), rows[1])
		}
		if usedStats := len(st.scans) == 0; usedStats != c.wantStats {
			t.Errorf("interval %d: %d scans, %d Stats calls", c.interval, len(st.scans), st.stats)
		}
	}
}
