package query

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// BenchmarkCountStar runs count(*) over 10,000 series of 100 points, which
// the executor answers from Store.Stats.
func BenchmarkCountStar(b *testing.B) {
	st := newFakeStore()
	for d := range 100 {
		for s := range 100 {
			pts := make([]any, 0, 200)
			for t := range 100 {
				pts = append(pts, t, int64(t))
			}
			st.add(fmt.Sprintf("root.bench.d%03d.s%03d", d, s), model.Int64, pts...)
		}
	}
	q := sel(fn("count", col("*"))).from("root.bench.**").s
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := Execute(ctx, st, q, testOpts)
		if err != nil {
			b.Fatal(err)
		}
		batch, err := res.Rows.Next(ctx, 1024)
		if err != nil || batch == nil || len(batch.Columns) != 10000 || batch.Columns[9999].Int64s[0] != 100 {
			b.Fatalf("batch %v, err %v", batch != nil, err)
		}
		res.Rows.Close()
	}
}

// scanStore holds 10 series of 100,000 points, root.bench.d.s0..s9.
func scanStore() *fakeStore {
	st := newFakeStore()
	for s := range 10 {
		pts := make([]any, 0, 200_000)
		for t := range 100_000 {
			pts = append(pts, t, float64(t))
		}
		st.add(fmt.Sprintf("root.bench.d.s%d", s), model.Double, pts...)
	}
	return st
}

// BenchmarkRawScan reads 10 series of 100,000 points joined on time.
func BenchmarkRawScan(b *testing.B) {
	st := scanStore()
	q := sel(col("*")).from("root.bench.d").s
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := Execute(ctx, st, q, testOpts)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			batch, err := res.Rows.Next(ctx, 4096)
			if err != nil {
				b.Fatal(err)
			}
			if batch == nil {
				break
			}
			rows += batch.Len()
		}
		res.Rows.Close()
		if rows != 100_000 {
			b.Fatalf("%d rows", rows)
		}
	}
}
