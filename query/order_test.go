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

// orderBy sets ORDER BY keys as the parser does: TIME's direction also in
// OrderDesc.
func (b *qb) orderBy(keys ...ast.OrderItem) *qb {
	b.s.OrderBy = keys
	for _, k := range keys {
		if k.Key == ast.SortTime {
			b.s.OrderDesc = k.Desc
		}
	}
	return b
}

var (
	byTime       = ast.OrderItem{Key: ast.SortTime}
	byTimeDesc   = ast.OrderItem{Key: ast.SortTime, Desc: true}
	byDevice     = ast.OrderItem{Key: ast.SortDevice}
	byDeviceDesc = ast.OrderItem{Key: ast.SortDevice, Desc: true}
	bySeriesDesc = ast.OrderItem{Key: ast.SortTimeseries, Desc: true}
)

func TestOrderByDevice(t *testing.T) {
	s1 := func() *qb { return sel(col("s1")).from("root.sg.*").byDevice() }
	runCases(t, []queryCase{{
		name: "DEVICE DESC: devices reversed, time ascending",
		q:    s1().orderBy(byDeviceDesc),
		cols: []string{"Device", "s1"},
		rows: []string{"2|root.sg.d2|20", "4|root.sg.d2|40", "1|root.sg.d1|1", "2|root.sg.d1|2", "5|root.sg.d1|5", "10|root.sg.d1|-10"},
	}, {
		name: "DEVICE DESC, TIME DESC",
		q:    s1().orderBy(byDeviceDesc, byTimeDesc),
		cols: []string{"Device", "s1"},
		rows: []string{"4|root.sg.d2|40", "2|root.sg.d2|20", "10|root.sg.d1|-10", "5|root.sg.d1|5", "2|root.sg.d1|2", "1|root.sg.d1|1"},
	}, {
		name: "DEVICE, TIME is the default order",
		q:    s1().orderBy(byDevice, byTime),
		cols: []string{"Device", "s1"},
		rows: []string{"1|root.sg.d1|1", "2|root.sg.d1|2", "5|root.sg.d1|5", "10|root.sg.d1|-10", "2|root.sg.d2|20", "4|root.sg.d2|40"},
	}, {
		name: "TIME first: devices interleaved, ties in device order",
		q:    s1().orderBy(byTime),
		cols: []string{"Device", "s1"},
		rows: []string{"1|root.sg.d1|1", "2|root.sg.d1|2", "2|root.sg.d2|20", "4|root.sg.d2|40", "5|root.sg.d1|5", "10|root.sg.d1|-10"},
	}, {
		name: "TIME DESC, DEVICE DESC",
		q:    s1().orderBy(byTimeDesc, byDeviceDesc),
		cols: []string{"Device", "s1"},
		rows: []string{"10|root.sg.d1|-10", "5|root.sg.d1|5", "4|root.sg.d2|40", "2|root.sg.d2|20", "2|root.sg.d1|2", "1|root.sg.d1|1"},
	}, {
		name: "TIME DESC alone: ties by device ascending",
		q:    s1().orderBy(byTimeDesc),
		cols: []string{"Device", "s1"},
		rows: []string{"10|root.sg.d1|-10", "5|root.sg.d1|5", "4|root.sg.d2|40", "2|root.sg.d1|2", "2|root.sg.d2|20", "1|root.sg.d1|1"},
	}, {
		name: "TIME first with LIMIT and OFFSET",
		q:    s1().orderBy(byTime, byDevice).limit(2, 1),
		cols: []string{"Device", "s1"},
		rows: []string{"2|root.sg.d1|2", "2|root.sg.d2|20"},
	}, {
		name: "GROUP BY windows, TIME first",
		q: sel(fn("count", col("s1"))).from("root.sg.*").byDevice().
			groupBy(num(0), num(6), ms(3), ast.Duration{}, false).orderBy(byTime),
		cols: []string{"Device", "count(s1)"},
		rows: []string{"0|root.sg.d1|2", "0|root.sg.d2|1", "0|root.sg.d3|0", "3|root.sg.d1|1", "3|root.sg.d2|1", "3|root.sg.d3|0"},
	}, {
		name:   "aggregation without windows: TIME has nothing to sort, DEVICE DESC does",
		q:      sel(fn("count", col("s1"))).from("root.sg.*").byDevice().orderBy(byTimeDesc, byDeviceDesc),
		cols:   []string{"Device", "count(s1)"},
		noTime: true,
		rows:   []string{"root.sg.d3|0", "root.sg.d2|2", "root.sg.d1|4"},
	}, {
		name:    "DEVICE without ALIGN BY DEVICE",
		q:       sel(col("s1")).from("root.sg.*").orderBy(byDevice),
		errCode: status.SemanticError,
		errText: "Sorting by device is only supported in ALIGN BY DEVICE queries.",
	}, {
		name:    "TIMESERIES outside SELECT LAST",
		q:       s1().orderBy(bySeriesDesc),
		errCode: status.SemanticError,
		errText: "Sorting by timeseries is only supported in last queries.",
	}})
}

func TestOrderByTimeseries(t *testing.T) {
	runCases(t, []queryCase{{
		name: "ascending path order by default",
		q:    sel(col("s1")).from("root.sg.*").last(),
		cols: lastColumns,
		rows: []string{"10|root.sg.d1.s1|-10|INT32", "4|root.sg.d2.s1|40|INT32"},
	}, {
		name: "TIMESERIES DESC",
		q:    sel(col("s1"), col("s2")).from("root.sg.*").last().orderBy(bySeriesDesc),
		cols: lastColumns,
		rows: []string{"6|root.sg.d2.s2|600|INT64", "4|root.sg.d2.s1|40|INT32", "5|root.sg.d1.s2|50|INT64", "10|root.sg.d1.s1|-10|INT32"},
	}, {
		name: "TIMESERIES ASC",
		q:    sel(col("s1")).from("root.sg.*").last().orderBy(ast.OrderItem{Key: ast.SortTimeseries}),
		cols: lastColumns,
		rows: []string{"10|root.sg.d1.s1|-10|INT32", "4|root.sg.d2.s1|40|INT32"},
	}, {
		name:    "LAST sorted by time",
		q:       sel(col("s1")).from("root.sg.*").last().orderBy(byTimeDesc),
		errCode: status.SemanticError,
		errText: "Last queries can only be sorted by timeseries now.",
	}})
}

// TestOrderByTimeAcrossBatches interleaves three devices whose rows span
// many of the merge's per-device batches.
func TestOrderByTimeAcrossBatches(t *testing.T) {
	st := newFakeStore()
	const n = 1000
	var want, wantDesc []string
	for i := range n {
		dev := []string{"a", "b", "c"}[i%3]
		st.add("root.m."+dev+".s", model.Int64, i, int64(i))
		want = append(want, fmt.Sprintf("%d|root.m.%s|%d", i, dev, i))
	}
	for i := n - 1; i >= 0; i-- {
		wantDesc = append(wantDesc, want[i])
	}
	for _, tc := range []struct {
		key  ast.OrderItem
		want []string
	}{{byTime, want}, {byTimeDesc, wantDesc}} {
		for _, max := range []int{7, 5000} {
			q := sel(col("s")).from("root.m.*").byDevice().orderBy(tc.key)
			res, err := Execute(context.Background(), st, q.s, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(t, res, max); !slices.Equal(got, tc.want) {
				t.Fatalf("desc %v, max %d: %d rows, first %q, want %d rows, first %q", tc.key.Desc, max, len(got), got[:min(3, len(got))], len(tc.want), tc.want[:3])
			}
		}
	}
}
