package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluicedb/sluice/bench"
)

// benchSizes checks the flags of `sluice bench` that size and shape a run
// and applies them to cfg; it returns 0, or the exit code after telling
// stderr what is wrong.
func benchSizes(fs *flag.FlagSet, cfg *bench.Config, pipe bool, points, values, baseline, jsonFile, chartFile string, stderr io.Writer) int {
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sluice bench: "+format+"\n", a...)
		return 2
	}
	if !pipe {
		for name, v := range map[string]string{"--baseline": baseline, "--json": jsonFile, "--chart": chartFile} {
			if v != "" {
				return bad("%s needs --pipe", name)
			}
		}
	}
	if baseline != "" && baseline != "postgres" {
		return bad("--baseline %q: the only baseline is postgres", baseline)
	}
	vs, err := bench.ParseValuesList(values)
	if err != nil {
		return bad("--values: %v", err)
	}
	if !pipe && len(vs) > 1 {
		return bad("--values: one kind without --pipe, got %q", values)
	}
	cfg.Values = vs[0]
	if points != "" {
		ps, err := bench.ParseCounts(points)
		if err != nil {
			return bad("--points: %v", err)
		}
		if !pipe && len(ps) > 1 {
			return bad("--points: one size without --pipe, got %q", points)
		}
		for _, p := range ps {
			if _, err := cfg.WithPoints(p); err != nil {
				return bad("--points: %v", err)
			}
		}
		sized, _ := cfg.WithPoints(ps[0])
		cfg.TotalRows = sized.TotalRows
	}
	// The sync comparison is one client session unless asked otherwise,
	// as the reference measurement is.
	workersSet := false
	fs.Visit(func(f *flag.Flag) { workersSet = workersSet || f.Name == "workers" })
	if pipe && !workersSet {
		cfg.Workers = 1
	}
	if cfg.Workers < 1 {
		return bad("--workers must be at least 1, got %d", cfg.Workers)
	}
	return 0
}

// runCompare runs `sluice bench --pipe` over every size and kind of values
// and writes the report files asked for.
func runCompare(ctx context.Context, cfg bench.Config, command []string, points, values, baseline, jsonFile, chartFile string, stdout, stderr io.Writer) int {
	c := bench.Comparison{Base: cfg, Postgres: baseline == "postgres", PostgresBin: bench.PostgresBinDir, Command: command}
	c.Values, _ = bench.ParseValuesList(values) // checked by benchSizes
	c.Points = []int64{int64(cfg.Devices * cfg.Measurements * cfg.TotalRows)}
	if points != "" {
		c.Points, _ = bench.ParseCounts(points)
	}
	rep, err := bench.Compare(ctx, c, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "sluice bench --pipe: %v\n", err)
		return 1
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{jsonFile, rep.WriteJSON}, {chartFile, rep.WriteSVG}} {
		if f.name == "" {
			continue
		}
		if err := writeFile(f.name, f.write); err != nil {
			fmt.Fprintf(stderr, "sluice bench --pipe: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.name)
	}
	return 0
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.Close()
}
