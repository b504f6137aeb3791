package e2e

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// silentRelay accepts connections and holds them without a word until
// relay is set; from then on new connections are relayed to it.
type silentRelay struct {
	ln    net.Listener
	relay atomic.Pointer[string]
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startSilentRelay(t *testing.T) *silentRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &silentRelay{ln: ln}
	r.wg.Go(r.accept)
	t.Cleanup(r.close)
	return r
}

func (r *silentRelay) track(c net.Conn) {
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

func (r *silentRelay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.track(c)
		to := r.relay.Load()
		if to == nil {
			continue
		}
		up, err := net.Dial("tcp", *to)
		if err != nil {
			c.Close()
			continue
		}
		r.track(up)
		r.wg.Go(func() { _, _ = io.Copy(up, c); up.Close() })
		r.wg.Go(func() { _, _ = io.Copy(c, up); c.Close() })
	}
}

func (r *silentRelay) close() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// TestPipeSinkStallShowsRetrying: a receiver that accepts but never
// answers turns the pipe's ExceptionMessage to "retrying: no answer from
// host:port for 5s" (the default watchdog) while the transfer waits out
// pipe_sink_timeout_ms; once the receiver answers again, every point
// arrives and the message clears.
func TestPipeSinkStallShowsRetrying(t *testing.T) {
	t.Parallel()
	relay := startSilentRelay(t)
	a := proc.StartStandalone(t, "pipe_sink_timeout_ms=8000")
	b := proc.StartStandalone(t)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	_, port, _ := net.SplitHostPort(relay.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	ca.mustExec("CREATE PIPE silent " + pipeSinkClause("iotdb-thrift-sink", p))
	start := time.Now()
	w := ca.insertRows("root.silent.d.s", pipeRowsRange(1, 10, 0))

	want := "retrying: no answer from " + relay.ln.Addr().String() + " for 5s"
	pipeWaitFor(t, pipeDeadline, "the stall in SHOW PIPES", func() (bool, string) {
		r := ca.pipe("silent")
		return r != nil && strings.HasPrefix(r["ExceptionMessage"], want) && r["State"] == "RUNNING", fmt.Sprintf("row %v", r)
	})
	t.Logf("SHOW PIPES showed the stall %s after the write", time.Since(start).Round(100*time.Millisecond))
	_, rows := ca.pipeRows("SHOW PIPES STATISTICS")
	if len(rows) != 1 || !strings.HasPrefix(rows[0]["ExceptionMessage"], "retrying: ") || rows[0]["Retries"] == "0" {
		t.Errorf("SHOW PIPES STATISTICS during the stall: %v, want the retrying message and a retry counted", rows)
	}

	to := b.Addr()
	relay.relay.Store(&to)
	pipeWaitData(t, cb, "root.silent", w, 60*time.Second)
	pipeWaitFor(t, pipeDeadline, "the message cleared", func() (bool, string) {
		r := ca.pipe("silent")
		return r != nil && r["ExceptionMessage"] == "", fmt.Sprintf("row %v", r)
	})
}
