// Command sluice is the Sluice binary: a standalone server, cluster nodes,
// and the SQL shell.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sluicedb/sluice/bench"
	"github.com/sluicedb/sluice/cli"
	"github.com/sluicedb/sluice/cli/tsfiletool"
	"github.com/sluicedb/sluice/cluster"
	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/quickstart"
	"github.com/sluicedb/sluice/standalone"
	"github.com/sluicedb/sluice/telemetry"
)

const usage = `usage:
  sluice standalone [--data-dir DIR] [--rpc-port 6667] [--config FILE]
  sluice confignode --config FILE [--data-dir DIR]
  sluice datanode   --config FILE [--data-dir DIR]
  sluice cli [-h 127.0.0.1] [-p 6667] [-u root] [-pw root] [-e "SQL; SQL"] [--format table|csv|json]
  sluice health [confignode|datanode|standalone] [--config FILE] [--addr host:port] [--timeout 5s]
  sluice top [-h 127.0.0.1] [-p 6667] [-u root] [-pw root] [--interval 1s] [-n N]
  sluice import-tsfile -s FILE|DIR [-h 127.0.0.1] [-p 6667] [-u root] [-pw root] [-os none|delete]
  sluice export-tsfile -t DIR [-f NAME] [-path root.db.** | -q "select ..."] [-h 127.0.0.1] [-p 6667] [-u root] [-pw root]
  sluice cert create-ca|create-node|create-client|list --certs-dir DIR ...
  sluice bench --pipe [--points 1M,5M] [--values regular,random-walk] [--baseline postgres] [--json FILE] [--chart FILE.svg]
  sluice bench [--pipe [--progress-interval D] [--sink-attr K=V]...] [--host H --port P] [--rows-per-device N] [--workers N]
               [--pipe-cost [--cost-runs 3]] [--source-cluster [--target-cluster]] [--processes] [--pin [--pin-sender 0] [--pin-receiver 1]] [--sluice-binary PATH]
  sluice quickstart
  sluice version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "standalone":
		return runStandalone(ctx, args[1:], stderr)
	case "quickstart":
		if err := quickstart.Run(ctx, stdout); err != nil {
			fmt.Fprintf(stderr, "sluice quickstart: %v\n", err)
			return 1
		}
		return 0
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "cli":
		return cli.Main(ctx, args[1:], stdin, stdout, stderr)
	case "top":
		return cli.Top(ctx, args[1:], stdout, stderr)
	case "import-tsfile":
		return tsfiletool.Import(ctx, args[1:], stdout, stderr)
	case "export-tsfile":
		return tsfiletool.Export(ctx, args[1:], stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], stdout, stderr)
	case "cert":
		return runCert(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "sluice %s\n", standalone.Version)
		return 0
	case "confignode", "datanode":
		return runClusterNode(ctx, args[0], args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "sluice: unknown command %q\n%s", args[0], usage)
	return 2
}

// loadNodeConfig parses a server command's flags and loads its
// configuration: file < environment < flags.
func loadNodeConfig(cmd string, args []string, stderr io.Writer, withRPCPort bool) (config.Config, *slog.Logger, bool) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "data directory (data_dir, default ./data)")
	rpcPort := new(string)
	if withRPCPort {
		rpcPort = fs.String("rpc-port", "", "client RPC port (dn_rpc_port, default 6667)")
	}
	file := fs.String("config", "", "properties file with IoTDB-style keys")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, nil, false
	}
	flags := map[string]string{}
	if *dataDir != "" {
		flags["data_dir"] = *dataDir
	}
	if *rpcPort != "" {
		flags["dn_rpc_port"] = *rpcPort
	}
	cfg, warnings, err := config.Load(*file, os.Environ(), flags)
	if err != nil {
		fmt.Fprintf(stderr, "sluice %s: %v\n", cmd, err)
		return config.Config{}, nil, false
	}
	logger := telemetry.NewLogger(stderr, cfg.SlogLevel(), cmd)
	for _, w := range warnings {
		logger.Warn(w)
	}
	return cfg, logger, true
}

func runClusterNode(ctx context.Context, cmd string, args []string, stderr io.Writer) int {
	cfg, logger, ok := loadNodeConfig(cmd, args, stderr, false)
	if !ok {
		return 2
	}
	start := cluster.StartDataNode
	if cmd == "confignode" {
		start = cluster.StartConfigNode
	}
	node, err := start(ctx, cfg, standalone.Version, logger)
	if err != nil {
		logger.Error("start failed", "err", err)
		return 1
	}
	return serveUntilSignal(ctx, node, logger)
}

func runStandalone(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, logger, ok := loadNodeConfig("standalone", args, stderr, true)
	if !ok {
		return 2
	}
	node, err := standalone.Start(ctx, cfg, logger)
	if err != nil {
		logger.Error("start failed", "err", err)
		return 1
	}
	return serveUntilSignal(ctx, node, logger)
}

// serveUntilSignal runs node until SIGINT or SIGTERM, then closes it.
func serveUntilSignal(ctx context.Context, node io.Closer, logger *slog.Logger) int {
	<-ctx.Done()
	logger.Info("shutting down")
	if err := node.Close(); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("shutdown", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := bench.DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Host, "host", "", "server to load (default: an in-process standalone node on a temp dir)")
	fs.IntVar(&cfg.Port, "port", 6667, "server port, with --host")
	fs.IntVar(&cfg.TotalRows, "rows-per-device", cfg.TotalRows, "rows written per device")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "concurrent client sessions")
	syncBench := fs.Bool("pipe", false, "measure sync A -> B through a pipe instead of ingest into one node")
	points := fs.String("points", "", "points per run: a count (1000000, 500k, 5M) or with --pipe a list of sizes to measure (1M,5M); overrides --rows-per-device")
	values := fs.String("values", "random-walk", "values written: random-walk (noisy) or regular (a smooth series); with --pipe a list (regular,random-walk)")
	baseline := fs.String("baseline", "", "with --pipe: postgres runs PostgreSQL 15 logical replication on the same workload in the same run (installs postgresql-15 when root and missing)")
	jsonFile := fs.String("json", "", "with --pipe: write every figure, the machine and the command line to this JSON file")
	chartFile := fs.String("chart", "", "with --pipe: draw throughput, tail lag and latency to this SVG file")
	fs.DurationVar(&cfg.ProgressInterval, "progress-interval", 0, "with --pipe: the sender's pipe progress commit interval (default 1s; e.g. 1h leaves commits out)")
	fs.Func("sink-attr", "with --pipe: add key=value to the pipe's SINK clause (repeatable; e.g. sink.batch.enable=false, sink.compressor=lz4)", func(kv string) error {
		if k, _, ok := strings.Cut(kv, "="); !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		cfg.SinkAttributes = append(cfg.SinkAttributes, kv)
		return nil
	})
	pipeCost := fs.Bool("pipe-cost", false, "measure the pipe's cost to the sender: ingest into A without and with a pipe to B, alternating, on fresh child processes")
	costRuns := fs.Int("cost-runs", 3, "with --pipe-cost: runs of each kind")
	sourceCluster := fs.Bool("source-cluster", false, "measure a pipe out of a 3 ConfigNode + 3 DataNode cluster (RF=3) into a standalone receiver, all child processes")
	fs.BoolVar(&cfg.Procs.TargetCluster, "target-cluster", false, "with --source-cluster: the receiver is a second 3+3 cluster rather than a standalone node")
	fs.BoolVar(&cfg.Procs.Enabled, "processes", false, "with --pipe: run A and B as child sluice processes rather than in this one")
	fs.StringVar(&cfg.Procs.Binary, "sluice-binary", "", "the sluice binary child processes run (default: this executable)")
	pin := fs.Bool("pin", false, "pin the sender (A, or the source cluster) and the bench's client to --pin-sender cores, the receiver to --pin-receiver cores (implies --processes)")
	pinSender := fs.String("pin-sender", "0", "with --pin: cores of the sender and the client, as taskset -c takes them (0, 0-3, 0,2)")
	pinReceiver := fs.String("pin-receiver", "1", "with --pin: cores of the receiver")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if code := benchSizes(fs, &cfg, *syncBench, *points, *values, *baseline, *jsonFile, *chartFile, stderr); code != 0 {
		return code
	}
	if cfg.ProgressInterval < 0 {
		fmt.Fprintf(stderr, "sluice bench: --progress-interval must not be negative, got %s\n", cfg.ProgressInterval)
		return 2
	}
	procsAsked := *pin || cfg.Procs.Enabled || cfg.Procs.Binary != ""
	switch {
	case *pipeCost && *sourceCluster:
		fmt.Fprintln(stderr, "sluice bench: --pipe-cost and --source-cluster are separate runs: give one")
		return 2
	case cfg.Procs.TargetCluster && !*sourceCluster:
		fmt.Fprintln(stderr, "sluice bench: --target-cluster needs --source-cluster")
		return 2
	case procsAsked && !*syncBench && !*pipeCost && !*sourceCluster:
		fmt.Fprintln(stderr, "sluice bench: --pin, --processes and --sluice-binary apply to --pipe, --pipe-cost and --source-cluster runs")
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
	if *pipeCost {
		if *costRuns < 1 {
			fmt.Fprintf(stderr, "sluice bench: --cost-runs must be at least 1, got %d\n", *costRuns)
			return 2
		}
		cfg.Procs.Enabled = true
		if _, err := bench.RunPipeCost(ctx, cfg, *costRuns, stdout); err != nil {
			fmt.Fprintf(stderr, "sluice bench --pipe-cost: %v\n", err)
			return 1
		}
		return 0
	}
	if *sourceCluster {
		if _, err := bench.RunClusterPipe(ctx, cfg, stdout); err != nil {
			fmt.Fprintf(stderr, "sluice bench --source-cluster: %v\n", err)
			return 1
		}
		return 0
	}
	if *syncBench {
		return runCompare(ctx, cfg, append([]string{"sluice", "bench"}, args...), *points, *values, *baseline, *jsonFile, *chartFile, stdout, stderr)
	}
	if _, err := bench.Run(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "sluice bench: %v\n", err)
		return 1
	}
	return 0
}
