package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
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
		if code := benchSizes(fs, &cfg, tt.pipe, tt.points, tt.values, "", io.Discard); code != 0 {
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
		{args: []string{"bench", "--pipe", "--pipe-cost"}, code: 2, err: "--pipe and --pipe-cost are separate runs: give one"},
		{args: []string{"bench", "--pipe", "--source-cluster"}, code: 2, err: "--pipe and --source-cluster are separate runs: give one"},
		{args: []string{"bench", "--pipe", "--host", "db1"}, code: 2, err: "--host does not go with --pipe: it applies to the ingest run"},
		{args: []string{"bench", "--source-cluster", "--port", "6667"}, code: 2, err: "--port does not go with --source-cluster"},
		{args: []string{"bench", "--pipe-cost", "--chart", "c.svg"}, code: 2, err: "--chart does not go with --pipe-cost: it applies to --pipe or --source-cluster"},
		{args: []string{"bench", "--pipe-cost", "--baseline", "postgres"}, code: 2, err: "--baseline does not go with --pipe-cost: it applies to --pipe"},
		{args: []string{"bench", "--source-cluster", "--baseline", "postgres"}, code: 2, err: "--baseline does not go with --source-cluster"},
		{args: []string{"bench", "--source-cluster", "--progress-interval", "1h"}, code: 2, err: "--progress-interval does not go with --source-cluster"},
		{args: []string{"bench", "--pipe", "--cost-runs", "5"}, code: 2, err: "--cost-runs does not go with --pipe: it applies to --pipe-cost"},
		{args: []string{"bench", "--sink-attr", "a=b"}, code: 2, err: "--sink-attr needs --pipe, --pipe-cost or --source-cluster"},
		{args: []string{"bench", "--pipe", "--pin-sender", "0"}, code: 2, err: "--pin-sender needs --pin"},
		{args: []string{"bench", "--pipe", "--pin-receiver", "1"}, code: 2, err: "--pin-receiver needs --pin"},
		{args: []string{"bench", "--pipe", "--pg-stream", "text"}, code: 2, err: "--pg-stream needs --baseline"},
		{args: []string{"bench", "--pipe", "--baseline", "postgres", "--pg-stream", "csv"}, code: 2, err: `--pg-stream: unknown PostgreSQL stream format "csv": want binary or text`},
		{args: []string{"bench", "--pg-stream", "text"}, code: 2, err: "--pg-stream needs --pipe"},
		{args: []string{"bench", "--pipe", "extra"}, code: 2, err: `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, strings.NewReader(""), &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.err) {
				t.Fatalf("run(%q) = %d\nstdout: %s\nstderr: %s", tt.args, code, out.String(), errOut.String())
			}
		})
	}
}

// TestBenchHelpListsEveryFlag: `sluice bench --help` shows the grouped
// synopsis and every flag, and the synopsis names every flag once.
func TestBenchHelpListsEveryFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"bench", "--help"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("bench --help: exit %d", code)
	}
	help := errOut.String()
	if !strings.HasPrefix(help, "usage:\n"+benchSynopsis) {
		t.Errorf("help does not start with the synopsis:\n%s", help)
	}
	for _, name := range []string{"rows-per-device", "points", "workers", "values", "host", "port", "pipe", "pipe-cost",
		"source-cluster", "baseline", "pg-stream", "cost-runs", "cost-warmup", "target-cluster", "json", "chart", "sink-attr",
		"progress-interval", "processes", "sluice-binary", "pin", "pin-sender", "pin-receiver"} {
		if !strings.Contains(help, "  -"+name+" ") && !strings.Contains(help, "  -"+name+"\n") {
			t.Errorf("--help does not describe -%s", name)
		}
		if n := strings.Count(benchSynopsis, "--"+name+" ") + strings.Count(benchSynopsis, "--"+name+"]"); n != 1 {
			t.Errorf("the synopsis names --%s %d times, want once", name, n)
		}
	}
	var usage bytes.Buffer
	run(nil, strings.NewReader(""), io.Discard, &usage)
	if !strings.Contains(usage.String(), benchSynopsis) {
		t.Errorf("the top-level usage lacks the bench synopsis:\n%s", usage.String())
	}
}

// TestReadmeBenchLines: README's usage block carries the same bench
// synopsis as --help, so neither drifts.
func TestReadmeBenchLines(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for line := range strings.SplitSeq(benchSynopsis, "\n") {
		want.WriteString(strings.TrimPrefix(line, "  ") + "\n")
	}
	if !strings.Contains(string(readme), want.String()) {
		t.Errorf("README.md lacks the bench synopsis of --help:\n%s", want.String())
	}
}

// TestReportFilesWritesJSONAndChart: the files --json and --chart name
// are written from the mode's report, and named on stdout.
func TestReportFilesWritesJSONAndChart(t *testing.T) {
	dir := t.TempDir()
	rep := bench.Report{Mode: bench.ModeCluster, Runs: []bench.SizeRun{{Points: 1000, Values: bench.Regular,
		Sluice: bench.Figures{SyncPointsPerSecond: 1e6, LatencyP50Milliseconds: 5, LatencyP99Milliseconds: 50}}}}
	files := reportFiles{json: filepath.Join(dir, "r.json"), chart: filepath.Join(dir, "r.svg")}
	var out bytes.Buffer
	if err := files.write(rep, &out); err != nil {
		t.Fatal(err)
	}
	var got bench.Report
	b, err := os.ReadFile(files.json)
	if err != nil || json.Unmarshal(b, &got) != nil || got.Mode != bench.ModeCluster || len(got.Runs) != 1 {
		t.Fatalf("JSON (%v): %s", err, b)
	}
	if svg, err := os.ReadFile(files.chart); err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Fatalf("chart (%v): %.200s", err, svg)
	}
	if !strings.Contains(out.String(), "wrote "+files.json) || !strings.Contains(out.String(), "wrote "+files.chart) {
		t.Fatalf("stdout: %s", out.String())
	}
	if err := (reportFiles{json: filepath.Join(dir, "missing", "r.json")}).write(rep, io.Discard); err == nil {
		t.Fatal("a file that cannot be created is not an error")
	}
}
