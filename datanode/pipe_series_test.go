package datanode

import (
	"fmt"
	"testing"
)

// clusterWide are the ConfigNode leader's per-pipe series (the test nodes
// share a registry): they follow the pipe's metadata, not its tasks.
var clusterWide = map[string]bool{
	"sluice_pipe_state": true, "sluice_pipe_remaining_events": true, "sluice_pipe_events_per_second": true,
	"sluice_pipe_estimated_remaining_seconds": true, "sluice_pipe_exception": true,
	"sluice_pipe_progress_snapshot_age_seconds": true,
}

// series names the series that carry the label pipe=pipe.
func (n *node) series(pipe string) []string {
	n.t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		n.t.Fatal(err)
	}
	var names []string
	for _, f := range mfs {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "pipe" && l.GetValue() == pipe {
					names = append(names, f.GetName())
				}
			}
		}
	}
	return names
}

// A pipe that an unrecoverable error stopped has its task end by itself;
// its per-task series go with it, so that none is left after DROP PIPE.
func TestFailedPipeLeavesNoSeries(t *testing.T) {
	recv := startNode(t, t.TempDir())
	src := startNode(t, t.TempDir())
	src.mustExec("insert into root.fail.d(time, a) values (1, 1)")
	src.mustExec(fmt.Sprintf("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%s', 'sink.password'='wrong')",
		recv.dn.rpcPort()))
	waitFor(t, "the pipe stopped by the refused login", func() (bool, string) {
		row := src.pipeRow("p")
		return row["State"] == "STOPPED" && row["ExceptionMessage"] != "", fmt.Sprint(row)
	})
	waitFor(t, "the ended task's series gone", func() (bool, string) {
		var left []string
		for _, name := range src.series("p") {
			if !clusterWide[name] {
				left = append(left, name)
			}
		}
		return len(left) == 0, fmt.Sprint(left)
	})
	src.mustExec("drop pipe p")
	if left := src.series("p"); len(left) != 0 {
		t.Fatalf("series of the dropped pipe: %v", left)
	}
}
