package datanode

import (
	"fmt"
	"testing"
)

// A sampling processor's state belongs to the pipe task: a task started
// again (here by STOP and START) samples afresh, so the first point it
// reads of a series passes even when one uninterrupted task would have
// dropped it.
func TestSamplingRestartsWithTheTask(t *testing.T) {
	recv := startNode(t, t.TempDir())
	src := startNode(t, t.TempDir())
	src.mustExec(fmt.Sprintf("create pipe p with processor ('processor'='tumbling-time-sampling-processor', 'tumbling-time.interval-seconds'='10') "+
		"with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%s')", recv.dn.rpcPort()))
	selectV := func() string { return flat(recv.mustExec("select v from root.samp.d")) }
	drained := func() {
		t.Helper()
		waitFor(t, "the pipe drained", func() (bool, string) {
			row := src.pipeRow("p")
			return row["RemainingEventCount"] == "0", fmt.Sprint(row)
		})
	}

	src.mustExec("insert into root.samp.d(time, v) values (1000, 1)")
	// v at 2000 is within 10 s of 1000: dropped; m is a new series: sent.
	src.mustExec("insert into root.samp.d(time, v, m) values (2000, 2, 2)")
	waitFor(t, "m at 2000", func() (bool, string) {
		got := flat(recv.mustExec("select m from root.samp.d"))
		return got == "2000,2", got
	})
	if got := selectV(); got != "1000,1" {
		t.Fatalf("v = %q, want 1000 only", got)
	}
	drained()

	src.mustExec("stop pipe p")
	src.mustExec("start pipe p")
	// 3000 is within 10 s of 1000 too, but the new task has not seen v.
	src.mustExec("insert into root.samp.d(time, v) values (3000, 3)")
	waitFor(t, "v at 3000", func() (bool, string) {
		got := selectV()
		return got == "1000,1;3000,3", got
	})
	src.mustExec("insert into root.samp.d(time, v) values (4000, 4), (13000, 13)")
	waitFor(t, "v at 13000", func() (bool, string) {
		got := selectV()
		return got == "1000,1;3000,3;13000,13", got
	})
}
