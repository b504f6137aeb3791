package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProcOptions runs the benchmark's servers as child `sluice` processes
// rather than in-process nodes: only separate processes can be pinned to
// cores of their own, and a sender's figures are then its own.
type ProcOptions struct {
	// Enabled starts the servers as child processes. Pinning and the
	// source cluster imply it.
	Enabled bool
	// Binary is the sluice executable to run; empty: this executable.
	Binary string
	// Pin, when set, places the sender (and the bench's own client
	// threads) and the receiver on the cores it names.
	Pin *PinPlan
	// TargetCluster makes the cluster run's receiver a second 3+3
	// cluster rather than a standalone node.
	TargetCluster bool
}

// children reports whether the run's servers are child processes.
func (o ProcOptions) children() bool { return o.Enabled || o.Pin != nil }

// readyTimeout bounds how long a child process may take to serve.
const readyTimeout = 60 * time.Second

// logTailLines is how much of each child's log a failure shows.
const logTailLines = 40

// process is one `sluice standalone|confignode|datanode` child on
// 127.0.0.1: a data dir of its own, with its config file
// (<dir>.properties) and its output (<dir>.log) next to it, and a process
// group of its own, killed by Close.
type process struct {
	name        string
	dir         string // the node's data dir; the config file and log sit next to it
	rpcPort     int    // client port; 0 on a ConfigNode
	metricsPort int    // serves /ready
	cmd         *osexec.Cmd
	logFile     *os.File
	done        chan struct{} // closed once the process has exited
	err         error         // its exit, valid once done is closed
	stopWatch   func() bool   // stops the kill-on-cancel hook
}

// procSpec describes a child to start.
type procSpec struct {
	name  string            // for logs and messages: A, B, confignode-1, ...
	role  string            // standalone, confignode, datanode
	base  string            // directory the node's files go under
	props map[string]string // its configuration keys; data_dir is added
	cpus  []int             // cores to pin it to; none: not pinned
}

// startProcess writes spec's config file and starts the child. It is
// killed when ctx is cancelled (Ctrl-C) or by Close.
func startProcess(ctx context.Context, binary string, spec procSpec) (*process, error) {
	p := &process{name: spec.name, dir: filepath.Join(spec.base, spec.name)}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	props := maps.Clone(spec.props)
	props["data_dir"] = p.dir
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, written by sluice bench\n", spec.name)
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	file := p.dir + ".properties"
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	var err error
	if p.rpcPort, err = atoiProp(props, "dn_rpc_port"); err != nil {
		return nil, err
	}
	metricsKey := "dn_metrics_port"
	if spec.role == "confignode" {
		metricsKey = "cn_metrics_port"
	}
	if p.metricsPort, err = atoiProp(props, metricsKey); err != nil {
		return nil, err
	}
	if p.logFile, err = os.Create(p.dir + ".log"); err != nil {
		return nil, err
	}
	args := []string{binary, spec.role, "--config", file}
	if len(spec.cpus) > 0 {
		// taskset sets the mask before exec, so every thread the server
		// ever starts inherits it.
		taskset, err := osexec.LookPath("taskset")
		if err != nil {
			p.logFile.Close()
			return nil, fmt.Errorf("pinning %s needs taskset (util-linux): %w", spec.name, err)
		}
		args = append([]string{taskset, "-c", formatCPUList(spec.cpus)}, args...)
	}
	p.cmd = osexec.Command(args[0], args[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.logFile, p.logFile
	// A group of its own: the terminal's Ctrl-C reaches the bench only,
	// which kills the children itself; Pdeathsig kills them if the bench
	// dies without cleaning up.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		p.logFile.Close()
		return nil, fmt.Errorf("start %s: %w", spec.name, err)
	}
	p.done = make(chan struct{})
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	p.stopWatch = context.AfterFunc(ctx, p.kill)
	return p, nil
}

func atoiProp(props map[string]string, key string) (int, error) {
	v, ok := props[key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", key, v, err)
	}
	return n, nil
}

// waitReady polls the child's /ready until it answers 200, the child
// exits, ctx ends or readyTimeout passes; errors carry the log's tail.
func (p *process) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(p.metricsPort)) + "/ready"
	hc := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v); last lines of %s:\n%s", p.name, p.err, p.logFile.Name(), p.tail(logTailLines))
		default:
		}
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w; last lines of %s:\n%s", p.name, url, ctx.Err(), p.logFile.Name(), p.tail(logTailLines))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exited reports whether the child has exited, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// kill sends SIGKILL to the child's process group and reaps the child.
// The data is thrown away, so there is nothing to shut down cleanly.
func (p *process) kill() {
	if done, _ := p.exited(); done {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Close kills the child and closes its log; the files stay for the
// caller to show or remove.
func (p *process) Close() {
	p.stopWatch()
	p.kill()
	p.logFile.Close()
}

// tail is the last n lines of the child's log.
func (p *process) tail(n int) string {
	b, err := os.ReadFile(p.logFile.Name())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// procGroup owns the children of one run and their temporary directory.
type procGroup struct {
	dir    string
	binary string
	procs  []*process
}

// newProcGroup makes the run's temporary directory; binary empty runs
// this executable.
func newProcGroup(binary string) (*procGroup, error) {
	if binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the sluice binary: %w (give --sluice-binary)", err)
		}
		binary = exe
	}
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("sluice binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "sluice-bench-")
	if err != nil {
		return nil, err
	}
	return &procGroup{dir: dir, binary: binary}, nil
}

// start starts a child and waits until it serves.
func (g *procGroup) start(ctx context.Context, spec procSpec) (*process, error) {
	spec.base = g.dir
	p, err := startProcess(ctx, g.binary, spec)
	if err != nil {
		return nil, err
	}
	g.procs = append(g.procs, p)
	if err := p.waitReady(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// standalone starts `sluice standalone` on fresh loopback ports with
// extra keys, pinned to cpus when given.
func (g *procGroup) standalone(ctx context.Context, name string, extra map[string]string, cpus []int) (*process, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	props := map[string]string{
		"dn_rpc_address":                "127.0.0.1",
		"dn_rpc_port":                   strconv.Itoa(ports[0]),
		"dn_internal_port":              strconv.Itoa(ports[1]),
		"dn_data_region_consensus_port": strconv.Itoa(ports[2]),
		"dn_metrics_port":               strconv.Itoa(ports[3]),
	}
	maps.Copy(props, extra)
	return g.start(ctx, procSpec{name: name, role: "standalone", props: props, cpus: cpus})
}

// failed adds the tail of every child's log to err, as the logs are
// removed with the run's directory. After ctx ended (Ctrl-C), which killed
// the children, it says so instead.
func (g *procGroup) failed(ctx context.Context, err error) error {
	if err == nil || len(g.procs) == 0 {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: the child processes were stopped (%v)", ctx.Err(), err)
	}
	var b strings.Builder
	for _, p := range g.procs {
		state := "running"
		if done, werr := p.exited(); done {
			state = fmt.Sprintf("exited: %v", werr)
		}
		fmt.Fprintf(&b, "\n==== %s (%s, %s) ====\n%s", p.name, state, p.logFile.Name(), p.tail(logTailLines))
	}
	return fmt.Errorf("%w\nlogs of the child processes:%s", err, b.String())
}

// Close kills every child and removes the run's directory.
func (g *procGroup) Close() {
	for _, p := range g.procs {
		p.Close()
	}
	os.RemoveAll(g.dir)
}

var (
	portsMu sync.Mutex
	handed  = map[int]bool{} // ports this process has handed out
)

// freePorts returns n distinct loopback ports that were free a moment
// ago and that this process has not handed out before, so that a port a
// killed child held is not reused by the next one while it lingers.
func freePorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			return nil, errors.New("no free loopback port found")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		held = append(held, l) // held open: the next Listen cannot return it
		if p := l.Addr().(*net.TCPAddr).Port; !handed[p] {
			handed[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}
