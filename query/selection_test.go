package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// selStore: a has runs of zeros at 2-3, 5 and 7-9 and non-zeros at 1, 4
// and 6; b is TEXT.
func selStore() *fakeStore {
	f := newFakeStore()
	f.add("root.s.d.a", model.Int32, 1, int32(3), 2, int32(0), 3, int32(0), 4, int32(5), 5, int32(0),
		6, int32(7), 7, int32(0), 8, int32(0), 9, int32(0))
	f.add("root.s.d.b", model.Text, 1, "b", 2, "a", 3, "c")
	f.add("root.s.d.f", model.Boolean, 1, false, 2, true)
	return f
}

// Expected rows are worked out by hand from selStore.
func TestSelectionFunctions(t *testing.T) {
	runCasesOn(t, selStore, []queryCase{{
		name:  "top_k and bottom_k keep their points in time order; ties keep the earlier point",
		q:     sqlQ(`select top_k(a, 'k'='2'), bottom_k(a, 'k'='3') from root.s.d`),
		cols:  []string{`top_k(root.s.d.a, "k"="2")`, `bottom_k(root.s.d.a, "k"="3")`},
		types: []model.DataType{i32, i32},
		rows:  []string{"2|null|0", "3|null|0", "4|5|null", "5|null|0", "6|7|null"},
	}, {
		name: "beside the series itself every row stays",
		q:    sqlQ(`select a, top_k(a, 'k'='1') from root.s.d where time <= 7`),
		cols: []string{"root.s.d.a", `top_k(root.s.d.a, "k"="1")`},
		rows: []string{"1|3|null", "2|0|null", "3|0|null", "4|5|null", "5|0|null", "6|7|7", "7|0|null"},
	}, {
		name: "top_k of TEXT, and under a value condition",
		q:    sqlQ(`select top_k(b, 'k'='1'), top_k(a, 'k'='1') from root.s.d where a < 6`),
		cols: []string{`top_k(root.s.d.b, "k"="1")`, `top_k(root.s.d.a, "k"="1")`},
		rows: []string{"3|c|null", "4|null|5"},
	}, {
		name:  "zero_count and non_zero_count at each run's first point",
		q:     sqlQ(`select zero_count(a), non_zero_count(a) from root.s.d`),
		cols:  []string{"zero_count(root.s.d.a)", "non_zero_count(root.s.d.a)"},
		types: []model.DataType{i64, i64},
		rows:  []string{"1|null|1", "2|2|null", "4|null|1", "5|1|null", "6|null|1", "7|3|null"},
	}, {
		name: "zero_duration with min, non_zero_duration with max, over BOOLEAN too",
		q:    sqlQ(`select zero_duration(a, 'min'='1'), non_zero_duration(a, 'max'='0'), zero_duration(f) from root.s.d`),
		cols: []string{`zero_duration(root.s.d.a, "min"="1")`, `non_zero_duration(root.s.d.a, "max"="0")`, "zero_duration(root.s.d.f)"},
		rows: []string{"1|null|0|0", "2|1|null|null", "4|null|0|null", "6|null|0|null", "7|2|null|null"},
	}, {
		name: "change_points keeps the first point and each change, of numbers, TEXT and BOOLEAN",
		q:    sqlQ(`select change_points(a), change_points(b), change_points(f) from root.s.d`),
		cols: []string{"change_points(root.s.d.a)", "change_points(root.s.d.b)", "change_points(root.s.d.f)"},
		rows: []string{"1|3|b|false", "2|0|a|true", "3|null|c|null", "4|5|null|null", "5|0|null|null", "6|7|null|null", "7|0|null|null"},
	}, {
		name: "empty input: no rows",
		q:    sqlQ(`select top_k(a, 'k'='2'), zero_count(a), m4(a, 'windowSize'='3'), equal_size_bucket_agg_sample(a) from root.s.d where time > 100`),
		cols: []string{`top_k(root.s.d.a, "k"="2")`, "zero_count(root.s.d.a)", `m4(root.s.d.a, "windowSize"="3")`, "equal_size_bucket_agg_sample(root.s.d.a)"},
	}, {
		name: "k is required", q: sqlQ(`select top_k(a) from root.s.d`),
		errCode: 701, errText: `attribute "k" is required`,
	}, {
		name: "k out of range", q: sqlQ(`select top_k(a, 'k'='0') from root.s.d`),
		errCode: 701, errText: `"k" must be in [1, 1000]`,
	}, {
		name: "over an expression", q: sqlQ(`select top_k(a + 1, 'k'='1') from root.s.d`),
		errCode: 701, errText: "TOP_K: takes a series, not an expression",
	}, {
		name: "in WHERE", q: sqlQ(`select a from root.s.d where zero_count(a) > 1`),
		errCode: 701, errText: "ZERO_COUNT: can only be used in the select list of a raw query",
	}, {
		name: "under ALIGN BY DEVICE", q: sqlQ(`select top_k(a, 'k'='1') from root.s.d align by device`),
		errCode: 701, errText: "without ALIGN BY DEVICE",
	}, {
		name: "min above max", q: sqlQ(`select zero_count(a, 'min'='3', 'max'='2') from root.s.d`),
		errCode: 701, errText: "min 3 is above max 2",
	}, {
		name: "top_k of BOOLEAN", q: sqlQ(`select top_k(f, 'k'='1') from root.s.d`),
		errCode: 701, errText: "got BOOLEAN",
	}})
}
