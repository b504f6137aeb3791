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
	"syscall"

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
` + benchSynopsis + `
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
