package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/netfault"
	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeSinkStallShowsRetrying: a receiver that accepts but never
// answers turns the pipe's ExceptionMessage to "retrying: no answer from
// host:port for 5s" (the default watchdog) while the transfer waits out
// pipe_sink_timeout_ms; once the receiver answers again, every point
// arrives and the message clears.
func TestPipeSinkStallShowsRetrying(t *testing.T) {
	t.Parallel()
	relay := netfault.StartSilentPeer(t)
	a := proc.StartStandalone(t, "pipe_sink_timeout_ms=8000")
	b := proc.StartStandalone(t)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	ca.mustExec("CREATE PIPE silent " + pipeSinkClause("iotdb-thrift-sink", relay.Port()))
	start := time.Now()
	w := ca.insertRows("root.silent.d.s", pipeRowsRange(1, 10, 0))

	want := "retrying: no answer from " + relay.Addr() + " for 5s"
	pipeWaitFor(t, pipeDeadline, "the stall in SHOW PIPES", func() (bool, string) {
		r := ca.pipe("silent")
		return r != nil && strings.HasPrefix(r["ExceptionMessage"], want) && r["State"] == "RUNNING", fmt.Sprintf("row %v", r)
	})
	t.Logf("SHOW PIPES showed the stall %s after the write", time.Since(start).Round(100*time.Millisecond))
	_, rows := ca.pipeRows("SHOW PIPES STATISTICS")
	if len(rows) != 1 || !strings.HasPrefix(rows[0]["ExceptionMessage"], "retrying: ") || rows[0]["Retries"] == "0" {
		t.Errorf("SHOW PIPES STATISTICS during the stall: %v, want the retrying message and a retry counted", rows)
	}

	relay.RelayTo(b.Addr())
	pipeWaitData(t, cb, "root.silent", w, 60*time.Second)
	pipeWaitFor(t, pipeDeadline, "the message cleared", func() (bool, string) {
		r := ca.pipe("silent")
		return r != nil && r["ExceptionMessage"] == "", fmt.Sprintf("row %v", r)
	})
}
