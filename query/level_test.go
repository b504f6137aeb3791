package query

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// The expected values are worked out by hand from testStore: root.sg.d1.s1
// holds 1, 2, 5, -10 (times 1, 2, 5, 10), root.sg.d2.s1 20, 40 (times 2, 4).
func TestGroupByLevel(t *testing.T) {
	runCases(t, []queryCase{{
		name:   "count merges counts",
		q:      sqlQ("select count(s1) from root.sg.** group by level = 1"),
		cols:   []string{"count(root.sg.*.s1)"},
		noTime: true,
		rows:   []string{"6"},
	}, {
		name:   "avg divides the group's sum by its count",
		q:      sqlQ("select avg(s1), max_value(s1), min_time(s1), last_value(s1) from root.sg.** group by level = 1"),
		cols:   []string{"avg(root.sg.*.s1)", "max_value(root.sg.*.s1)", "min_time(root.sg.*.s1)", "last_value(root.sg.*.s1)"},
		types:  []model.DataType{f64, i32, i64, i32},
		noTime: true,
		rows:   []string{"9.666666666666666|40|1|-10"},
	}, {
		name:   "one column per group, in name order; a group without points",
		q:      sqlQ("select avg(s1) from root.sg.** group by level = 2"),
		cols:   []string{"avg(root.*.d1.s1)", "avg(root.*.d2.s1)", "avg(root.*.d3.s1)"},
		noTime: true,
		rows:   []string{"-0.5|30|null"},
	}, {
		name: "wildcard measurements",
		q:    sqlQ("select count(*) from root.** group by level = 1"),
		cols: []string{"count(root.other.*.x)", "count(root.sg.*.s1)", "count(root.sg.*.s2)", "count(root.sg.*.s3)",
			"count(root.sg.*.s4)", "count(root.sg.*.s5)", "count(root.sg.*.s6)"},
		noTime: true,
		rows:   []string{"1|6|5|2|2|3|3"},
	}, {
		name:   "several levels",
		q:      sqlQ("select count(s1) from root.** group by level = 1, 2"),
		cols:   []string{"count(root.sg.d1.s1)", "count(root.sg.d2.s1)", "count(root.sg.d3.s1)"},
		noTime: true,
		rows:   []string{"4|2|0"},
	}, {
		name:   "level 0",
		q:      sqlQ("select sum(s1) from root.sg.d1, root.sg.d2 group by level = 0"),
		cols:   []string{"sum(root.*.*.s1)"},
		noTime: true,
		rows:   []string{"58"},
	}, {
		name: "after a time window",
		q:    sqlQ("select count(s1) from root.sg.** group by ([0, 6), 3ms), level = 1"),
		cols: []string{"count(root.sg.*.s1)"},
		rows: []string{"0|3", "3|2"},
	}, {
		name:   "population variance merges moments",
		q:      sqlQ("select var_pop(s1), stddev_pop(s1), var_samp(s1) from root.sg.** group by level = 1"),
		cols:   []string{"var_pop(root.sg.*.s1)", "stddev_pop(root.sg.*.s1)", "var_samp(root.sg.*.s1)"},
		noTime: true,
		rows:   []string{"261.55555555555554|16.172679294277604|313.8666666666667"},
	}, {
		name:   "an alias names the one group",
		q:      sqlQ("select count(s1) as c from root.sg.** group by level = 1"),
		cols:   []string{"c"},
		noTime: true,
		rows:   []string{"6"},
	}, {
		name:    "no ALIGN BY DEVICE",
		q:       sqlQ("select count(s1) from root.sg.** group by level = 1 align by device"),
		errCode: 701,
		errText: "ALIGN BY DEVICE",
	}, {
		name:    "aggregations only",
		q:       sqlQ("select s1 from root.sg.** group by level = 1"),
		errCode: 701,
		errText: "GROUP BY LEVEL needs aggregation",
	}})
}

func TestMoreAggregations(t *testing.T) {
	runCases(t, []queryCase{{
		name:   "variance and standard deviation",
		q:      sqlQ("select variance(s1), var_samp(s1), var_pop(s1), stddev(s1), stddev_samp(s1), stddev_pop(s1) from root.sg.d1"),
		cols:   []string{"variance(root.sg.d1.s1)", "var_samp(root.sg.d1.s1)", "var_pop(root.sg.d1.s1)", "stddev(root.sg.d1.s1)", "stddev_samp(root.sg.d1.s1)", "stddev_pop(root.sg.d1.s1)"},
		types:  []model.DataType{f64, f64, f64, f64, f64, f64},
		noTime: true,
		rows:   []string{"43|43|32.25|6.557438524302|6.557438524302|5.678908345800274"},
	}, {
		name:   "one point: no sample variance; none: null",
		q:      sqlQ("select var_samp(x), var_pop(x), stddev(x) from root.other.d9"),
		cols:   []string{"var_samp(root.other.d9.x)", "var_pop(root.other.d9.x)", "stddev(root.other.d9.x)"},
		noTime: true,
		rows:   []string{"null|0|null"},
	}, {
		name:   "mode: the earliest of the most frequent; types kept",
		q:      sqlQ("select mode(s5), mode(s6), mode(s1) from root.sg.d1"),
		cols:   []string{"mode(root.sg.d1.s5)", "mode(root.sg.d1.s6)", "mode(root.sg.d1.s1)"},
		types:  []model.DataType{txt, bln, i32},
		noTime: true,
		rows:   []string{"a|true|1"},
	}, {
		name:   "time_duration",
		q:      sqlQ("select time_duration(s1), time_duration(s2) from root.sg.d1, root.sg.d3"),
		cols:   []string{"time_duration(root.sg.d1.s1)", "time_duration(root.sg.d3.s1)", "time_duration(root.sg.d1.s2)"},
		noTime: true,
		rows:   []string{"9|null|4"},
	}, {
		name: "in GROUP BY windows, an empty window is null",
		q:    sqlQ("select stddev_pop(s1), mode(s1) from root.sg.d1 group by ([0, 9), 3ms)"),
		cols: []string{"stddev_pop(root.sg.d1.s1)", "mode(root.sg.d1.s1)"},
		rows: []string{"0|0.5|1", "3|0|5", "6|null|null"},
	}, {
		name:    "numeric input only",
		q:       sqlQ("select stddev(s5) from root.sg.d1"),
		errCode: 701,
		errText: "Aggregate functions [STDDEV] only support numeric data types",
	}})
}

// Aggregations that keep their input's type need one type per group; SUM
// and AVG, whose result is DOUBLE, do not.
func TestGroupByLevelTypes(t *testing.T) {
	st := newFakeStore().add("root.a.d1.s", model.Int32, 1, int32(2)).add("root.a.d2.s", model.Double, 1, 0.5)
	res, err := Execute(context.Background(), st, sqlQ("select sum(s), avg(s) from root.a.* group by level = 1").s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, res, 10); !slices.Equal(got, []string{"2.5|1.25"}) {
		t.Errorf("got %q", got)
	}
	_, err = Execute(context.Background(), st, sqlQ("select max_value(s) from root.a.* group by level = 1").s, testOpts)
	if status.CodeOf(err) != status.SemanticError || !strings.Contains(err.Error(), "must have the same data type") {
		t.Errorf("max_value over INT32 and DOUBLE: %v", err)
	}
}
