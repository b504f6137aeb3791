package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
)

// The examples of SPEC-data-sync.md, run between two standalone clusters A
// and B (the SPEC's ports 6667/6668 replaced by the harness's free ports).

const pipeDeadline = 20 * time.Second

// TestPipeQuickStart runs the Quick Start verbatim: create pipe a2b on A to
// B, start it, insert on A, and SELECT ** FROM root on B.
func TestPipeQuickStart(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	ca.mustExec(fmt.Sprintf(`create pipe a2b
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='%d'
)`, b.Port))
	ca.mustExec("start pipe a2b")
	ca.mustExec("INSERT INTO root.db.d(time, m) values (1, 1)")

	pipeWaitFor(t, pipeDeadline, "SELECT ** FROM root on B shows root.db.d.m", func() (bool, string) {
		res := cb.mustQuery("SELECT ** FROM root")
		if !res.has("root.db.d.m") || len(res.rows) == 0 {
			return false, fmt.Sprintf("columns %q, %d rows", res.cols, len(res.rows))
		}
		i := res.col(t, "root.db.d.m")
		if len(res.rows) != 1 || res.rows[0].time != 1 {
			return false, fmt.Sprintf("times %v", res.times())
		}
		if v, ok := res.rows[0].vals[i].(float64); !ok || v != 1.0 {
			return false, fmt.Sprintf("value %T %v, want DOUBLE 1.0", res.rows[0].vals[i], res.rows[0].vals[i])
		}
		if res.types[i] != client.DOUBLE {
			return false, fmt.Sprintf("type %v, want DOUBLE", res.types[i])
		}
		return true, ""
	})
}

// specFullExample is the SPEC's full CREATE PIPE example, comments and
// trailing commas included, with the target port substituted.
const specFullExample = `CREATE PIPE %s -- PipeId is the name that uniquely identifies the sync task
WITH SOURCE (
-- Default IoTDB Data Extraction Plugin
'source' = 'iotdb-source',
-- Path prefix, only data that can match the path prefix will be extracted for subsequent processing and delivery
'source.pattern' = 'root.timecho',
-- Describes the time range of the data being extracted, indicating the earliest possible time
'source.historical.start-time' = '2011.12.03T10:15:30+01:00',
-- Describes the time range of the extracted data, indicating the latest time
'source.historical.end-time' = '2022.12.03T10:15:30+01:00',
)
WITH PROCESSOR (
-- Default data processing plugin, means no processing
'processor' = 'do-nothing-processor',
)
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '%d',
)`

// specMinimalExample is the SPEC's minimal CREATE PIPE example.
const specMinimalExample = `CREATE PIPE %s -- PipeId is a name that uniquely identifies the task.
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '%d',
)`

func ms(year int, month time.Month, day, hour, min, sec int) int64 {
	return time.Date(year, month, day, hour, min, sec, 0, time.UTC).UnixMilli()
}

// TestPipeSpecCreateExamples runs the SPEC's two CREATE PIPE examples and
// checks what they mean.
func TestPipeSpecCreateExamples(t *testing.T) {
	t.Parallel()
	t.Run("full", func(t *testing.T) {
		_, b, ca, cb := startPipePair(t)
		// 2011.12.03T10:15:30+01:00 and 2022.12.03T10:15:30+01:00.
		start, end := ms(2011, 12, 3, 9, 15, 30), ms(2022, 12, 3, 9, 15, 30)
		in := ms(2015, 6, 1, 0, 0, 0)
		before, after := ms(2005, 1, 1, 0, 0, 0), ms(2030, 1, 1, 0, 0, 0)

		// History: written before the pipe exists.
		histIn := mergeData(
			ca.insertRows("root.timecho.d1.s", pipeRowsAt(1, start, in, end)),
			ca.insertRows("root.timecho.d2.s", pipeRowsAt(2, in)),
		)
		histOut := mergeData(
			ca.insertRows("root.timecho.d1.s", pipeRowsAt(1, before, start-1, end+1, after)), // outside the range
			ca.insertRows("root.other.d1.s", pipeRowsAt(1, in)),                              // outside the pattern
		)
		ca.mustExec(fmt.Sprintf(specFullExample, "full", b.Port))
		if r := ca.pipe("full"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("after CREATE: SHOW PIPES row %v, want State RUNNING", r)
		}
		// Realtime: the historical.* range does not restrict it, the
		// pattern does.
		rtIn := ca.insertRows("root.timecho.d3.s", pipeRowsAt(3, before, in, after))
		rtOut := ca.insertRows("root.other.d2.s", pipeRowsAt(3, before, in, after))

		want := mergeData(histIn, rtIn)
		pipeWaitData(t, cb, "root", want, pipeDeadline)
		pipeWaitDrained(t, ca, pipeDeadline, "full")
		time.Sleep(time.Second)
		got := cb.dump("root")
		if d := pipePresent(mergeData(histOut, rtOut), got); d != "" {
			t.Errorf("B has points the pipe should not carry: %s", d)
		}
		if d := pipeDiff(want, got); d != "" {
			t.Errorf("B's content: %s", d)
		}
	})
	t.Run("minimal", func(t *testing.T) {
		_, b, ca, cb := startPipePair(t)
		hist := mergeData(
			ca.insertRows("root.min1.d.s", pipeRowsRange(1, 50, 0)),
			ca.insertRows("root.min2.`x y`.s", pipeRowsAt(7, -5, 0, 1<<40)),
		)
		ca.mustExec(fmt.Sprintf(specMinimalExample, "minimal", b.Port))
		if r := ca.pipe("minimal"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("after CREATE: SHOW PIPES row %v, want State RUNNING", r)
		}
		rt := mergeData(
			ca.insertRows("root.min1.d.s", pipeRowsRange(51, 100, 0)),
			ca.insertRows("root.min3.d.s", pipeRowsAt(1, 1, 2, 3)),
		)
		pipeWaitData(t, cb, "root", mergeData(hist, rt), pipeDeadline)
		pipeWaitSame(t, ca, cb, "root", pipeDeadline)
	})
}

// TestPipeStartEndTime checks the V1.3.1+ start-time/end-time bounds: they
// restrict history and realtime alike, and replace history.*.
func TestPipeStartEndTime(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	lo, hi := ms(2015, 1, 1, 0, 0, 0), ms(2020, 1, 1, 0, 0, 0)
	mid, late := ms(2016, 6, 1, 0, 0, 0), ms(2019, 6, 1, 0, 0, 0)
	inside := []int64{lo, mid, late, hi}
	outside := []int64{lo - 1, ms(2001, 1, 1, 0, 0, 0), hi + 1, ms(2031, 1, 1, 0, 0, 0)}

	histIn := ca.insertRows("root.se.hist.s", pipeRowsAt(0, inside...))
	histOut := ca.insertRows("root.se.hist.s", pipeRowsAt(0, outside...))
	// start-time in ISO form, end-time as epoch milliseconds; the
	// history.start-time after mid must be ignored since start-time is set.
	ca.mustExec(fmt.Sprintf(`CREATE PIPE se
WITH SOURCE (
  'source.pattern' = 'root.se',
  'source.start-time' = '2015-01-01T00:00:00+00:00',
  'source.end-time' = '%d',
  'source.history.start-time' = '2018-01-01T00:00:00+00:00',
)
%s`, hi, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	rtIn := ca.insertRows("root.se.rt.s", pipeRowsAt(0, inside...))
	rtOut := ca.insertRows("root.se.rt.s", pipeRowsAt(0, outside...))

	// A second pipe with the prefix-less spellings of V1.3.1+.
	ca.insertRows("root.se2.hist.s", pipeRowsAt(0, append(slices.Clone(inside), outside...)...))
	ca.mustExec(fmt.Sprintf(`CREATE PIPE se2 WITH SOURCE ('pattern'='root.se2', 'start-time'='%d', 'end-time'='2020-01-01T00:00:00Z') %s`,
		lo, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	ca.insertRows("root.se2.rt.s", pipeRowsAt(0, append(slices.Clone(inside), outside...)...))
	want2 := pipeData{"root.se2.hist.s": pipeRowsAt(0, inside...), "root.se2.rt.s": pipeRowsAt(0, inside...)}

	want := mergeData(histIn, rtIn)
	pipeWaitData(t, cb, "root.se", want, pipeDeadline)
	pipeWaitData(t, cb, "root.se2", want2, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "se", "se2")
	time.Sleep(time.Second)
	if d := pipeDiff(want, cb.dump("root.se")); d != "" {
		t.Errorf("root.se on B (start-time/end-time with history.start-time): %s; outside points %v", d, pipePresent(mergeData(histOut, rtOut), cb.dump("root.se")))
	}
	if d := pipeDiff(want2, cb.dump("root.se2")); d != "" {
		t.Errorf("root.se2 on B (prefix-less start-time/end-time): %s", d)
	}
}

// TestPipeSinkReuse creates the SPEC's pipe1 and pipe2, whose sinks are
// equal but for the order of the keys, and pipes whose sinks IoTDB would
// keep apart.
func TestPipeSinkReuse(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	ca.mustExec(
		fmt.Sprintf(`CREATE PIPE pipe1
WITH SOURCE ('source.pattern' = 'root.reuse.p1')
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.ip' = 'localhost',
'sink.port' = '%d',
)`, b.Port),
		fmt.Sprintf(`CREATE PIPE pipe2
WITH SOURCE ('source.pattern' = 'root.reuse.p2')
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.port' = '%d',
'sink.ip' = 'localhost',
)`, b.Port),
		// Not the same sink: another ip spelling.
		fmt.Sprintf(`CREATE PIPE pipe3 WITH SOURCE ('source.pattern' = 'root.reuse.p3') %s`, pipeSinkClause("iotdb-thrift-sink", b.Port)),
		// Not the same sink for IoTDB either, though they mean pipe1's:
		// the async alias, and prefix-less keys.
		fmt.Sprintf(`CREATE PIPE pipe4 WITH SOURCE ('source.pattern' = 'root.reuse.p4')
WITH SINK ('sink' = 'iotdb-thrift-async-sink', 'sink.ip' = 'localhost', 'sink.port' = '%d')`, b.Port),
		fmt.Sprintf(`CREATE PIPE pipe5 WITH SOURCE ('source.pattern' = 'root.reuse.p5')
WITH SINK ('sink' = 'iotdb-thrift-sink', 'ip' = 'localhost', 'port' = '%d')`, b.Port),
	)
	for _, name := range []string{"pipe4", "pipe5"} {
		if ids := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY " + name); !slices.Equal(ids, []string{name}) {
			t.Errorf("SHOW PIPES WHERE SINK USED BY %s lists %q, want only itself", name, ids)
		}
	}
	ca.mustExec("DROP PIPE pipe4", "DROP PIPE pipe5")
	for _, name := range []string{"pipe1", "pipe2"} {
		if ids := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY " + name); !slices.Equal(ids, []string{"pipe1", "pipe2"}) {
			t.Errorf("SHOW PIPES WHERE SINK USED BY %s lists %q, want [pipe1 pipe2]", name, ids)
		}
	}
	if ids := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY pipe3"); !slices.Equal(ids, []string{"pipe3"}) {
		t.Errorf("SHOW PIPES WHERE SINK USED BY pipe3 lists %q, want [pipe3]", ids)
	}

	w1 := mergeData(
		ca.insertRows("root.reuse.p1.s", pipeRowsRange(1, 20, 100)),
		ca.insertRows("root.reuse.p2.s", pipeRowsRange(1, 20, 200)),
		ca.insertRows("root.reuse.p3.s", pipeRowsRange(1, 20, 300)),
	)
	pipeWaitData(t, cb, "root.reuse", w1, pipeDeadline)

	ca.mustExec("DROP PIPE pipe1")
	if ids := ca.pipeIDs("SHOW PIPES WHERE SINK USED BY pipe2"); !slices.Equal(ids, []string{"pipe2"}) {
		t.Errorf("after DROP PIPE pipe1: SHOW PIPES WHERE SINK USED BY pipe2 lists %q, want [pipe2]", ids)
	}
	w2 := mergeData(
		ca.insertRows("root.reuse.p2.s", pipeRowsRange(21, 40, 200)),
		ca.insertRows("root.reuse.p3.s", pipeRowsRange(21, 40, 300)),
	)
	gone := ca.insertRows("root.reuse.p1.s", pipeRowsRange(21, 40, 100))
	pipeWaitData(t, cb, "root.reuse", mergeData(w1, w2), pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "pipe2", "pipe3")
	time.Sleep(time.Second)
	if d := pipePresent(gone, cb.dump("root.reuse")); d != "" {
		t.Errorf("writes after DROP PIPE pipe1 reached B through it: %s", d)
	}
	if r := ca.pipe("pipe2"); r == nil || r["State"] != "RUNNING" {
		t.Errorf("pipe2 after pipe1 dropped: %v", r)
	}
}

// TestPipePatternPrefix runs the SPEC's pattern example: root.aligned.1 is
// a prefix of the path text, so it selects root.aligned.1TS.x but not
// root.aligned.`1`.x.
func TestPipePatternPrefix(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	hist := mergeData(
		ca.insertRows("root.aligned.1TS.x", pipeRowsAt(0, 1, 2)),
		ca.insertRows("root.aligned.1TS.`1`", pipeRowsAt(0, 1, 2)),
		ca.insertRows("root.aligned.100TS.x", pipeRowsAt(0, 1, 2)),
	)
	histOut := mergeData(
		ca.insertRows("root.aligned.`1`.x", pipeRowsAt(0, 1, 2)),
		ca.insertRows("root.aligned.`123`.x", pipeRowsAt(0, 1, 2)),
		ca.insertRows("root.aligned.2TS.x", pipeRowsAt(0, 1, 2)),
	)
	ca.mustExec(fmt.Sprintf("CREATE PIPE pat WITH SOURCE ('source.pattern'='root.aligned.1') %s", pipeSinkClause("iotdb-thrift-sink", b.Port)))
	rt := mergeData(
		ca.insertRows("root.aligned.1TS.x", pipeRowsAt(0, 3)),
		ca.insertRows("root.aligned.1TS.`1`", pipeRowsAt(0, 3)),
		ca.insertRows("root.aligned.100TS.x", pipeRowsAt(0, 3)),
	)
	rtOut := mergeData(
		ca.insertRows("root.aligned.`1`.x", pipeRowsAt(0, 3)),
		ca.insertRows("root.aligned.`123`.x", pipeRowsAt(0, 3)),
		ca.insertRows("root.aligned.2TS.x", pipeRowsAt(0, 3)),
	)
	want := mergeData(hist, rt)
	pipeWaitData(t, cb, "root.aligned", want, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "pat")
	time.Sleep(time.Second)
	got := cb.dump("root.aligned")
	if d := pipePresent(mergeData(histOut, rtOut), got); d != "" {
		t.Errorf("pattern root.aligned.1 carried: %s", d)
	}
	if d := pipeDiff(want, got); d != "" {
		t.Errorf("root.aligned on B: %s", d)
	}
}

// TestPipeHistoryRealtime checks both phases, and each phase alone.
func TestPipeHistoryRealtime(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	sink := pipeSinkClause("iotdb-thrift-sink", b.Port)
	hist := map[string]pipeData{}
	for _, db := range []string{"both", "rtonly", "histonly"} {
		hist[db] = ca.insertRows("root.hr"+db+".d.s", pipeRowsRange(1, 30, 0))
	}
	ca.mustExec(
		"CREATE PIPE both WITH SOURCE ('source.pattern'='root.hrboth') "+sink,
		"CREATE PIPE rtonly WITH SOURCE ('source.pattern'='root.hrrtonly', 'source.history.enable'='false') "+sink,
		"CREATE PIPE histonly WITH SOURCE ('source.pattern'='root.hrhistonly', 'source.realtime.enable'='false') "+sink,
	)
	rt := map[string]pipeData{}
	for _, db := range []string{"both", "rtonly", "histonly"} {
		rt[db] = ca.insertRows("root.hr"+db+".d.s", pipeRowsRange(31, 60, 0))
	}
	want := map[string]pipeData{
		"both":     mergeData(hist["both"], rt["both"]),
		"rtonly":   rt["rtonly"],
		"histonly": hist["histonly"],
	}
	for db, w := range want {
		pipeWaitData(t, cb, "root.hr"+db, w, pipeDeadline)
	}
	pipeWaitDrained(t, ca, pipeDeadline, "both", "rtonly")
	time.Sleep(time.Second)
	for db, w := range want {
		if d := pipeDiff(w, cb.dump("root.hr"+db)); d != "" {
			t.Errorf("pipe %s: root.hr%s on B: %s", db, db, d)
		}
	}
	for _, name := range []string{"both", "rtonly", "histonly"} {
		if r := ca.pipe(name); r == nil || r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("pipe %s: %v, want RUNNING without exception", name, r)
		}
	}
}

// TestPipeV130Spellings: the V1.3.0 clause and key names (EXTRACTOR,
// CONNECTOR, extractor./connector. prefixes, *-connector plugin names) and
// the V1.3.1+ prefix-less keys are accepted and mean the same.
func TestPipeV130Spellings(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	w := mergeData(
		ca.insertRows("root.old.d.s", pipeRowsRange(1, 10, 0)),
		ca.insertRows("root.nopfx.d.s", pipeRowsRange(1, 10, 0)),
		ca.insertRows("root.neither.d.s", pipeRowsRange(1, 10, 0)),
	)
	ca.mustExec(
		fmt.Sprintf(`CREATE PIPE old1
WITH EXTRACTOR ('extractor'='iotdb-extractor', 'extractor.pattern'='root.old')
WITH CONNECTOR ('connector'='iotdb-thrift-connector', 'connector.ip'='127.0.0.1', 'connector.port'='%d')`, b.Port),
		fmt.Sprintf(`CREATE PIPE nopfx
WITH SOURCE ('pattern'='root.nopfx')
WITH SINK ('sink'='iotdb-thrift-sync-sink', 'ip'='127.0.0.1', 'port'='%d', 'user'='root', 'password'='root')`, b.Port),
	)
	for _, name := range []string{"old1", "nopfx"} {
		if r := ca.pipe(name); r == nil || r["State"] != "RUNNING" {
			t.Errorf("pipe %s after CREATE: %v, want RUNNING", name, r)
		}
	}
	w = mergeData(w,
		ca.insertRows("root.old.d.s", pipeRowsRange(11, 20, 0)),
		ca.insertRows("root.nopfx.d.s", pipeRowsRange(11, 20, 0)),
	)
	want := pipeData{"root.old.d.s": w["root.old.d.s"], "root.nopfx.d.s": w["root.nopfx.d.s"]}
	pipeWaitData(t, cb, "root", want, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "old1", "nopfx")
	time.Sleep(time.Second)
	if d := pipeDiff(want, cb.dump("root")); d != "" {
		t.Errorf("B: %s", d)
	}
}

// TestPipeSpecIoTDBParameters: a CREATE PIPE copied from IoTDB 1.3 with
// parameters Sluice accepts without acting on, and a rate limit, syncs;
// a misspelt key is refused naming the key meant; the legacy sink needs
// ip and port.
func TestPipeSpecIoTDBParameters(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	w := ca.insertRows("root.params.d.s", pipeRowsRange(1, 20, 0))
	ca.mustExec(fmt.Sprintf(`CREATE PIPE params
WITH SOURCE ('source.pattern'='root.params', 'source.history.loose-range'='time,path', 'source.realtime.loose-range'='')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d',
  'sink.rate-limit-bytes-per-second'='1000000', 'sink.parallel.tasks'='2',
  'sink.exception.conflict.resolve-strategy'='retry', 'sink.load-balance-strategy'='round-robin')`, b.Port))
	pipeWaitData(t, cb, "root.params", w, pipeDeadline)
	_, rows := ca.pipeRows("SHOW PIPE params")
	if len(rows) != 1 || !strings.Contains(rows[0]["PipeSink"], "sink.rate-limit-bytes-per-second=1000000") {
		t.Errorf("SHOW PIPE params: %v, want the rate limit among the sink attributes", rows)
	}

	for sql, want := range map[string]string{
		fmt.Sprintf(`CREATE PIPE typo WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip-adress'='127.0.0.1', 'sink.port'='%d')`, b.Port):                          "did you mean 'sink.ip'?",
		`CREATE PIPE typo WITH SOURCE ('source.history.loose-rang'='time') WITH SINK ('sink'='do-nothing-sink')`:                                                "did you mean 'source.history.loose-range'?",
		fmt.Sprintf(`CREATE PIPE legacy WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'sink.node-urls'='127.0.0.1:%d')`, b.Port):                                  "requires 'ip' and 'port'",
		fmt.Sprintf(`CREATE PIPE legacy WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'sink.version'='newest')`, b.Port): "release number",
	} {
		code, msg := ca.mustFail(sql)
		if code != 1107 || !strings.Contains(msg, want) {
			t.Errorf("%s: code %d %q, want 1107 and %q", sql, code, msg, want)
		}
	}
}
