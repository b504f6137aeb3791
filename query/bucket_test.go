package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// rampStore is IoTDB's sampling example: 0.0 .. 99.0 at times 0 .. 99.
func rampStore() *fakeStore {
	f := newFakeStore()
	for i := range 100 {
		f.add("root.ln.wf01.wt01.temperature", model.Double, i, float64(i))
	}
	f.add("root.ln.wf01.wt01.n", model.Int32, 1, int32(-7), 2, int32(3), 3, int32(5))
	return f
}

// The first cases are IoTDB's documented examples; the others worked out by
// hand.
func TestEqualSizeBucketSamples(t *testing.T) {
	runCasesOn(t, rampStore, []queryCase{{
		name: "agg sample: buckets of 10 points, each aggregated at its first time",
		q: sqlQ(`select equal_size_bucket_agg_sample(temperature, 'type'='avg', 'proportion'='0.1'), equal_size_bucket_agg_sample(temperature, 'type'='max', 'proportion'='0.1'),
			equal_size_bucket_agg_sample(temperature, 'type'='variance', 'proportion'='0.1') from root.ln.wf01.wt01 where time < 30`),
		cols: []string{`equal_size_bucket_agg_sample(root.ln.wf01.wt01.temperature, "type"="avg", "proportion"="0.1")`,
			`equal_size_bucket_agg_sample(root.ln.wf01.wt01.temperature, "type"="max", "proportion"="0.1")`,
			`equal_size_bucket_agg_sample(root.ln.wf01.wt01.temperature, "type"="variance", "proportion"="0.1")`},
		types: []model.DataType{f64, f64, f64},
		rows:  []string{"0|4.5|9|8.25", "10|14.5|19|8.25", "20|24.5|29|8.25"},
	}, {
		name: "m4 sample: buckets of 40 points, first, last, and the extremes between",
		q:    sqlQ(`select equal_size_bucket_m4_sample(temperature, 'proportion'='0.1') from root.ln.wf01.wt01`),
		cols: []string{`equal_size_bucket_m4_sample(root.ln.wf01.wt01.temperature, "proportion"="0.1")`},
		rows: []string{"0|0", "1|1", "38|38", "39|39", "40|40", "41|41", "78|78", "79|79", "80|80", "81|81", "98|98", "99|99"},
	}, {
		name:  "sum, min and extreme (the signed value of the largest magnitude) over buckets of 2, the last shorter",
		q:     sqlQ(`select equal_size_bucket_agg_sample(n, 'type'='sum', 'proportion'='0.5'), equal_size_bucket_agg_sample(n, 'type'='min', 'proportion'='0.5'), equal_size_bucket_agg_sample(n, 'type'='extreme', 'proportion'='0.5') from root.ln.wf01.wt01`),
		cols:  []string{`equal_size_bucket_agg_sample(root.ln.wf01.wt01.n, "type"="sum", "proportion"="0.5")`, `equal_size_bucket_agg_sample(root.ln.wf01.wt01.n, "type"="min", "proportion"="0.5")`, `equal_size_bucket_agg_sample(root.ln.wf01.wt01.n, "type"="extreme", "proportion"="0.5")`},
		types: []model.DataType{f64, f64, f64},
		rows:  []string{"1|-4|-7|-7", "3|5|5|5"},
	}, {
		name: "a bad proportion", q: sqlQ(`select equal_size_bucket_m4_sample(n, 'proportion'='0') from root.ln.wf01.wt01`),
		errCode: 701, errText: `"proportion" must be in (0, 1]`,
	}, {
		name: "a bad type", q: sqlQ(`select equal_size_bucket_agg_sample(n, 'type'='median') from root.ln.wf01.wt01`),
		errCode: 701, errText: `"type" must be avg, max, min, sum, extreme or variance`,
	}})
}
