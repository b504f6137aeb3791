package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
)

// The failure tests load the cluster through the official client's cluster
// mode (client.NewClusterSession, OpenCluster), which reconnects to the
// next url and retries when its connection breaks. That client keeps its
// urls in a process-wide list that every client.NewSession of every test
// in this process appends to, reads it without a lock, and calls log.Fatal
// from NewClusterSession when the list's first entry, usually a server of
// an earlier test, does not answer. So the writer is a child process: this
// test binary run again for TestClusterWriterChild alone, with the
// DataNodes' addresses in writerURLsEnv. It writes tablets of writerRows
// rows to writerDevices devices in turn, each batch at increasing
// timestamps, retries a batch until it is acknowledged, reports every
// acknowledgement on stdout and stops when its stdin closes.

const (
	writerURLsEnv = "SLUICE_E2E_CLUSTER_WRITER_URLS"
	writerDevices = 4
	writerRows    = 100
	writerDB      = "root.load"
)

// writerDevice is the path of writer device d.
func writerDevice(d int) string { return fmt.Sprintf("%s.d%d", writerDB, d) }

// writerTablet is batch b of a writer device: times b*writerRows onwards,
// v (DOUBLE) = time and n (INT64) = -time.
func writerTablet(device string, b int64) (*client.Tablet, error) {
	tb, err := client.NewTablet(device, []*client.MeasurementSchema{
		{Measurement: "v", DataType: client.DOUBLE}, {Measurement: "n", DataType: client.INT64}}, writerRows+1)
	if err != nil {
		return nil, err
	}
	for r := range writerRows {
		ts := b*writerRows + int64(r)
		tb.SetTimestamp(ts, r)
		if err := tb.SetValueAt(float64(ts), 0, r); err != nil {
			return nil, err
		}
		if err := tb.SetValueAt(-ts, 1, r); err != nil {
			return nil, err
		}
	}
	tb.RowSize = writerRows
	return tb, nil
}

// TestClusterWriterChild is not a test of its own: it is the writer child
// process's body, and skips unless run as that child.
func TestClusterWriterChild(t *testing.T) {
	urls := os.Getenv(writerURLsEnv)
	if urls == "" {
		t.Skip("runs only as the cluster writer's child process")
	}
	if err := runWriter(strings.Split(urls, ","), os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// runWriter writes until stop reaches EOF, printing "ACK d b" for batch b
// of device d once acknowledged and "ERR ..." for each failed attempt.
func runWriter(urls []string, stop io.Reader, out io.Writer) error {
	stopped := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stop)
		close(stopped)
	}()
	isStopped := func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	}
	sess := client.NewClusterSession(&client.ClusterConfig{NodeUrls: urls, UserName: "root", Password: "root"})
	for err := sess.OpenCluster(false); err != nil; err = sess.OpenCluster(false) {
		fmt.Fprintf(out, "ERR open: %v\n", err)
		if isStopped() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	next := make([]int64, writerDevices)
	for i := 0; !isStopped(); i++ {
		d := i % writerDevices
		tb, err := writerTablet(writerDevice(d), next[d])
		if err != nil {
			return err
		}
		for {
			st, err := sess.InsertTablet(tb, true)
			if acknowledged(st, err) {
				break
			}
			fmt.Fprintf(out, "ERR %s batch %d: %v %s\n", writerDevice(d), next[d], err, statusString(st))
			if isStopped() {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		fmt.Fprintf(out, "ACK %d %d\n", d, next[d])
		next[d]++
	}
	return nil
}

// acknowledged reports whether a write call succeeded as the official
// client counts it: no error and status 200, or 400, the redirection
// recommendation a DataNode adds to a write it forwarded to the leader.
func acknowledged(st *rpc.TSStatus, err error) bool {
	return err == nil && st != nil && client.VerifySuccess(st) == nil
}

// clusterWriter is the test's handle on a writer child process.
type clusterWriter struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr strings.Builder // the client's own log lines; read after exit
	done   chan struct{}   // closed when stdout is drained and the child reaped

	mu       sync.Mutex
	acked    [writerDevices]int64 // batches acknowledged per device
	acks     int
	lastAck  time.Time
	stall    time.Duration // longest time between two acknowledgements
	errs     int
	firstErr []string
	lastErr  string
}

// startClusterWriter starts a writer child on the DataNodes at urls (the
// client connects to the first that answers).
func startClusterWriter(t *testing.T, urls []string) *clusterWriter {
	t.Helper()
	w := &clusterWriter{done: make(chan struct{})}
	w.cmd = exec.Command(os.Args[0], "-test.run=^TestClusterWriterChild$", "-test.count=1")
	w.cmd.Env = append(os.Environ(), writerURLsEnv+"="+strings.Join(urls, ","))
	w.cmd.Stderr = &w.stderr
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.note(sc.Text())
		}
		_ = w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		_ = w.cmd.Process.Kill()
		<-w.done
	})
	return w
}

// note records one line of the child's output.
func (w *clusterWriter) note(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var d int
	var b int64
	switch {
	case strings.HasPrefix(line, "ACK "):
		if _, err := fmt.Sscanf(line, "ACK %d %d", &d, &b); err != nil || d < 0 || d >= writerDevices {
			w.lastErr = "malformed line " + line
			return
		}
		now := time.Now()
		if !w.lastAck.IsZero() {
			w.stall = max(w.stall, now.Sub(w.lastAck))
		}
		w.lastAck = now
		w.acked[d] = b + 1
		w.acks++
	case strings.HasPrefix(line, "ERR "):
		w.errs++
		w.lastErr = line
		if len(w.firstErr) < 5 {
			w.firstErr = append(w.firstErr, line)
		}
	}
}

// ackCount returns the acknowledgements so far.
func (w *clusterWriter) ackCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acks
}

// describe summarises the writer's progress for messages.
func (w *clusterWriter) describe() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("%d batches acknowledged, %d failed attempts (first %q, last %q)", w.acks, w.errs, w.firstErr, w.lastErr)
}

// waitAcks waits until the writer has n acknowledgements in all and
// returns how long that took.
func (w *clusterWriter) waitAcks(t *testing.T, n int, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	pipeWaitFor(t, timeout, fmt.Sprintf("%d acknowledged batches", n), func() (bool, string) {
		return w.ackCount() >= n, w.describe()
	})
	return time.Since(start)
}

// stop ends the writer: it finishes or abandons its current batch and
// exits. It returns the batches acknowledged per device and the longest
// time between two acknowledgements. A writer still inside a call 30 s
// later is killed and reported.
func (w *clusterWriter) stop(t *testing.T) ([writerDevices]int64, time.Duration) {
	t.Helper()
	_ = w.stdin.Close()
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		t.Errorf("the writer was still inside a client call 30s after being told to stop: %s", w.describe())
	}
	t.Logf("writer: %s", w.describe())
	if t.Failed() {
		t.Logf("writer's client log:\n%s", w.stderr.String())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked, w.stall
}

// checkAcked checks through sess that every batch the writer had
// acknowledged is there, value for value.
func checkAcked(t *testing.T, what string, sess *client.Session, acked [writerDevices]int64) {
	t.Helper()
	for d, batches := range acked {
		dev, n := writerDevice(d), batches*writerRows
		res := query(t, sess, fmt.Sprintf("SELECT v, n FROM %s WHERE time < %d", dev, n))
		if int64(len(res.rows)) != n {
			t.Errorf("%s: %s has %d of the %d acknowledged rows", what, dev, len(res.rows), n)
		}
		for i, r := range res.rows {
			if r.time != int64(i) || len(r.vals) != 2 || r.vals[0] != float64(i) || r.vals[1] != -int64(i) {
				t.Errorf("%s: %s row %d is time %d values %v, want time %d values [%d %d]", what, dev, i, r.time, r.vals, i, i, -i)
				break
			}
		}
	}
}
