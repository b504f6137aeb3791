package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// costPrefix is the database the pipe-cost runs write.
const costPrefix = "root.cost"

// CostRun is one ingest into A in the pipe-cost comparison.
type CostRun struct {
	WithPipe bool
	Points   int64
	Ingest   time.Duration // the timed ingest into A
	// Counted is what count(*) finds afterwards: on A without a pipe, on
	// B with one (once B holds every point).
	Counted int64
	// Sync is, with a pipe, the ingest's start until B holds every point.
	Sync time.Duration
}

// PointsPerSecond is the run's ingest rate into A.
func (r CostRun) PointsPerSecond() float64 { return float64(r.Points) / r.Ingest.Seconds() }

// CostResult is the pipe's cost to the sender: ingest into A without a
// pipe and with one running to B, runs alternating.
type CostResult struct {
	Runs []CostRun
	// Warmup are the pairs of runs made first and left out of the
	// figures: on a machine fresh from idle the first runs are the
	// slowest (caches, the page cache, CPU clocks).
	Warmup []CostRun
	// MedianWithout and MedianWith are the median ingest rates, points/s.
	MedianWithout, MedianWith float64
	// Ratio is MedianWith / MedianWithout; issue #11 wants >= 0.9.
	Ratio float64
	// SpreadWithout and SpreadWith are each kind's (max-min)/median: when
	// they pass the margin the ratio is judged on, the machine was too
	// noisy for a verdict.
	SpreadWithout, SpreadWith float64
	// LoadBefore and LoadAfter are the load averages (1, 5 and 15
	// minutes) before the first run and after the last.
	LoadBefore, LoadAfter string
}

// Noisy reports whether runs of one kind spread wider than the margin
// the ratio is judged on: the machine was too noisy for a verdict.
func (r CostResult) Noisy() bool { return r.SpreadWithout > noisySpread || r.SpreadWith > noisySpread }

// noisySpread is the spread between runs of one kind beyond which the
// report warns: the issue judges the ratio on a 10% margin.
const noisySpread = 0.10

// RunPipeCost measures what a running pipe costs the sender's ingest:
// after warmup pairs of runs left out of the figures, runs ingests into A
// without a pipe and runs with one to B, each on a fresh A and B so no run
// inherits another's data, compactions or pipe backlog. The kinds follow
// each other in pairs mirrored in turn (without, with, with, without, ...),
// so that a machine getting faster or slower through the runs, as one
// warming up does, weighs on both kinds alike. With cfg.Procs.Pin, A and
// the bench's client share the sender cores and B has its own, so B's work
// does not count against A.
func RunPipeCost(ctx context.Context, cfg Config, runs, warmup int, out io.Writer) (CostResult, error) {
	var res CostResult
	if runs < 1 {
		return res, fmt.Errorf("pipe cost: want at least 1 run of each kind, got %d", runs)
	}
	if warmup < 0 {
		return res, fmt.Errorf("pipe cost: want 0 or more warm-up pairs, got %d", warmup)
	}
	fmt.Fprintf(out, "workload: %d devices x %d DOUBLE measurements, tablets of %d rows, %d points, %d sessions\n",
		cfg.Devices, cfg.Measurements, cfg.Rows, cfg.Devices*cfg.Measurements*cfg.TotalRows, cfg.Workers)
	res.LoadBefore = loadAverage()
	fmt.Fprintf(out, "load average before the runs: %s (%d cores)\n", res.LoadBefore, runtime.NumCPU())
	if pin := cfg.Procs.Pin; pin != nil {
		fmt.Fprintf(out, "pinned: %s\n", pin)
	} else {
		fmt.Fprintln(out, "not pinned: A, B and the client share every core, so B's work is charged to A (use --pin)")
	}
	for i := range 2 * warmup {
		r, err := costRun(ctx, cfg, i%2 == 1, out)
		if err != nil {
			return res, fmt.Errorf("warm-up run %d of %d: %w", i+1, 2*warmup, err)
		}
		res.Warmup = append(res.Warmup, r)
		fmt.Fprintf(out, "warm-up run %d/%d %s, not counted: %.0f points/s\n", i+1, 2*warmup, costKind(r), r.PointsPerSecond())
	}
	for i, withPipe := range costOrder(runs) {
		r, err := costRun(ctx, cfg, withPipe, out)
		if err != nil {
			return res, fmt.Errorf("run %d of %d: %w", i+1, 2*runs, err)
		}
		res.Runs = append(res.Runs, r)
		what := costKind(r)
		if r.WithPipe {
			what = fmt.Sprintf("%s   (B held every point %.2fs after the ingest started)", what, r.Sync.Seconds())
		}
		fmt.Fprintf(out, "run %d/%d %s: %d points in %.2fs = %.0f points/s\n", i+1, 2*runs, what, r.Points, r.Ingest.Seconds(), r.PointsPerSecond())
	}
	var without, with []float64
	for _, r := range res.Runs {
		if r.WithPipe {
			with = append(with, r.PointsPerSecond())
		} else {
			without = append(without, r.PointsPerSecond())
		}
	}
	res.MedianWithout, res.MedianWith = median(without), median(with)
	res.SpreadWithout, res.SpreadWith = spread(without), spread(with)
	res.Ratio = res.MedianWith / res.MedianWithout
	fmt.Fprintf(out, "pipe cost to the sender: median ingest %.0f points/s without a pipe, %.0f with one: ratio %.3f (with/without)\n",
		res.MedianWithout, res.MedianWith, res.Ratio)
	res.LoadAfter = loadAverage()
	fmt.Fprintf(out, "load average after the runs: %s\n", res.LoadAfter)
	if res.Noisy() {
		fmt.Fprintf(out, "warning: runs of one kind differ by %.0f%% (without) and %.0f%% (with) of their median, more than the %.0f%% the ratio is judged on: the machine is too noisy for a verdict\n",
			100*res.SpreadWithout, 100*res.SpreadWith, 100*noisySpread)
	}
	return res, nil
}

// spread is (max-min)/median of xs; 0 for fewer than two.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	return (slices.Max(xs) - slices.Min(xs)) / median(xs)
}

// loadAverage is the 1, 5 and 15 minute load averages, for reports.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// costOrder is the kind of each of 2*runs runs, true for a run with a
// pipe: pairs mirrored in turn, without first.
func costOrder(runs int) []bool {
	order := make([]bool, 2*runs)
	for i := range order {
		order[i] = i%4 == 1 || i%4 == 2
	}
	return order
}

// costKind names the kind of run r is.
func costKind(r CostRun) string {
	if r.WithPipe {
		return "with a pipe"
	}
	return "without a pipe"
}

// costRun is one run on a fresh A and B.
func costRun(ctx context.Context, cfg Config, withPipe bool, out io.Writer) (r CostRun, err error) {
	r.WithPipe = withPipe
	p, err := startPair(ctx, cfg)
	if err != nil {
		return r, err
	}
	defer p.Close()
	defer func() { err = p.failed(ctx, err) }()
	sa, err := openSessions("127.0.0.1", p.a.port, cfg.Workers)
	if err != nil {
		return r, err
	}
	defer closeSessions(sa)
	if withPipe {
		sink, err := sinkClause([]int{p.b.port}, cfg.SinkAttributes)
		if err != nil {
			return r, err
		}
		if err := exec(sa[0], "create pipe cost with source ('source.pattern'='"+costPrefix+"') with sink ("+sink+")"); err != nil {
			return r, err
		}
	}
	// The database and its regions are created outside the clock; the
	// workload writes this point again, so counts stay exact.
	if err := exec(sa[0], "insert into "+costPrefix+".d0(time, s0) values (0, 0.0)"); err != nil {
		return r, fmt.Errorf("first write: %w", err)
	}
	start := time.Now()
	if r.Points, err = ingest(cfg, sa, costPrefix, out); err != nil {
		return r, err
	}
	r.Ingest = time.Since(start)
	if !withPipe {
		if r.Counted, err = countAll(sa[0], costPrefix+".**"); err != nil {
			return r, fmt.Errorf("count on A: %w", err)
		}
	} else {
		sb, err := open("127.0.0.1", p.b.port)
		if err != nil {
			return r, err
		}
		defer sb.Close()
		if r.Counted, _, err = waitHolds(ctx, sb, costPrefix+".**", r.Points, out); err != nil {
			return r, err
		}
		r.Sync = time.Since(start)
	}
	if r.Counted != r.Points {
		where := "A"
		if withPipe {
			where = "B"
		}
		return r, fmt.Errorf("count(*) on %s found %d points, %d were written", where, r.Counted, r.Points)
	}
	return r, nil
}

// median is the middle value of xs (the mean of the two middle ones for
// an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
