package proc

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Role is the kind of a cluster node, and the sluice subcommand running it.
type Role string

const (
	ConfigNode Role = "confignode"
	DataNode   Role = "datanode"
)

// StartTimeout bounds how long Start waits for a node's ready line.
const StartTimeout = 60 * time.Second

// Node is one `sluice confignode` or `sluice datanode` child process on
// 127.0.0.1, with its own data dir and a config file written from Props at
// every start. Its methods fail the test they were made for.
type Node struct {
	Role Role
	Name string // confignode-1, datanode-2, ...: for messages
	// DataDir is the node's data_dir; point it elsewhere before a start to
	// run the node on another directory.
	DataDir string
	// The node's ports. ConsensusPort is cn_consensus_port or
	// dn_data_region_consensus_port; RPCPort is 0 on a ConfigNode.
	InternalPort, ConsensusPort, RPCPort, MetricsPort int
	// Props are the node's configuration keys; tests may change them
	// between runs. data_dir is taken from DataDir.
	Props map[string]string
	// Env is added to the test process's environment.
	Env []string

	t    testing.TB
	log  *syncBuffer // every run's output, in order
	mark int         // length of log when the current run started
	cmd  *exec.Cmd
	done chan struct{} // closed when the current run has exited
	err  error         // the current run's exit, valid once done is closed
}

// Addr is where clients reach the node: a DataNode's RPC address, a
// ConfigNode's internal address.
func (n *Node) Addr() string {
	if n.Role == DataNode {
		return hostPort(n.RPCPort)
	}
	return n.InternalAddr()
}

// InternalAddr is the node's node-to-node address, as seeds name it.
func (n *Node) InternalAddr() string { return hostPort(n.InternalPort) }

// Log returns everything the node has written, over all its runs.
func (n *Node) Log() string { return n.log.String() }

// RunLog returns what the node has written since its last start.
func (n *Node) RunLog() string { return n.log.String()[n.mark:] }

// Running reports whether the node's process is alive (possibly paused).
func (n *Node) Running() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// Start launches the node and waits for its ready line.
func (n *Node) Start() {
	n.t.Helper()
	n.Launch()
	n.WaitReady()
}

// Launch writes the node's config file and starts its process without
// waiting for it to serve.
func (n *Node) Launch() {
	n.t.Helper()
	if n.Running() {
		n.t.Fatalf("%s: started while already running", n.Name)
	}
	if err := os.MkdirAll(n.DataDir, 0o755); err != nil {
		n.t.Fatal(err)
	}
	file := n.DataDir + ".properties"
	if err := os.WriteFile(file, []byte(n.properties()), 0o644); err != nil {
		n.t.Fatal(err)
	}
	fmt.Fprintf(n.log, "---- proc: %s start ----\n", n.Name)
	n.mark = len(n.log.String())
	n.cmd = exec.Command(Binary(n.t), string(n.Role), "--config", file)
	n.cmd.Env = append(os.Environ(), n.Env...)
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		n.t.Fatalf("%s: %v", n.Name, err)
	}
	n.done, n.err = make(chan struct{}), nil
	go func(cmd *exec.Cmd, done chan struct{}) {
		n.err = cmd.Wait()
		close(done)
	}(n.cmd, n.done)
}

// properties renders Props and data_dir in Java-properties form.
func (n *Node) properties() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, written by test/proc\n", n.Name)
	props := maps.Clone(n.Props)
	props["data_dir"] = n.DataDir
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	return b.String()
}

// WaitReady waits until the current run logs "<role> ready", failing the
// test with the node's log if it exits first or takes over StartTimeout.
func (n *Node) WaitReady() {
	n.t.Helper()
	line := string(n.Role) + " ready"
	if !n.WaitLog(line, StartTimeout) {
		if !n.Running() {
			n.t.Fatalf("%s exited during start (%v) before logging %q:\n%s", n.Name, n.err, line, n.RunLog())
		}
		n.t.Fatalf("%s did not log %q within %s:\n%s", n.Name, line, StartTimeout, n.RunLog())
	}
}

// WaitLog waits until the current run's output contains s and reports
// whether it did before timeout or the process's exit.
func (n *Node) WaitLog(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(n.RunLog(), s) {
			return true
		}
		if !n.Running() || time.Now().After(deadline) {
			return strings.Contains(n.RunLog(), s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitExit waits up to timeout for the process to exit by itself and
// returns its exit code; exited is false if it is still running.
func (n *Node) WaitExit(timeout time.Duration) (code int, exited bool) {
	if n.cmd == nil {
		n.t.Fatalf("%s: WaitExit on a node never started", n.Name)
	}
	select {
	case <-n.done:
	case <-time.After(timeout):
		return 0, false
	}
	var ee *exec.ExitError
	if errors.As(n.err, &ee) {
		return ee.ExitCode(), true
	}
	if n.err != nil {
		return -1, true
	}
	return 0, true
}

// Stop sends SIGTERM and waits; it fails the test unless the node exits
// with status 0 within 30 s.
func (n *Node) Stop() {
	n.t.Helper()
	if !n.Running() {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	code, exited := n.WaitExit(30 * time.Second)
	if !exited {
		n.Kill()
		n.t.Fatalf("%s did not exit within 30s of SIGTERM:\n%s", n.Name, n.RunLog())
	}
	if code != 0 {
		n.t.Fatalf("%s exited with %v after SIGTERM:\n%s", n.Name, n.err, n.RunLog())
	}
}

// Kill sends SIGKILL (kill -9), which also ends a paused process, and
// reaps it.
func (n *Node) Kill() {
	if !n.Running() {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.done
}

// Pause stops the process with SIGSTOP: it keeps its sockets but answers
// nothing, as a node cut off by a network partition.
func (n *Node) Pause() { n.signal(syscall.SIGSTOP) }

// Resume continues a paused process with SIGCONT.
func (n *Node) Resume() { n.signal(syscall.SIGCONT) }

func (n *Node) signal(sig os.Signal) {
	n.t.Helper()
	if !n.Running() {
		n.t.Fatalf("%s: %v to a node that is not running", n.Name, sig)
	}
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.t.Fatalf("%s: %v: %v", n.Name, sig, err)
	}
}

// LogTail is the last lines lines of the node's output.
func (n *Node) LogTail(lines int) string {
	l := strings.Split(strings.TrimRight(n.Log(), "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// CopyDataDir copies the node's data dir (as it is at this moment, even
// while the node runs) into a new temporary directory and returns it.
func (n *Node) CopyDataDir() string {
	n.t.Helper()
	dst := filepath.Join(n.t.TempDir(), filepath.Base(n.DataDir))
	if err := os.CopyFS(dst, os.DirFS(n.DataDir)); err != nil {
		n.t.Fatalf("copy %s: %v", n.DataDir, err)
	}
	return dst
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
