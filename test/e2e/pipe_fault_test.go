package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPipeReceiverDown stops B for 30 s while A keeps writing: the pipe
// stays RUNNING and shows the error, and once B is back every row A
// acknowledged reaches it.
func TestPipeReceiverDown(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	ca.mustExec("CREATE PIPE rd " + pipeSinkClause("iotdb-thrift-sink", b.Port))
	acked := ca.insertRows("root.rd.d.s", pipeRowsRange(1, 20, 0))
	pipeWaitData(t, cb, "root.rd", acked, pipeDeadline)

	b.Stop()
	start := time.Now()
	var failed []string
	exception, states := "", map[string]int{}
	for i := int64(21); ; i++ {
		due := start.Add(time.Duration(i-21) * 100 * time.Millisecond)
		if due.Sub(start) >= 30*time.Second {
			break
		}
		time.Sleep(time.Until(due))
		rows := map[int64]string{i: strconv.FormatInt(i*3, 10)}
		if err := ca.insertRowsErr("root.rd.d.s", rows); err != nil {
			failed = append(failed, fmt.Sprintf("row %d: %v", i, err))
		} else {
			acked.add("root.rd.d.s", rows)
		}
		if i%10 == 0 {
			r := ca.pipe("rd")
			if r == nil {
				t.Fatal("pipe rd no longer listed while B is down")
			}
			states[r["State"]]++
			if r["ExceptionMessage"] != "" {
				exception = r["ExceptionMessage"]
			}
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d writes on A failed while B was down (sync must not hold up writes): %s", len(failed), strings.Join(failed[:min(len(failed), 5)], "; "))
	}
	if states["RUNNING"] == 0 || len(states) != 1 {
		t.Errorf("states of the pipe while B was down: %v, want RUNNING only", states)
	}
	if exception == "" {
		t.Errorf("SHOW PIPES never showed an ExceptionMessage while B was down")
	} else {
		t.Logf("ExceptionMessage while B was down: %s", exception)
	}

	b.Start()
	cb = newPipeClient(t, b)
	pipeWaitData(t, cb, "root.rd", acked, 60*time.Second)
	got := cb.dump("root.rd")
	if d := pipeDiff(acked, got); d != "" {
		t.Errorf("B after recovery: %s", d)
	}
	t.Logf("B holds %d points; %d were written while it was down", got.points(), acked.points()-20)
	if r := ca.pipe("rd"); r == nil || r["State"] != "RUNNING" {
		t.Errorf("pipe after B came back: %v", r)
	}
	// Once transfers succeed again, the retry message goes away.
	pipeWaitFor(t, 20*time.Second, "the retry message to clear", func() (bool, string) {
		r := ca.pipe("rd")
		return r != nil && r["ExceptionMessage"] == "", fmt.Sprint(r)
	})
}

// TestPipeBidirectional runs pipes both ways: both sides end with the
// union, and nothing loops.
func TestPipeBidirectional(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	// History on both sides, then the pipes, then realtime writes.
	histA := mergeData(
		ca.insertRows("root.bi.a.s", pipeRowsRange(1, 20, 0)),
		ca.insertRows("root.bi.both.s", pipeRowsRange(1, 10, 0)),
		ca.insertRows("root.bi.both.s", pipeRowsRange(100, 105, 1000)), // same points on both sides
	)
	histB := mergeData(
		cb.insertRows("root.bi.b.s", pipeRowsRange(1, 20, 0)),
		cb.insertRows("root.bi.both.s", pipeRowsRange(11, 20, 0)),
		cb.insertRows("root.bi.both.s", pipeRowsRange(100, 105, 1000)),
	)
	ca.mustExec("CREATE PIPE a2b " + pipeSinkClause("iotdb-thrift-sink", b.Port))
	cb.mustExec("CREATE PIPE b2a " + pipeSinkClause("iotdb-thrift-sink", a.Port))
	rtA, rtB := pipeData{}, pipeData{}
	for i := int64(0); i < 10; i++ {
		rtA = mergeData(rtA, ca.insertRows("root.bi.a.s", pipeRowsRange(21+i*5, 25+i*5, 0)))
		rtB = mergeData(rtB, cb.insertRows("root.bi.b.s", pipeRowsRange(21+i*5, 25+i*5, 0)))
		rtA = mergeData(rtA, ca.insertRows("root.bi.both.s", pipeRowsAt(0, 200+2*i)))
		rtB = mergeData(rtB, cb.insertRows("root.bi.both.s", pipeRowsAt(0, 201+2*i)))
	}
	rtA = mergeData(rtA, ca.insertRows("root.bia.d.s", pipeRowsRange(1, 5, 0)))
	rtB = mergeData(rtB, cb.insertRows("root.bib.d.s", pipeRowsRange(1, 5, 0)))
	want := mergeData(histA, histB, rtA, rtB)

	pipeWaitData(t, ca, "root", want, pipeDeadline)
	pipeWaitData(t, cb, "root", want, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, "a2b")
	pipeWaitDrained(t, cb, pipeDeadline, "b2a")
	if d := pipeDiff(want, ca.dump("root")); d != "" {
		t.Errorf("A: %s", d)
	}
	if d := pipeDiff(want, cb.dump("root")); d != "" {
		t.Errorf("B: %s", d)
	}

	// No loop: over a few seconds neither side ingests, sends or receives
	// anything more, and the remaining event counts stay 0.
	counters := func() string {
		var parts []string
		for name, s := range map[string]string{"A": scrape(t, a), "B": scrape(t, b)} {
			for _, m := range []string{"sluice_ingest_points_total", "sluice_pipe_points_sent_total", "sluice_pipe_receiver_points_total"} {
				parts = append(parts, fmt.Sprintf("%s %s=%g", name, m, metricSum(s, m)))
			}
		}
		sort.Strings(parts)
		return strings.Join(parts, ", ")
	}
	before := counters()
	time.Sleep(3 * time.Second)
	if after := counters(); after != before {
		t.Errorf("counters still move after convergence (a loop?):\nbefore %s\nafter  %s", before, after)
	}
	na, nb := ca.dump("root").points(), cb.dump("root").points()
	if na != want.points() || nb != want.points() {
		t.Errorf("point counts after 3 s: A %d, B %d, want %d", na, nb, want.points())
	}
	for _, c := range []struct {
		cl   *pipeClient
		name string
	}{{ca, "a2b"}, {cb, "b2a"}} {
		if r := c.cl.pipe(c.name); r == nil || r["RemainingEventCount"] != "0" || r["State"] != "RUNNING" {
			t.Errorf("pipe %s after convergence: %v", c.name, r)
		}
	}
}

// metricSum adds up the samples of one metric in a /metrics page.
func metricSum(page, name string) float64 {
	sum := 0.0
	for _, l := range strings.Split(page, "\n") {
		rest, ok := strings.CutPrefix(l, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		f := strings.Fields(l)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// TestPipeSenderKill9 kills A with SIGKILL while it writes and syncs,
// restarts it, and checks that B ends up with exactly A's content, which
// holds every row A acknowledged.
func TestPipeSenderKill9(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	hist := ca.insertRows("root.k9.h.s", pipeRowsRange(1, 200, 0))
	ca.mustExec("CREATE PIPE k9 " + pipeSinkClause("iotdb-thrift-sink", b.Port))

	const writers, perInsert = 3, 20
	ackedBy := make([]pipeData, writers)
	var wg sync.WaitGroup
	for w := range writers {
		c := newPipeClient(t, a)
		ackedBy[w] = pipeData{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("root.k9.d%d.s", w)
			for batch := int64(0); ; batch++ {
				rows := pipeRowsRange(batch*perInsert, batch*perInsert+perInsert-1, int64(w)*1_000_000)
				if err := c.insertRowsErr(path, rows); err != nil {
					return // A is gone: everything before was acknowledged
				}
				ackedBy[w].add(path, rows)
			}
		}()
	}
	time.Sleep(2500 * time.Millisecond)
	a.Kill()
	wg.Wait()
	acked := mergeData(append([]pipeData{hist}, ackedBy...)...)
	for w, d := range ackedBy {
		if d.points() == 0 {
			t.Fatalf("writer %d had nothing acknowledged before the kill", w)
		}
	}
	t.Logf("%d points acknowledged before kill -9", acked.points())

	a.Start()
	ca = newPipeClient(t, a)
	if d := pipeMissing(acked, ca.dump("root.k9")); d != "" {
		t.Fatalf("A lost acknowledged writes in kill -9: %s", d)
	}
	after := ca.insertRows("root.k9.after.s", pipeRowsRange(1, 50, 0))
	acked = mergeData(acked, after)
	got := pipeWaitSame(t, ca, cb, "root.k9", 60*time.Second)
	if d := pipeMissing(acked, got); d != "" {
		t.Errorf("B lacks acknowledged writes: %s", d)
	}
	if r := ca.pipe("k9"); r == nil || r["State"] != "RUNNING" {
		t.Errorf("pipe after A's restart: %v", r)
	}
	t.Logf("B holds %d points, equal to A", got.points())
}

// TestPipeReceiverManyNewDatabases syncs the history of several databases
// B does not have yet: the receiver creates them while transfers for the
// others arrive. Every point must arrive and B must stay up.
func TestPipeReceiverManyNewDatabases(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	want := pipeData{}
	for i := range 8 {
		want = mergeData(want, ca.insertRows(fmt.Sprintf("root.many%d.d.s", i), pipeRowsRange(1, 20, int64(i)*100)))
	}
	// One pipe for all, and one per database: their tasks transfer to B
	// side by side.
	names := []string{"many"}
	ca.mustExec("CREATE PIPE many " + pipeSinkClause("iotdb-thrift-sink", b.Port))
	for i := range 8 {
		names = append(names, fmt.Sprintf("many%d", i))
		ca.mustExec(fmt.Sprintf("CREATE PIPE many%d WITH SOURCE ('source.pattern'='root.many%d') %s", i, i, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	}
	for i := range 8 {
		want = mergeData(want, ca.insertRows(fmt.Sprintf("root.many%d.d.s", i), pipeRowsRange(21, 30, int64(i)*100)))
	}
	pipeWaitData(t, cb, "root", want, pipeDeadline)
	pipeWaitDrained(t, ca, pipeDeadline, names...)
	if d := pipeDiff(want, cb.dump("root")); d != "" {
		t.Errorf("B: %s", d)
	}
	for _, name := range names {
		if r := ca.pipe(name); r == nil || r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("pipe %s: %v, want RUNNING with no exception", name, r)
		}
	}
}
