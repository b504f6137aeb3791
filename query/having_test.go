package query

import "testing"

// Worked out by hand from testStore; see TestGroupBy for the windows
// without HAVING.
func TestHaving(t *testing.T) {
	runCases(t, []queryCase{{
		name: "on a selected aggregation",
		q:    sqlQ("select count(s1) from root.sg.d1 group by ([1, 11), 3ms) having count(s1) > 1"),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"1|2"},
	}, {
		name: "on an aggregation not selected",
		q:    sqlQ("select count(s1) from root.sg.d1 group by ([1, 11), 3ms) having max_value(s1) > 0"),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"1|2", "4|1"},
	}, {
		name: "every series the path names must pass",
		q:    sqlQ("select count(s1) from root.sg.d1, root.sg.d2 group by ([0, 6), 3ms) having count(s1) >= 1 and count(s1) < 2"),
		cols: []string{"count(root.sg.d1.s1)", "count(root.sg.d2.s1)"},
		rows: []string{"3|1|1"},
	}, {
		name: "after GROUP BY LEVEL",
		q:    sqlQ("select count(s1) from root.sg.** group by ([0, 6), 3ms), level = 1 having count(s2) > 1"),
		cols: []string{"count(root.sg.*.s1)"},
		rows: []string{"3|2"},
	}, {
		name: "ALIGN BY DEVICE",
		q:    sqlQ("select count(s1), count(s2) from root.sg.d1, root.sg.d2 group by ([0, 6), 3ms) having count(s2) > 0 align by device"),
		cols: []string{"Device", "count(s1)", "count(s2)"},
		rows: []string{"0|root.sg.d1|2|1", "3|root.sg.d1|1|2", "3|root.sg.d2|1|1"},
	}, {
		name:   "without GROUP BY",
		q:      sqlQ("select count(s1) from root.sg.d1 having sum(s1) < 0"),
		cols:   []string{"count(root.sg.d1.s1)"},
		noTime: true,
		rows:   []string{"4"},
	}, {
		name:   "no row passes",
		q:      sqlQ("select count(s1) from root.sg.d1 having count(s1) > 10"),
		cols:   []string{"count(root.sg.d1.s1)"},
		noTime: true,
	}, {
		name: "then FILL",
		q:    sqlQ("select max_value(s1) from root.sg.d1 group by ([1, 11), 3ms) having count(s1) < 2 fill(previous)"),
		cols: []string{"max_value(root.sg.d1.s1)"},
		rows: []string{"4|5", "7|5", "10|-10"},
	}, {
		name:    "raw series are refused",
		q:       sqlQ("select count(s1) from root.sg.d1 group by ([1, 11), 3ms) having s1 > 1"),
		errCode: 701,
		errText: "must consist of aggregate values",
	}, {
		name:    "the condition must be boolean",
		q:       sqlQ("select count(s1) from root.sg.d1 group by ([1, 11), 3ms) having count(s1) + 1"),
		errCode: 701,
		errText: "HAVING clause should be BOOLEAN",
	}, {
		name:    "aggregation type rules hold for hidden columns",
		q:       sqlQ("select count(s1) from root.sg.d1 having sum(s5) > 1"),
		errCode: 701,
		errText: "Aggregate functions [SUM] only support numeric data types",
	}})
}
