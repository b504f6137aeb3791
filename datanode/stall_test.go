package datanode

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/netfault"
)

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
	peer := netfault.StartSilentPeer(t)
	src := startNode(t, t.TempDir(), func(c *Config) {
		c.PipeStallAfter = 500 * time.Millisecond
		c.PipeSinkTimeout = 3 * time.Second
	})
	target := peer.Addr()
	src.mustExec(fmt.Sprintf("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')", peer.Port()))
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

	peer.RelayTo(recv.dn.RPCAddr().String())
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
