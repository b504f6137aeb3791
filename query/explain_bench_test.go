package query

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// BenchmarkExplainAnalyzeRawScan is BenchmarkRawScan's query under EXPLAIN
// ANALYZE: the difference is what recording every read costs.
func BenchmarkExplainAnalyzeRawScan(b *testing.B) {
	st := newFakeStore()
	for s := range 10 {
		pts := make([]any, 0, 200_000)
		for t := range 100_000 {
			pts = append(pts, t, float64(t))
		}
		st.add(fmt.Sprintf("root.bench.d.s%d", s), model.Double, pts...)
	}
	q := sel(col("*")).from("root.bench.d").s
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		lines, err := ExplainAnalyze(ctx, st, q, testOpts, false)
		if err != nil || !strings.HasPrefix(lines[0], "Query: 100000 rows ") {
			b.Fatalf("%v: %q", err, lines)
		}
	}
}
