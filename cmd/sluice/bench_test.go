package main

import (
	"flag"
	"io"
	"testing"

	"github.com/sluicedb/sluice/bench"
)

// TestBenchSizes: --pipe measures one session unless --workers says
// otherwise, and --points and --values shape the workload.
func TestBenchSizes(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		pipe    bool
		points  string
		values  string
		workers int
		rows    int
		kind    bench.Values
	}{
		{args: nil, pipe: true, values: "random-walk", workers: 1, rows: 10000, kind: bench.RandomWalk},
		{args: []string{"--workers", "4"}, pipe: true, values: "regular", workers: 4, rows: 10000, kind: bench.Regular},
		{args: nil, pipe: false, points: "5M", values: "regular", workers: 4, rows: 5000, kind: bench.Regular},
		{args: nil, pipe: true, points: "1M,5M", values: "regular,random-walk", workers: 1, rows: 1000, kind: bench.Regular},
	} {
		cfg := bench.DefaultConfig()
		fs := flag.NewFlagSet("bench", flag.ContinueOnError)
		fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if code := benchSizes(fs, &cfg, tt.pipe, tt.points, tt.values, "", "", "", io.Discard); code != 0 {
			t.Fatalf("%v: exit %d", tt.args, code)
		}
		if cfg.Workers != tt.workers || cfg.TotalRows != tt.rows || cfg.Values != tt.kind {
			t.Errorf("%v pipe=%v points=%q values=%q: %d workers, %d rows, %s values", tt.args, tt.pipe, tt.points, tt.values,
				cfg.Workers, cfg.TotalRows, cfg.Values)
		}
	}
}
