package datanode

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stallingPeer accepts connections and, until forward is set, never
// answers; once set, new connections are relayed to forward.
type stallingPeer struct {
	ln      net.Listener
	forward atomic.Pointer[string]
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

func newStallingPeer(t *testing.T) *stallingPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingPeer{ln: ln}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *stallingPeer) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		to := p.forward.Load()
		if to == nil {
			continue // held open, never read from nor answered
		}
		up, err := net.Dial("tcp", *to)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
	}
}

func (p *stallingPeer) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// sum adds up the series of name whose labels include pipe=pipe.
func (n *node) sum(name, pipe string) float64 {
	n.t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		n.t.Fatal(err)
	}
	var total float64
	for _, f := range mfs {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "pipe" && l.GetValue() == pipe {
					total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	return total
}

// A sink whose peer accepts but never answers shows the pipe retrying
// once the stall watchdog fires, counted as a sink error and a retry,
// while the transfer waits out pipe_sink_timeout_ms; when the peer answers
// again the data arrives and the message clears.
func TestSinkStallShowsRetrying(t *testing.T) {
	recv := startNode(t, t.TempDir())
	peer := newStallingPeer(t)
	src := startNode(t, t.TempDir(), func(c *Config) {
		c.PipeStallAfter = 500 * time.Millisecond
		c.PipeSinkTimeout = 3 * time.Second
	})
	target := peer.ln.Addr().String()
	_, port, _ := net.SplitHostPort(target)
	src.mustExec(fmt.Sprintf("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%s')", port))
	src.mustExec("insert into root.stall.d(time, a) values (1, 1)")

	want := "retrying: no answer from " + target + " for 500ms"
	waitFor(t, "the stall in SHOW PIPES", func() (bool, string) {
		row := src.pipeRow("p")
		return strings.HasPrefix(row["ExceptionMessage"], want) && row["State"] == "RUNNING", fmt.Sprint(row)
	})
	if e, r := src.sum("sluice_pipe_sink_errors_total", "p"), src.sum("sluice_pipe_retries_total", "p"); e < 1 || r < 1 {
		t.Errorf("sink errors %v, retries %v: want the stall counted in both", e, r)
	}
	// The connection to the silent peer is open, and counted.
	waitFor(t, "the sink connection counted", func() (bool, string) {
		n := src.sum("sluice_pipe_sink_connections", "p")
		return n >= 1, fmt.Sprintf("sluice_pipe_sink_connections %v", n)
	})
	// The unacknowledged write ages.
	waitFor(t, "lag while stalled", func() (bool, string) {
		lag := src.sum("sluice_pipe_lag_seconds", "p")
		return lag >= 1, fmt.Sprintf("sluice_pipe_lag_seconds %v", lag)
	})

	forward := recv.dn.RPCAddr().String()
	peer.forward.Store(&forward)
	waitFor(t, "the point at the receiver and the message cleared", func() (bool, string) {
		rows, err := recv.exec("root", "select count(a) from root.stall.d")
		row := src.pipeRow("p")
		ok := err == nil && len(rows) == 1 && rows[0][len(rows[0])-1] == "1" && row["ExceptionMessage"] == ""
		return ok, fmt.Sprint(rows, err, row)
	})
	waitFor(t, "no lag once caught up", func() (bool, string) {
		lag := src.sum("sluice_pipe_lag_seconds", "p")
		return lag == 0, fmt.Sprintf("sluice_pipe_lag_seconds %v", lag)
	})
}
