package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/bench"
)

// benchSynopsis is `sluice bench` in the top-level usage and its --help:
// each flag once, the flags every mode shares first, then each mode's.
const benchSynopsis = `  sluice bench [--pipe | --pipe-cost | --source-cluster] [--points N | --rows-per-device N] [--workers N] [--values regular|random-walk]
      the ingest run (no mode): [--host H --port P]
      --pipe: [--baseline postgres [--pg-stream binary|text]]; sizes and values may be lists (1M,5M regular,random-walk)
      --pipe-cost: [--cost-runs 3] [--cost-warmup 1]
      --source-cluster: [--target-cluster]
      every pipe mode: [--json FILE] [--chart FILE.svg] (not with --pipe-cost) [--sink-attr K=V]... [--progress-interval D] (not with --source-cluster)
                       [--processes] [--sluice-binary PATH] [--pin [--pin-sender 0] [--pin-receiver 1]]`

// benchMode names the run a `sluice bench` command line asks for: "" (the
// ingest run) or one of the pipe modes' flags.
type benchMode string

const (
	modeIngest   benchMode = ""
	modePipe     benchMode = "pipe"
	modePipeCost benchMode = "pipe-cost"
	modeCluster  benchMode = "source-cluster"
)

var pipeModes = []benchMode{modePipe, modePipeCost, modeCluster}

// benchFlagModes says which modes each mode-specific flag of `sluice
// bench` applies to; a flag given for another mode is an error naming
// both. Flags not listed apply to every mode.
var benchFlagModes = map[string][]benchMode{
	"host":              {modeIngest},
	"port":              {modeIngest},
	"baseline":          {modePipe},
	"pg-stream":         {modePipe},
	"json":              pipeModes,
	"chart":             {modePipe, modeCluster},
	"progress-interval": {modePipe, modePipeCost},
	"sink-attr":         pipeModes,
	"cost-runs":         {modePipeCost},
	"cost-warmup":       {modePipeCost},
	"target-cluster":    {modeCluster},
	"processes":         pipeModes,
	"sluice-binary":     pipeModes,
	"pin":               pipeModes,
	"pin-sender":        pipeModes,
	"pin-receiver":      pipeModes,
}

// describe names a set of modes for error messages.
func describe(modes []benchMode) string {
	names := make([]string, len(modes))
	for i, m := range modes {
		if m == modeIngest {
			names[i] = "the ingest run (no --pipe, --pipe-cost or --source-cluster)"
		} else {
			names[i] = "--" + string(m)
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// checkBenchFlags finds the mode the set flags ask for and refuses flags
// that do not go with it, or with each other.
func checkBenchFlags(set map[string]bool, modeFlags map[benchMode]bool) (benchMode, error) {
	mode := modeIngest
	for _, m := range pipeModes {
		if !modeFlags[m] {
			continue
		}
		if mode != modeIngest {
			return mode, fmt.Errorf("--%s and --%s are separate runs: give one", mode, m)
		}
		mode = m
	}
	// Name order: the first offending flag is always the one reported.
	for _, name := range slices.Sorted(maps.Keys(benchFlagModes)) {
		modes := benchFlagModes[name]
		if !set[name] || slices.Contains(modes, mode) {
			continue
		}
		if mode == modeIngest {
			return mode, fmt.Errorf("--%s needs %s", name, describe(modes))
		}
		return mode, fmt.Errorf("--%s does not go with --%s: it applies to %s", name, mode, describe(modes))
	}
	for _, pair := range [][2]string{{"pin-sender", "pin"}, {"pin-receiver", "pin"}, {"pg-stream", "baseline"}} {
		if set[pair[0]] && !set[pair[1]] {
			return mode, fmt.Errorf("--%s needs --%s", pair[0], pair[1])
		}
	}
	return mode, nil
}

// runBench parses `sluice bench`, checks that its flags go together, and
// runs the mode asked for.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := bench.DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage:\n%s\n\nflags:\n", benchSynopsis)
		fs.PrintDefaults()
	}
	// Every mode.
	fs.IntVar(&cfg.TotalRows, "rows-per-device", cfg.TotalRows, "rows written per device")
	points := fs.String("points", "", "points per run: a count (1000000, 500k, 5M) or with --pipe a list of sizes to measure (1M,5M); overrides --rows-per-device")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "concurrent client sessions (--pipe: 1 unless given, as the reference measurement)")
	values := fs.String("values", "random-walk", "values written: random-walk (noisy) or regular (a smooth series); with --pipe a list (regular,random-walk)")
	// The ingest run.
	fs.StringVar(&cfg.Host, "host", "", "the ingest run: server to load (default: an in-process standalone node on a temp dir)")
	fs.IntVar(&cfg.Port, "port", 6667, "the ingest run: server port, with --host")
	// The modes.
	syncBench := fs.Bool("pipe", false, "measure sync A -> B through a pipe, on fresh servers")
	pipeCost := fs.Bool("pipe-cost", false, "measure the pipe's cost to the sender: ingest into A without and with a pipe to B, alternating, on fresh child processes")
	sourceCluster := fs.Bool("source-cluster", false, "measure a pipe out of a 3 ConfigNode + 3 DataNode cluster (RF=3) into a standalone receiver, all child processes")
	// Mode options.
	baseline := fs.String("baseline", "", "with --pipe: postgres runs PostgreSQL 15 logical replication on the same workload in the same run (installs postgresql-15 when root and missing), pinned as Sluice with --pin")
	pgStream := fs.String("pg-stream", bench.StreamBinary, "with --baseline postgres: the subscription's format, binary (PostgreSQL at its fastest on this workload) or text")
	costRuns := fs.Int("cost-runs", 3, "with --pipe-cost: runs of each kind")
	costWarmup := fs.Int("cost-warmup", 1, "with --pipe-cost: pairs of runs made first and left out of the figures")
	fs.BoolVar(&cfg.Procs.TargetCluster, "target-cluster", false, "with --source-cluster: the receiver is a second 3+3 cluster rather than a standalone node")
	// Every pipe mode.
	jsonFile := fs.String("json", "", "pipe modes: write every figure, the machine, the setup and the command line to this JSON file")
	chartFile := fs.String("chart", "", "with --pipe or --source-cluster: draw throughput, tail lag and latency to this SVG file")
	fs.Func("sink-attr", "pipe modes: add key=value to the pipe's SINK clause (repeatable; e.g. sink.batch.enable=false, sink.compressor=lz4)", func(kv string) error {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		cfg.SinkAttributes = append(cfg.SinkAttributes, kv)
		return nil
	})
	fs.DurationVar(&cfg.ProgressInterval, "progress-interval", 0, "with --pipe or --pipe-cost: the sender's pipe progress commit interval (default 1s; e.g. 1h leaves commits out)")
	fs.BoolVar(&cfg.Procs.Enabled, "processes", false, "pipe modes: run the servers as child sluice processes (--pipe-cost and --source-cluster always do)")
	fs.StringVar(&cfg.Procs.Binary, "sluice-binary", "", "pipe modes: the sluice binary child processes run (default: this executable)")
	pin := fs.Bool("pin", false, "pipe modes: pin the sender (A, or the source cluster; PostgreSQL's A too) and the bench's client to --pin-sender cores, the receiver to --pin-receiver cores (implies --processes)")
	pinSender := fs.String("pin-sender", "0", "with --pin: cores of the sender and the client, as taskset -c takes them (0, 0-3, 0,2)")
	pinReceiver := fs.String("pin-receiver", "1", "with --pin: cores of the receiver")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	mode, err := checkBenchFlags(set, map[benchMode]bool{modePipe: *syncBench, modePipeCost: *pipeCost, modeCluster: *sourceCluster})
	if err != nil {
		fmt.Fprintf(stderr, "sluice bench: %v\n", err)
		return 2
	}
	if code := benchSizes(fs, &cfg, mode == modePipe, *points, *values, *baseline, stderr); code != 0 {
		return code
	}
	if _, err := bench.ParseStream(*pgStream); err != nil {
		fmt.Fprintf(stderr, "sluice bench: --pg-stream: %v\n", err)
		return 2
	}
	if cfg.ProgressInterval < 0 {
		fmt.Fprintf(stderr, "sluice bench: --progress-interval must not be negative, got %s\n", cfg.ProgressInterval)
		return 2
	}
	if *costWarmup < 0 {
		fmt.Fprintf(stderr, "sluice bench: --cost-warmup must be 0 or more, got %d\n", *costWarmup)
		return 2
	}
	if *costRuns < 1 {
		fmt.Fprintf(stderr, "sluice bench: --cost-runs must be at least 1, got %d\n", *costRuns)
		return 2
	}
	if *pin {
		allowed, err := bench.AllowedCPUs()
		if err != nil {
			fmt.Fprintf(stderr, "sluice bench --pin: %v\n", err)
			return 2
		}
		plan, err := bench.NewPinPlan(*pinSender, *pinReceiver, allowed)
		if err != nil {
			fmt.Fprintf(stderr, "sluice bench --pin: %v\n", err)
			return 2
		}
		cfg.Procs.Pin = &plan
	}
	command := append([]string{"sluice", "bench"}, args...)
	files := reportFiles{json: *jsonFile, chart: *chartFile}
	var rep bench.Report
	switch mode {
	case modeIngest:
		_, err = bench.Run(ctx, cfg, stdout)
	case modePipe:
		c := bench.Comparison{Base: cfg, Postgres: *baseline == "postgres", Command: command,
			PG: bench.PostgresOptions{BinDir: bench.PostgresBinDir, Stream: *pgStream}}
		c.Values, _ = bench.ParseValuesList(*values) // checked by benchSizes
		c.Points = []int64{int64(cfg.Devices * cfg.Measurements * cfg.TotalRows)}
		if *points != "" {
			c.Points, _ = bench.ParseCounts(*points)
		}
		rep, err = bench.Compare(ctx, c, stdout)
	case modePipeCost:
		cfg.Procs.Enabled = true
		var res bench.CostResult
		if res, err = bench.RunPipeCost(ctx, cfg, *costRuns, *costWarmup, stdout); err == nil {
			rep = bench.CostReport(cfg, res, command)
		}
	case modeCluster:
		var res bench.ClusterResult
		if res, err = bench.RunClusterPipe(ctx, cfg, stdout); err == nil {
			rep = bench.ClusterReport(cfg, res, command)
		}
	}
	if err == nil {
		err = files.write(rep, stdout)
	}
	if err != nil {
		name := "sluice bench"
		if mode != modeIngest {
			name += " --" + string(mode)
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// benchSizes checks the flags of `sluice bench` that size and shape a run
// and applies them to cfg; it returns 0, or the exit code after telling
// stderr what is wrong.
func benchSizes(fs *flag.FlagSet, cfg *bench.Config, pipe bool, points, values, baseline string, stderr io.Writer) int {
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sluice bench: "+format+"\n", a...)
		return 2
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

// reportFiles are the report files a pipe run writes.
type reportFiles struct{ json, chart string }

// write writes rep to the files asked for, saying so on stdout.
func (f reportFiles) write(rep bench.Report, stdout io.Writer) error {
	for _, file := range []struct {
		name  string
		write func(io.Writer) error
	}{{f.json, rep.WriteJSON}, {f.chart, rep.WriteSVG}} {
		if file.name == "" {
			continue
		}
		if err := writeFile(file.name, file.write); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", file.name)
	}
	return nil
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
