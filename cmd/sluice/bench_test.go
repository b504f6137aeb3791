package main

import (
	"bytes"
	"flag"
	"io"
	"strings"
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

// TestBenchFlagErrors: flags of the comparison that do not fit are refused
// before anything runs, naming the problem.
func TestBenchFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		err  string
	}{
		{args: []string{"bench", "--json", "out.json"}, code: 2, err: "--json needs --pipe"},
		{args: []string{"bench", "--chart", "out.svg"}, code: 2, err: "--chart needs --pipe"},
		{args: []string{"bench", "--baseline", "postgres"}, code: 2, err: "--baseline needs --pipe"},
		{args: []string{"bench", "--pipe", "--baseline", "mysql"}, code: 2, err: `--baseline "mysql": the only baseline is postgres`},
		{args: []string{"bench", "--pipe", "--values", "regular,noisy"}, code: 2, err: `--values: unknown values "noisy": want regular or random-walk`},
		{args: []string{"bench", "--values", "regular,random-walk"}, code: 2, err: "--values: one kind without --pipe"},
		{args: []string{"bench", "--pipe", "--points", "1M,lots"}, code: 2, err: `--points: bad count "lots"`},
		{args: []string{"bench", "--pipe", "--points", "1M,750k"}, code: 2, err: "--points: 750000 points is not a positive multiple of 500000"},
		{args: []string{"bench", "--points", "1M,5M"}, code: 2, err: "--points: one size without --pipe"},
		{args: []string{"bench", "--pipe", "--workers", "0"}, code: 2, err: "--workers must be at least 1, got 0"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, strings.NewReader(""), &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.err) {
				t.Fatalf("run(%q) = %d\nstdout: %s\nstderr: %s", tt.args, code, out.String(), errOut.String())
			}
		})
	}
}
