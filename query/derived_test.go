package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// Worked out by hand from testStore: root.sg.d1.s1 is 1, 2, 5, -10 at
// times 1, 2, 5, 10; d1.s2 has 3 points, d2.s1 2 (20, 40), d2.s2 2.
func TestExpressionsOverAggregations(t *testing.T) {
	runCases(t, []queryCase{{
		name:   "functions and arithmetic over aggregations",
		q:      sqlQ("select round(avg(s1), 1), count(s1) + 1, -max_value(s1) from root.sg.d1"),
		cols:   []string{"ROUND(avg(root.sg.d1.s1),1)", "count(root.sg.d1.s1) + 1", "-max_value(root.sg.d1.s1)"},
		types:  []model.DataType{f64, f64, i32},
		noTime: true,
		rows:   []string{"-0.5|5|-5"},
	}, {
		name: "per GROUP BY window; null where an operand is",
		q:    sqlQ("select sum(s1) / count(s1) from root.sg.d1 group by ([1, 11), 3ms)"),
		cols: []string{"sum(root.sg.d1.s1) / count(root.sg.d1.s1)"},
		rows: []string{"1|1.5", "4|5", "7|null", "10|-10"},
	}, {
		name:   "the cartesian expansion over several devices",
		q:      sqlQ("select count(s1) + count(s2) from root.sg.d1, root.sg.d2"),
		cols:   []string{"count(root.sg.d1.s1) + count(root.sg.d1.s2)", "count(root.sg.d1.s1) + count(root.sg.d2.s2)", "count(root.sg.d2.s1) + count(root.sg.d1.s2)", "count(root.sg.d2.s1) + count(root.sg.d2.s2)"},
		noTime: true,
		rows:   []string{"7|6|5|4"},
	}, {
		name:   "over GROUP BY LEVEL groups",
		q:      sqlQ("select sum(s1) / count(s1) from root.sg.** group by level = 1"),
		cols:   []string{"sum(root.sg.*.s1) / count(root.sg.*.s1)"},
		noTime: true,
		rows:   []string{"9.666666666666666"},
	}, {
		name: "with HAVING",
		q:    sqlQ("select count(s1) * 2 from root.sg.d1 group by ([1, 11), 3ms) having count(s1) > 1"),
		cols: []string{"count(root.sg.d1.s1) * 2"},
		rows: []string{"1|4"},
	}, {
		name:   "beside bare aggregations, with aliases",
		q:      sqlQ("select count(s1) as c, avg(s1) * 2 as a2 from root.sg.d1"),
		cols:   []string{"c", "a2"},
		noTime: true,
		rows:   []string{"4|-1"},
	}, {
		name:    "raw series beside aggregations",
		q:       sqlQ("select count(s1) + s2 from root.sg.d1"),
		errCode: 701,
		errText: "Raw data and aggregation hybrid query is not supported.",
	}, {
		name:   "ALIGN BY DEVICE",
		q:      sqlQ("select count(s1) + 1, round(avg(s1), 1) from root.sg.d1, root.sg.d2 align by device"),
		cols:   []string{"Device", "count(s1) + 1", "ROUND(avg(s1),1)"},
		noTime: true,
		rows:   []string{"root.sg.d1|5|-0.5", "root.sg.d2|3|30"},
	}, {
		name: "ALIGN BY DEVICE with GROUP BY and HAVING",
		q:    sqlQ("select max_value(s1) - min_value(s1) from root.sg.d1, root.sg.d2 group by ([0, 6), 3ms) having count(s1) > 1 align by device"),
		cols: []string{"Device", "max_value(s1) - min_value(s1)"},
		rows: []string{"0|root.sg.d1|1"},
	}})
}
