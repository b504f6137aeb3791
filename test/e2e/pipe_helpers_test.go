package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// Helpers of the pipe tests (pipe_*_test.go).
//
// The pipe tests talk to the servers through the generated TSIService client
// of iotdb-client-go (rawSession), one connection per pipeClient, rather
// than through client.Session: the latter registers every endpoint it was
// made for in a process-wide list without a lock (a data race between
// parallel tests under -race) and, when its connection breaks, reconnects
// to whichever endpoint of that list answers first, so a writer to a killed
// server could silently go on writing into the other cluster of the test,
// or into another test's server.

// pipeClient is one session on one server.
type pipeClient struct {
	t    testing.TB
	srv  *proc.Standalone
	raw  *rawSession
	user string
}

const pipeFetchSize = 1024

// newPipeClient opens a root session to s.
func newPipeClient(t testing.TB, s *proc.Standalone) *pipeClient {
	t.Helper()
	return newPipeClientAs(t, s, "root", "root")
}

// newPipeClientAs opens a session to s as user, failing the test unless
// the login succeeds.
func newPipeClientAs(t testing.TB, s *proc.Standalone, user, password string) *pipeClient {
	t.Helper()
	r := dialRaw(t, s)
	resp, err := r.login(user, password, "UTC")
	if err != nil {
		t.Fatalf("login as %s to %s: %v", user, s.Addr(), err)
	}
	mustOK(t, "login as "+user+" to "+s.Addr(), resp.GetStatus(), nil)
	return &pipeClient{t: t, srv: s, raw: r, user: user}
}

// exec runs one statement and returns its status; a transport failure is
// an error. A result set the statement may have opened is closed.
func (c *pipeClient) exec(sql string) (*rpc.TSStatus, error) {
	fs := int32(pipeFetchSize)
	resp, err := c.raw.ExecuteStatement(context.Background(), &rpc.TSExecuteStatementReq{
		SessionId: c.raw.sid, Statement: sql, StatementId: c.raw.stmtID, FetchSize: &fs})
	if err != nil {
		return nil, err
	}
	if resp.QueryId != nil && len(resp.Columns) > 0 {
		qid := resp.GetQueryId()
		_, _ = c.raw.CloseOperation(context.Background(), &rpc.TSCloseOperationReq{
			SessionId: c.raw.sid, QueryId: &qid, StatementId: &c.raw.stmtID})
	}
	if resp.Status == nil {
		return nil, fmt.Errorf("%s: response without status", sql)
	}
	return resp.Status, nil
}

// execErr runs a statement and returns an error unless it got status 200.
func (c *pipeClient) execErr(sql string) error {
	st, err := c.exec(sql)
	if err != nil {
		return err
	}
	if st.Code != 200 {
		return fmt.Errorf("%s", statusString(st))
	}
	return nil
}

// mustExec runs statements that must each return 200.
func (c *pipeClient) mustExec(sqls ...string) {
	c.t.Helper()
	for _, sql := range sqls {
		st, err := c.exec(sql)
		mustOK(c.t, fmt.Sprintf("on %s as %s: %s", c.srv.Addr(), c.user, sql), st, err)
	}
}

// mustFail runs a statement that must be refused and returns the status.
func (c *pipeClient) mustFail(sql string) (int32, string) {
	c.t.Helper()
	st, err := c.exec(sql)
	if err != nil {
		c.t.Errorf("%s: transport error %v, want a refusal status", sql, err)
		return 0, ""
	}
	if st.Code == 200 {
		c.t.Errorf("%s: accepted, want it refused", sql)
	}
	return st.Code, st.GetMessage()
}

// query runs a query and reads all its rows.
func (c *pipeClient) query(sql string) (*result, error) {
	c.t.Helper()
	fs := int32(pipeFetchSize)
	resp, err := c.raw.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{
		SessionId: c.raw.sid, Statement: sql, StatementId: c.raw.stmtID, FetchSize: &fs})
	if err != nil {
		return nil, err
	}
	if st := resp.GetStatus(); st == nil || st.Code != 200 {
		return nil, fmt.Errorf("%s", statusString(st))
	}
	return readAll(c.t, sql, c.raw.dataSet(resp, fs)), nil
}

// mustQuery runs a query that must succeed.
func (c *pipeClient) mustQuery(sql string) *result {
	c.t.Helper()
	res, err := c.query(sql)
	if err != nil {
		c.t.Fatalf("on %s: %s: %v", c.srv.Addr(), sql, err)
	}
	return res
}

// pipeRows runs a SHOW PIPE(S) statement and returns its columns and rows,
// each row keyed by column name.
func (c *pipeClient) pipeRows(sql string) ([]string, []map[string]string) {
	c.t.Helper()
	res := c.mustQuery(sql)
	var rows []map[string]string
	for _, rw := range res.rows {
		m := map[string]string{}
		for i, col := range res.cols {
			m[col] = textOf(rw.vals[i])
		}
		rows = append(rows, m)
	}
	return res.cols, rows
}

// pipe returns the SHOW PIPES row of pipe name, nil when it is not listed.
func (c *pipeClient) pipe(name string) map[string]string {
	c.t.Helper()
	_, rows := c.pipeRows("SHOW PIPES")
	for _, r := range rows {
		if r["ID"] == name {
			return r
		}
	}
	return nil
}

// pipeIDs lists the IDs of the rows of a SHOW PIPES statement, sorted.
func (c *pipeClient) pipeIDs(sql string) []string {
	c.t.Helper()
	_, rows := c.pipeRows(sql)
	var ids []string
	for _, r := range rows {
		ids = append(ids, r["ID"])
	}
	sort.Strings(ids)
	return ids
}

// pipeData is the content of some series: path -> time -> value as text.
type pipeData map[string]map[int64]string

// points counts the points of s.
func (s pipeData) points() int {
	n := 0
	for _, m := range s {
		n += len(m)
	}
	return n
}

// add records points of one series.
func (s pipeData) add(path string, vals map[int64]string) {
	if s[path] == nil {
		s[path] = map[int64]string{}
	}
	for t, v := range vals {
		s[path][t] = v
	}
}

// dump returns every point below prefix ("SELECT ** FROM prefix").
func (c *pipeClient) dump(prefix string) pipeData {
	c.t.Helper()
	res := c.mustQuery("SELECT ** FROM " + prefix)
	out := pipeData{}
	for _, rw := range res.rows {
		for i, col := range res.cols {
			if col == "Time" || rw.vals[i] == nil {
				continue
			}
			if out[col] == nil {
				out[col] = map[int64]string{}
			}
			out[col][rw.time] = textOf(rw.vals[i])
		}
	}
	return out
}

// pipeDiff describes how got differs from want ("" when equal), naming at
// most a few differences.
func pipeDiff(want, got pipeData) string {
	var diffs []string
	n := 0
	note := func(format string, args ...any) {
		n++
		if len(diffs) < 8 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	for _, p := range pipeSortedPaths(want) {
		g := got[p]
		for _, t := range pipeSortedTimes(want[p]) {
			gv, ok := g[t]
			switch {
			case !ok:
				note("%s@%d missing (want %s)", p, t, want[p][t])
			case gv != want[p][t]:
				note("%s@%d = %s, want %s", p, t, gv, want[p][t])
			}
		}
	}
	for _, p := range pipeSortedPaths(got) {
		for _, t := range pipeSortedTimes(got[p]) {
			if _, ok := want[p][t]; !ok {
				note("%s@%d = %s unexpected", p, t, got[p][t])
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d differences (want %d points, got %d): %s", n, want.points(), got.points(), strings.Join(diffs, "; "))
}

// pipeMissing describes the points of want absent from got or different
// there ("" when got holds all of want).
func pipeMissing(want, got pipeData) string {
	var diffs []string
	n := 0
	for _, p := range pipeSortedPaths(want) {
		for _, t := range pipeSortedTimes(want[p]) {
			gv, ok := got[p][t]
			if !ok || gv != want[p][t] {
				n++
				if len(diffs) < 8 {
					if ok {
						diffs = append(diffs, fmt.Sprintf("%s@%d = %s, want %s", p, t, gv, want[p][t]))
					} else {
						diffs = append(diffs, fmt.Sprintf("%s@%d missing", p, t))
					}
				}
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d points missing or different: %s", n, want.points(), strings.Join(diffs, "; "))
}

// pipePresent describes the points of unwanted that got has ("" if none).
func pipePresent(unwanted, got pipeData) string {
	var found []string
	for _, p := range pipeSortedPaths(unwanted) {
		for _, t := range pipeSortedTimes(unwanted[p]) {
			if v, ok := got[p][t]; ok {
				found = append(found, fmt.Sprintf("%s@%d=%s", p, t, v))
			}
		}
	}
	if len(found) == 0 {
		return ""
	}
	if len(found) > 8 {
		found = append(found[:8], "...")
	}
	return strings.Join(found, "; ")
}

func pipeSortedPaths(s pipeData) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func pipeSortedTimes(m map[int64]string) []int64 {
	out := make([]int64, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// insertRows writes rows (time -> value text) of one series with one
// INSERT statement and returns the points as written, for expectations.
func (c *pipeClient) insertRows(path string, rows map[int64]string) pipeData {
	c.t.Helper()
	if err := c.insertRowsErr(path, rows); err != nil {
		c.t.Fatalf("insert into %s on %s: %v", path, c.srv.Addr(), err)
	}
	return pipeData{path: rows}
}

// insertRowsErr is insertRows returning the failure, for goroutines.
func (c *pipeClient) insertRowsErr(path string, rows map[int64]string) error {
	i := strings.LastIndexByte(path, '.')
	dev, m := path[:i], path[i+1:]
	var vals []string
	for _, t := range pipeSortedTimes(rows) {
		vals = append(vals, fmt.Sprintf("(%d, %s)", t, rows[t]))
	}
	return c.execErr(fmt.Sprintf("INSERT INTO %s(time, %s) VALUES %s", dev, m, strings.Join(vals, ", ")))
}

// pipeRowsAt makes rows at the given times whose value is the time, offset by
// add (as text, the way the server prints a DOUBLE).
func pipeRowsAt(add int64, times ...int64) map[int64]string {
	out := map[int64]string{}
	for _, t := range times {
		out[t] = strconv.FormatInt(t+add, 10)
	}
	return out
}

// pipeRowsRange makes rows for times from..to inclusive, value time+add.
func pipeRowsRange(from, to, add int64) map[int64]string {
	out := map[int64]string{}
	for t := from; t <= to; t++ {
		out[t] = strconv.FormatInt(t+add, 10)
	}
	return out
}

// mergeData returns the union of some series (later ones win).
func mergeData(ss ...pipeData) pipeData {
	out := pipeData{}
	for _, s := range ss {
		for p, m := range s {
			out.add(p, m)
		}
	}
	return out
}

// pipeWaitFor polls cond every 200 ms until it holds, failing the test with its
// last explanation after timeout.
func pipeWaitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, timeout, detail)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pipeWaitData waits until prefix on c holds want (and possibly more).
func pipeWaitData(t testing.TB, c *pipeClient, prefix string, want pipeData, timeout time.Duration) {
	t.Helper()
	pipeWaitFor(t, timeout, fmt.Sprintf("data below %s on %s", prefix, c.srv.Addr()), func() (bool, string) {
		d := pipeMissing(want, c.dump(prefix))
		return d == "", d
	})
}

// pipeWaitSame waits until prefix holds the same points on a and b.
func pipeWaitSame(t testing.TB, a, b *pipeClient, prefix string, timeout time.Duration) pipeData {
	t.Helper()
	var got pipeData
	pipeWaitFor(t, timeout, fmt.Sprintf("%s equal on %s and %s", prefix, a.srv.Addr(), b.srv.Addr()), func() (bool, string) {
		want := a.dump(prefix)
		got = b.dump(prefix)
		d := pipeDiff(want, got)
		return d == "", d
	})
	return got
}

// pipeWaitDrained waits until SHOW PIPES reports RemainingEventCount 0 for each
// named pipe.
func pipeWaitDrained(t testing.TB, c *pipeClient, timeout time.Duration, names ...string) {
	t.Helper()
	for _, name := range names {
		pipeWaitFor(t, timeout, "RemainingEventCount 0 for pipe "+name, func() (bool, string) {
			r := c.pipe(name)
			if r == nil {
				return false, "pipe not listed"
			}
			return r["RemainingEventCount"] == "0", fmt.Sprintf("row %v", r)
		})
	}
}

// pipeWaitState waits until pipe name is in state.
func pipeWaitState(t testing.TB, c *pipeClient, name, state string, timeout time.Duration) map[string]string {
	t.Helper()
	var row map[string]string
	pipeWaitFor(t, timeout, fmt.Sprintf("pipe %s %s", name, state), func() (bool, string) {
		row = c.pipe(name)
		if row == nil {
			return false, "pipe not listed"
		}
		return row["State"] == state, fmt.Sprintf("row %v", row)
	})
	return row
}

// pipeSinkClause is the Quick Start's SINK clause for a target port.
func pipeSinkClause(plugin string, port int) string {
	return fmt.Sprintf("WITH SINK ('sink'='%s', 'sink.ip'='127.0.0.1', 'sink.port'='%d')", plugin, port)
}

// startPipePair starts the two clusters of a pipe test, A and B, and opens
// a root session to each. On failure the logs' tails are attached.
func startPipePair(t *testing.T) (a, b *proc.Standalone, ca, cb *pipeClient) {
	t.Helper()
	a = proc.StartStandalone(t)
	b = proc.StartStandalone(t)
	ca, cb = newPipeClient(t, a), newPipeClient(t, b)
	t.Cleanup(func() {
		if t.Failed() {
			pipeDiagnose(t, "A", a, ca)
			pipeDiagnose(t, "B", b, cb)
		}
	})
	return a, b, ca, cb
}

// pipeDiagnose logs what helps explain a failure: the server's pipes,
// databases, pipe metrics and log tail. The session may be gone.
func pipeDiagnose(t *testing.T, name string, s *proc.Standalone, c *pipeClient) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (port %d):\n", name, s.Port)
	for _, sql := range []string{"SHOW PIPES", "SHOW DATABASES", "COUNT TIMESERIES root.**"} {
		if res, err := c.query(sql); err != nil {
			fmt.Fprintf(&b, "  %s: %v\n", sql, err)
		} else {
			fmt.Fprintf(&b, "  %s: %q\n", sql, res.cols)
			for _, rw := range res.rows {
				var vals []string
				for _, v := range rw.vals {
					vals = append(vals, textOf(v))
				}
				fmt.Fprintf(&b, "    %q\n", vals)
			}
		}
	}
	if m := metricsURL.FindStringSubmatch(s.Log()); m != nil {
		if resp, err := http.Get(m[1]); err == nil {
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, l := range strings.Split(string(page), "\n") {
				if strings.HasPrefix(l, "sluice_pipe_") || strings.HasPrefix(l, "sluice_ingest_points_total") {
					fmt.Fprintf(&b, "  %s\n", l)
				}
			}
		}
	}
	fmt.Fprintf(&b, "  log tail:\n%s", pipeLogTail(s, 60))
	t.Log(b.String())
}

// pipeLogTail is the last n lines of a server's log.
func pipeLogTail(s *proc.Standalone, n int) string {
	lines := strings.Split(strings.TrimRight(s.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// pipeLogLines returns the log lines of s that contain any of words.
func pipeLogLines(s *proc.Standalone, words ...string) string {
	var out []string
	for _, l := range strings.Split(s.Log(), "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	if len(out) > 30 {
		out = out[len(out)-30:]
	}
	return strings.Join(out, "\n")
}
