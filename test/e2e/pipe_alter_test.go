package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeAlterReplaceSink: ALTER PIPE ... REPLACE SINK moves a running
// pipe from receiver B to receiver C. The pipe stays RUNNING and keeps its
// progress: C receives every point written after the ALTER and none of
// those B had already received (nothing is sent again from the
// beginning), and B receives nothing written after the ALTER returned.
// SHOW PIPES shows the new sink, and sink reuse follows: the pipe no
// longer shares B's sink with another pipe to B.
func TestPipeAlterReplaceSink(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	c := proc.StartStandalone(t)
	cc := newPipeClient(t, c)
	const db = "root.alt"

	ca.mustExec("CREATE PIPE alt WITH SOURCE ('source.pattern'='"+db+"') "+pipeSinkClause("iotdb-thrift-sink", b.Port),
		"CREATE PIPE other WITH SOURCE ('source.pattern'='root.other') "+pipeSinkClause("iotdb-thrift-sink", b.Port))
	if got := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY alt"); strings.Join(got, ",") != "alt,other" {
		t.Fatalf("before ALTER, pipes sharing alt's sink: %v", got)
	}
	before := ca.insertRows(db+".d.s", pipeRowsRange(1, 100, 0))
	pipeWaitData(t, cb, db, before, 60*time.Second)
	pipeWaitDrained(t, ca, 30*time.Second, "alt")
	created := ca.pipe("alt")["CreationTime"]

	ca.mustExec(fmt.Sprintf("ALTER PIPE alt REPLACE SINK ('sink'='iotdb-thrift-sink', 'sink.node-urls'='127.0.0.1:%d')", c.Port))
	after := ca.insertRows(db+".d.s", pipeRowsRange(101, 200, 0))
	pipeWaitData(t, cc, db, after, 60*time.Second)
	pipeWaitDrained(t, ca, 30*time.Second, "alt")

	if got := cc.dump(db); pipeDiff(after, got) != "" {
		t.Fatalf("C holds other points than those written after the ALTER (progress lost?): %s", pipeDiff(after, got))
	}
	if got := cb.dump(db); pipeDiff(before, got) != "" {
		t.Fatalf("B received points written after the ALTER: %s", pipeDiff(before, got))
	}
	row := ca.pipe("alt")
	want := fmt.Sprintf("{sink=iotdb-thrift-sink, sink.node-urls=127.0.0.1:%d}", c.Port)
	if row["PipeSink"] != want || row["State"] != "RUNNING" || row["CreationTime"] != created || row["ExceptionMessage"] != "" {
		t.Fatalf("SHOW PIPES after ALTER: %v; want sink %s, RUNNING, created %s", row, want, created)
	}
	if got := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY alt"); strings.Join(got, ",") != "alt" {
		t.Fatalf("after ALTER, pipes sharing alt's sink: %v, want alt alone", got)
	}
	if got := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY other"); strings.Join(got, ",") != "other" {
		t.Fatalf("after ALTER, pipes sharing other's sink: %v, want other alone", got)
	}

	// A stopped pipe stays stopped through ALTER, and START resumes it
	// from its progress with the new definition.
	ca.mustExec("STOP PIPE alt")
	stopped := ca.insertRows(db+".d.s", pipeRowsRange(201, 210, 0))
	ca.mustExec(fmt.Sprintf("ALTER PIPE alt MODIFY SINK ('sink.node-urls'='127.0.0.1:%d')", b.Port))
	if st := ca.pipe("alt")["State"]; st != "STOPPED" {
		t.Fatalf("a stopped pipe is %s after ALTER", st)
	}
	ca.mustExec("START PIPE alt")
	pipeWaitData(t, cb, db, mergeData(before, stopped), 60*time.Second)
	pipeWaitDrained(t, ca, 30*time.Second, "alt")
	if got := cb.dump(db); pipeDiff(mergeData(before, stopped), got) != "" {
		t.Fatalf("B after the pipe came back: %s", pipeDiff(mergeData(before, stopped), got))
	}
}

// TestPipeAlterModifyProcessor: ALTER PIPE ... MODIFY PROCESSOR adds a
// down-sampling processor to a running pipe; the points written after
// it arrive sampled (10 s tumbling windows, first point of each).
func TestPipeAlterModifyProcessor(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	const db = "root.altp"
	ca.mustExec("CREATE PIPE altp WITH SOURCE ('source.pattern'='" + db + "') " + pipeSinkClause("iotdb-thrift-sink", b.Port))
	before := ca.insertRows(db+".d.v", pipeRowsAt(0, 1000, 2000, 3000))
	pipeWaitData(t, cb, db, before, 60*time.Second)
	pipeWaitDrained(t, ca, 30*time.Second, "altp")

	ca.mustExec("ALTER PIPE altp MODIFY PROCESSOR ('processor'='tumbling-time-sampling-processor', 'processor.tumbling-time.interval-seconds'='10')")
	var times []int64
	for ts := int64(11000); ts <= 25000; ts += 1000 {
		times = append(times, ts)
	}
	ca.insertRows(db+".d.v", pipeRowsAt(0, times...))
	want := mergeData(before, pipeData{db + ".d.v": pipeRowsAt(0, 11000, 21000)})
	pipeWaitData(t, cb, db, want, 60*time.Second)
	pipeWaitDrained(t, ca, 30*time.Second, "altp")
	if got := cb.dump(db); pipeDiff(want, got) != "" {
		t.Fatalf("after ALTER MODIFY PROCESSOR: %s", pipeDiff(want, got))
	}
	row := ca.pipe("altp")
	if row["PipeProcessor"] != "{processor=tumbling-time-sampling-processor, processor.tumbling-time.interval-seconds=10}" ||
		row["PipeSink"] != fmt.Sprintf("{sink=iotdb-thrift-sink, sink.ip=127.0.0.1, sink.port=%d}", b.Port) {
		t.Fatalf("SHOW PIPES after ALTER: %v", row)
	}
}

// TestPipeAlterRefused: an invalid ALTER PIPE (unknown key, missing pipe,
// bad sink) is refused with IoTDB's pipe error code and a message naming
// the problem, and the pipe is unchanged and keeps sending where it did.
func TestPipeAlterRefused(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	const db = "root.altr"
	ca.mustExec("CREATE PIPE altr WITH SOURCE ('source.pattern'='" + db + "') " + pipeSinkClause("iotdb-thrift-sink", b.Port))
	row := ca.pipe("altr")
	for _, c := range []struct{ sql, msg string }{
		{"ALTER PIPE altr MODIFY SINK ('sink.prot'='6669')", "unknown key 'sink.prot' (did you mean 'sink.port'?)"},
		{"ALTER PIPE altr MODIFY SOURCE ('source.patern'='root')", "unknown key 'source.patern' (did you mean 'source.pattern'?)"},
		{"ALTER PIPE nosuch MODIFY SINK ('sink.port'='6669')", "Failed to alter pipe nosuch, the pipe does not exist"},
		{"ALTER PIPE altr MODIFY SINK ('sink.port'='99999')", "99999"},
		{"ALTER PIPE altr REPLACE SINK ('sink'='no-such-sink')", "'sink' = 'no-such-sink': unknown plugin"},
		{fmt.Sprintf("ALTER PIPE altr MODIFY SINK ('sink.port'='%d')", a.Port), "a pipe cannot sync a cluster to itself"},
	} {
		code, msg := ca.mustFail(c.sql)
		if code != 1107 || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %q, want 1107 with %q", c.sql, code, msg, c.msg)
		}
		if got := ca.pipe("altr"); fmt.Sprint(got) != fmt.Sprint(row) {
			t.Fatalf("%s changed the pipe:\nbefore %v\nafter  %v", c.sql, row, got)
		}
	}
	ca.mustExec("ALTER PIPE IF EXISTS nosuch MODIFY SINK ('sink.port'='6669')")
	want := ca.insertRows(db+".d.s", pipeRowsRange(1, 20, 0))
	pipeWaitData(t, cb, db, want, 60*time.Second)
}
