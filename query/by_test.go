package query

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// Worked out by hand from testStore: root.sg.d1.s1 is 1, 2, 5, -10 at
// times 1, 2, 5, 10; s2 is 10, 30, 50 at 1, 3, 5; s5 is a, b, abc at 1, 2, 5.
func TestMaxByMinBy(t *testing.T) {
	runCases(t, []queryCase{{
		name:   "x at the time of y's extreme; null when x has no value then",
		q:      sqlQ("select max_by(s5, s1), min_by(s5, s1), max_by(time, s1), min_by(time, s2) from root.sg.d1"),
		cols:   []string{"max_by(root.sg.d1.s5, root.sg.d1.s1)", "min_by(root.sg.d1.s5, root.sg.d1.s1)", "max_by(Time, root.sg.d1.s1)", "min_by(Time, root.sg.d1.s2)"},
		types:  []model.DataType{txt, txt, i64, i64},
		noTime: true,
		rows:   []string{"abc|null|5|1"},
	}, {
		name: "GROUP BY windows",
		q:    sqlQ("select max_by(s2, s1) from root.sg.d1 group by ([0, 12), 4ms)"),
		cols: []string{"max_by(root.sg.d1.s2, root.sg.d1.s1)"},
		rows: []string{"0|null", "4|50", "8|null"},
	}, {
		name: "HAVING",
		q:    sqlQ("select count(s1) from root.sg.d1 group by ([0, 12), 4ms) having max_by(time, s1) > 1"),
		cols: []string{"count(root.sg.d1.s1)"},
		rows: []string{"0|2", "4|1", "8|1"},
	}, {
		name:   "one column per combination of x and y series",
		q:      sqlQ("select max_by(s1, s2) from root.sg.d1, root.sg.d2"),
		cols:   []string{"max_by(root.sg.d1.s1, root.sg.d1.s2)", "max_by(root.sg.d1.s1, root.sg.d2.s2)", "max_by(root.sg.d2.s1, root.sg.d1.s2)", "max_by(root.sg.d2.s1, root.sg.d2.s2)"},
		noTime: true,
		rows:   []string{"5|null|null|null"},
	}, {
		name:    "y must be numeric",
		q:       sqlQ("select max_by(s1, s5) from root.sg.d1"),
		errCode: 701,
		errText: "Aggregate functions [MAX_BY] only support numeric data types",
	}, {
		name:    "two arguments",
		q:       sqlQ("select max_by(s1) from root.sg.d1"),
		errCode: 701,
		errText: "should have two arguments",
	}, {
		name:   "in HAVING under ALIGN BY DEVICE",
		q:      sqlQ("select count(s1) from root.sg.d1, root.sg.d2 having max_by(time, s1) > 3 align by device"),
		cols:   []string{"Device", "count(s1)"},
		noTime: true,
		rows:   []string{"root.sg.d1|4", "root.sg.d2|2"},
	}, {
		name:   "ALIGN BY DEVICE",
		q:      sqlQ("select max_by(s2, s1), min_by(time, s1) from root.sg.d1, root.sg.d2 align by device"),
		cols:   []string{"Device", "max_by(s2, s1)", "min_by(Time, s1)"},
		noTime: true,
		rows:   []string{"root.sg.d1|50|10", "root.sg.d2|400|2"},
	}})
}

// On a tie of y, MAX_BY and MIN_BY take x at the earliest time.
func TestMaxByTie(t *testing.T) {
	st := newFakeStore().
		add("root.t.d.x", model.Int64, 1, int64(100), 2, int64(200), 3, int64(300), 4, int64(400)).
		add("root.t.d.y", model.Double, 1, 1.0, 2, 7.0, 3, 7.0, 4, 1.0)
	res, err := Execute(context.Background(), st, sqlQ("select max_by(x, y), min_by(x, y) from root.t.d").s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := collect(t, res, 10), []string{"200|100"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
