package quickstart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/cli"
	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/standalone"
)

// The documentation's ports: A on 6667, B on 6668.
const (
	portA = 6667
	portB = 6668
)

// Run starts A and B on temporary data dirs, runs the Quick Start's
// statements through the SQL shell, and prints each step to out.
func Run(ctx context.Context, out io.Writer) error {
	a, pa, err := start(ctx, "A", portA)
	if err != nil {
		return err
	}
	defer a.Close()
	b, pb, err := start(ctx, "B", portB)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(out, "Started IoTDB-compatible instances A (127.0.0.1:%d) and B (127.0.0.1:%d).\n\n", pa, pb)

	steps := []struct {
		what string
		port int
		sql  string
	}{
		{"create a Pipe from A -> B, and execute on A", pa,
			"create pipe a2b with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='" + strconv.Itoa(pb) + "')"},
		{"start a Pipe from A -> B, and execute on A", pa, "start pipe a2b"},
		{"write data to A", pa, "INSERT INTO root.db.d(time, m) values (1, 1)"},
	}
	for _, s := range steps {
		if err := sql(ctx, out, s.what, s.port, s.sql); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "# waiting for the pipe to deliver the point to B ...")
	if err := waitSynced(ctx, pb, 30*time.Second); err != nil {
		return err
	}
	if err := sql(ctx, out, "check the data synchronised from A at B", pb, "SELECT ** FROM root"); err != nil {
		return err
	}
	return sql(ctx, out, "the pipe as A shows it", pa, "SHOW PIPES")
}

// start runs one standalone instance, on port if it is free.
func start(ctx context.Context, name string, port int) (*instance, int, error) {
	if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
		ln.Close()
	} else {
		port = 0
	}
	dir, err := os.MkdirTemp("", "sluice-quickstart-"+strings.ToLower(name)+"-")
	if err != nil {
		return nil, 0, err
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.DNRPCPort = port
	cfg.DNMetricsPort = 0
	n, err := standalone.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		os.RemoveAll(dir)
		return nil, 0, fmt.Errorf("start instance %s: %w", name, err)
	}
	return &instance{node: n, dir: dir}, n.RPCAddr().(*net.TCPAddr).Port, nil
}

// instance is a running node and the temporary dir it owns.
type instance struct {
	node *standalone.Node
	dir  string
}

func (i *instance) Close() error {
	err := i.node.Close()
	os.RemoveAll(i.dir)
	return err
}

// sql runs one statement through the SQL shell and prints it as a user
// would type it.
func sql(ctx context.Context, out io.Writer, what string, port int, stmt string) error {
	fmt.Fprintf(out, "# %s\nIoTDB:%d> %s\n", what, port, stmt)
	var errOut bytes.Buffer
	if code := cli.Main(ctx, []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-e", stmt}, strings.NewReader(""), out, &errOut); code != 0 {
		return fmt.Errorf("%s: %s", stmt, strings.TrimSpace(errOut.String()))
	}
	fmt.Fprintln(out)
	return nil
}

// waitSynced polls B until it holds the written point.
func waitSynced(ctx context.Context, port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var res, errOut bytes.Buffer
		code := cli.Main(ctx, []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "--format", "csv",
			"-e", "select count(m) from root.db.d"}, strings.NewReader(""), &res, &errOut)
		if code == 0 && strings.Contains(res.String(), "\n1") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server B did not receive the point within %s (last answer: %q %q)", timeout, res.String(), errOut.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
