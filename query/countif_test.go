package query

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// countIfStore holds the data of IoTDB's COUNT_IF example: s1 is 0, null,
// 0, 0, 1, 1, 1, 0, 0, 0 and s2 is 0 at times 1..10.
func countIfStore() *fakeStore {
	var s1, s2 []any
	for t, v := range []int32{0, -1, 0, 0, 1, 1, 1, 0, 0, 0} {
		if v >= 0 {
			s1 = append(s1, t+1, v)
		}
		s2 = append(s2, t+1, int32(0))
	}
	return newFakeStore().add("root.db.d1.s1", model.Int32, s1...).add("root.db.d1.s2", model.Int32, s2...)
}

func TestCountIf(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		cols []string
		rows []string
	}{{
		"select count_if(s1=0 & s2=0, 3), count_if(s1=1 & s2=0, 3) from root.db.d1",
		[]string{"count_if(root.db.d1.s1 = 0 & root.db.d1.s2 = 0, 3)", "count_if(root.db.d1.s1 = 1 & root.db.d1.s2 = 0, 3)"},
		[]string{"2|1"},
	}, {
		"select count_if(s1=0 & s2=0, 3, 'ignoreNull'='false'), count_if(s1=1 & s2=0, 3, 'ignoreNull'='false') from root.db.d1",
		[]string{`count_if(root.db.d1.s1 = 0 & root.db.d1.s2 = 0, 3, "ignoreNull"="false")`, `count_if(root.db.d1.s1 = 1 & root.db.d1.s2 = 0, 3, "ignoreNull"="false")`},
		[]string{"1|1"},
	}, {
		"select count_if(s1=0 & s2=0, keep >= 2), count_if(s1=0 & s2=0, keep = 2, 'ignoreNull'='false') from root.db.d1",
		[]string{"count_if(root.db.d1.s1 = 0 & root.db.d1.s2 = 0, keep >= 2)", `count_if(root.db.d1.s1 = 0 & root.db.d1.s2 = 0, keep = 2, "ignoreNull"="false")`},
		[]string{"2|1"},
	}, {
		"select count_if(s1 = 1, 2) from root.db.d1 group by ([1, 11), 5ms)",
		[]string{"count_if(root.db.d1.s1 = 1, 2)"},
		[]string{"1|0", "6|1"},
	}, {
		"select count_if(s1=0 & s2=0, 3) from root.db.d1 align by device",
		[]string{"Device", "count_if(s1 = 0 & s2 = 0, 3)"},
		[]string{"root.db.d1|2"},
	}, {
		"select count_if(s1 = 7, 1) from root.db.d1",
		[]string{"count_if(root.db.d1.s1 = 7, 1)"},
		[]string{"0"},
	}} {
		res, err := Execute(context.Background(), countIfStore(), sqlQ(tc.sql).s, testOpts)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if !slices.Equal(res.Columns, tc.cols) {
			t.Errorf("%s: columns\n got %q\nwant %q", tc.sql, res.Columns, tc.cols)
		}
		if got := collect(t, res, 3); !slices.Equal(got, tc.rows) {
			t.Errorf("%s: rows %q, want %q", tc.sql, got, tc.rows)
		}
	}
	for _, bad := range []string{
		"select count_if(s1 = 0) from root.db.d1",
		"select count_if(s1 = 0, 'x') from root.db.d1",
		"select count_if(s1 = 0, 2, 'other'='true') from root.db.d1",
		"select count_if(s1 + 1, 2) from root.db.d1",
		"select count_if(count(s1) > 1, 2) from root.db.d1",
		"select count(s1) from root.db.d1 having count_if(s1 = 0, 2) > 1",
	} {
		if _, err := Execute(context.Background(), countIfStore(), sqlQ(bad).s, testOpts); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
