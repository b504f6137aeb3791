package query

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkExplainAnalyzeRawScan is BenchmarkRawScan's query under EXPLAIN
// ANALYZE: the difference is what recording every read costs.
func BenchmarkExplainAnalyzeRawScan(b *testing.B) {
	st := scanStore()
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
