package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Comparison is a run of the pipe benchmark over several sizes and kinds
// of values, each next to the PostgreSQL baseline when asked.
type Comparison struct {
	// Base is the workload; its TotalRows is set from each of Points.
	Base Config
	// Points are the sizes to measure, in points (multiples of one tablet
	// batch: Devices x Measurements x Rows).
	Points []int64
	// Values are the kinds of values to measure each size with.
	Values []Values
	// Postgres runs the PostgreSQL 15 logical-replication baseline next
	// to each Sluice run, set up as PG says and pinned as Base.Procs.Pin.
	Postgres bool
	PG       PostgresOptions
	// Command is the command line, recorded in the report.
	Command []string
}

// Compare runs every (values, size) of c: Sluice's pipe on fresh nodes,
// then, when asked, PostgreSQL on fresh instances, and prints the table of
// the report to out at the end.
func Compare(ctx context.Context, c Comparison, out io.Writer) (Report, error) {
	rep := newReport(ModePipe, c.Base, c.Command)
	if c.Postgres {
		stream, err := ParseStream(c.PG.Stream)
		if err != nil {
			return rep, err
		}
		rep.Setup.PostgresStream = stream
		if err := FindPostgres(ctx, c.PG.BinDir, true, out); err != nil {
			return rep, err
		}
	}
	for _, v := range c.Values {
		for _, points := range c.Points {
			cfg, err := c.Base.WithPoints(points)
			if err != nil {
				return rep, err
			}
			cfg.Values = v
			fmt.Fprintf(out, "\n== %s points, %s values: Sluice ==\n", FormatCount(points), v)
			pr, err := RunPipe(ctx, cfg, out)
			if err != nil {
				return rep, fmt.Errorf("sluice, %s points of %s values: %w", FormatCount(points), v, err)
			}
			run := SizeRun{Points: points, Values: v, Sluice: sluiceFigures(pr)}
			if c.Postgres {
				fmt.Fprintf(out, "\n== %s points, %s values: PostgreSQL ==\n", FormatCount(points), v)
				pg, err := RunPostgres(ctx, cfg, c.PG, out)
				if err != nil {
					return rep, fmt.Errorf("PostgreSQL, %s points of %s values: %w", FormatCount(points), v, err)
				}
				f := postgresFigures(pg)
				run.Postgres = &f
				run.SyncRatio = run.Sluice.SyncPointsPerSecond / f.SyncPointsPerSecond
			}
			rep.Runs = append(rep.Runs, run)
		}
	}
	fmt.Fprintln(out)
	rep.WriteTable(out)
	return rep, nil
}

// WithPoints is cfg sized to points in all: TotalRows rows per device.
func (cfg Config) WithPoints(points int64) (Config, error) {
	batch := int64(cfg.Devices * cfg.Measurements * cfg.Rows)
	if points <= 0 || points%batch != 0 {
		return cfg, fmt.Errorf("%d points is not a positive multiple of %d (%d devices x %d measurements x %d-row tablets)",
			points, batch, cfg.Devices, cfg.Measurements, cfg.Rows)
	}
	cfg.TotalRows = int(points / int64(cfg.Devices*cfg.Measurements))
	return cfg, nil
}

// ParseCounts reads a comma-separated list of counts, each a number with
// an optional k or M suffix (1M = 1,000,000): "1M,5M".
func ParseCounts(s string) ([]int64, error) {
	var counts []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1.0
		switch {
		case strings.HasSuffix(f, "M"):
			mult, f = 1e6, strings.TrimSuffix(f, "M")
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1e3, f[:len(f)-1]
		}
		x, err := strconv.ParseFloat(f, 64)
		n := math.Round(x * mult)
		if err != nil || n <= 0 || n > math.MaxInt64/2 || math.Abs(n-x*mult) > 1e-6*n {
			return nil, fmt.Errorf("bad count %q: want a positive whole number like 1000000, 500k or 5M", f)
		}
		counts = append(counts, int64(n))
	}
	return counts, nil
}

// FormatCount writes a count the way ParseCounts reads it: 5M, 500k, 1234.
func FormatCount(n int64) string {
	switch {
	case n >= 1e6 && n%1e5 == 0:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 1e3 && n%100 == 0:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatInt(n, 10)
}

// ParseValuesList reads a comma-separated list of kinds of values.
func ParseValuesList(s string) ([]Values, error) {
	var vs []Values
	for _, f := range strings.Split(s, ",") {
		v, err := ParseValues(f)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}
