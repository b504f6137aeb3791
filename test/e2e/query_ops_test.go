package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// The query-operations tests (EXPLAIN, EXPLAIN ANALYZE, SHOW QUERIES, KILL
// QUERY) run one scenario against a standalone server and through a
// cluster, where the query runs on one DataNode and is listed and killed
// from another. The "slow" query is a large series read by a client that
// takes one small page and stops: it stays running, whatever the machine's
// speed, until it is read to its end, closed or killed.

// opsPoints is the size of the large series root.qo.d1.s1 (values 0..n-1
// at times 0..n-1).
const opsPoints = 20000

func opsSetup(t *testing.T, c *pipeClient) {
	t.Helper()
	c.mustExec("CREATE DATABASE root.qo", "CREATE TIMESERIES root.qo.d1.s1 WITH DATATYPE=INT64, ENCODING=RLE")
	const perInsert = 5000
	for start := 0; start < opsPoints; start += perInsert {
		var b strings.Builder
		b.WriteString("INSERT INTO root.qo.d1(time, s1) VALUES ")
		for i := start; i < start+perInsert; i++ {
			if i > start {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, %d)", i, i)
		}
		c.mustExec(b.String())
	}
}

// rowValues returns one column's values of SHOW rows.
func rowValues(rows []map[string]string, name string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[name]
	}
	return out
}

func wantLine(t *testing.T, what string, lines []string, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	for _, l := range lines {
		if m := rx.FindStringSubmatch(l); m != nil {
			return m
		}
	}
	t.Errorf("%s: no line matches %q in\n%s", what, re, strings.Join(lines, "\n"))
	return nil
}

// openSlowQuery starts the large raw query on r with pages of 100 rows and
// reads only the first page: the query stays open.
func openSlowQuery(t *testing.T, r *rawSession, sql string) int64 {
	t.Helper()
	fs := int32(100)
	resp, err := r.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{
		SessionId: r.sid, Statement: sql, StatementId: r.stmtID, FetchSize: &fs})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	mustOK(t, sql, resp.GetStatus(), nil)
	return resp.GetQueryId()
}

// fetch asks for the next page of query qid and returns its status.
func fetch(t *testing.T, r *rawSession, sql string, qid int64) *rpc.TSStatus {
	t.Helper()
	resp, err := r.FetchResults(context.Background(), &rpc.TSFetchResultsReq{
		SessionId: r.sid, Statement: sql, FetchSize: 100, QueryId: qid, IsAlign: true})
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return resp.GetStatus()
}

var queryIDRE = regexp.MustCompile(`^\d{8}_\d{6}_\d{5}_(\d+)$`)

// runQueryOps runs the scenario: the query runs on runner (a raw session
// to DataNode runnerID) and is watched and killed through admin, on the
// same DataNode or another.
func runQueryOps(t *testing.T, admin *pipeClient, runner *rawSession, runnerID string) {
	// EXPLAIN: the plan, one line per row, in IoTDB's column.
	res := admin.mustQuery("EXPLAIN SELECT s1 FROM root.qo.d1 WHERE s1 > 5 LIMIT 10")
	if len(res.cols) != 1 || res.cols[0] != "distribution plan" {
		t.Fatalf("EXPLAIN columns %v, want [distribution plan]", res.cols)
	}
	plan := res.texts(t, "distribution plan")
	wantLine(t, "EXPLAIN", plan, `^Output: 2 columns \(Time, root\.qo\.d1\.s1\)$`)
	wantLine(t, "EXPLAIN", plan, `└─ Limit: offset 0, limit 10$`)
	wantLine(t, "EXPLAIN", plan, `└─ Filter: s1 > 5$`)
	wantLine(t, "EXPLAIN", plan, `└─ Read: points \(Scan\), time \[-∞, \+∞\]$`)
	// The region and its leader are those SHOW REGIONS gives, once this
	// DataNode's view of the leaders has caught up with the ConfigNode's.
	regionRE := regexp.MustCompile(`^  DataRegion (\d+), leader DataNode (\d+): 1 series: root\.qo\.d1\.s1$`)
	wantLine(t, "EXPLAIN", plan, regionRE.String())
	pipeWaitFor(t, 10*time.Second, "EXPLAIN to name the region's leader as SHOW REGIONS does", func() (bool, string) {
		var m []string
		for _, l := range admin.mustQuery("EXPLAIN SELECT s1 FROM root.qo.d1").texts(t, "distribution plan") {
			if m = regionRE.FindStringSubmatch(l); m != nil {
				break
			}
		}
		if m == nil {
			return false, "no region line"
		}
		for _, r := range mustShow(t, admin, "SHOW DATA REGIONS") {
			if r["RegionId"] == m[1] && r["Role"] == "Leader" {
				return r["DataNodeId"] == m[2], fmt.Sprintf("EXPLAIN: region %s on DataNode %s; SHOW REGIONS: leader %s", m[1], m[2], r["DataNodeId"])
			}
		}
		return false, "region " + m[1] + " has no leader in SHOW REGIONS"
	})

	// EXPLAIN ANALYZE runs the query: a statistics read counts every point.
	res = admin.mustQuery("EXPLAIN ANALYZE SELECT count(s1) FROM root.qo.d1")
	if len(res.cols) != 1 || res.cols[0] != "Explain Analyze" {
		t.Fatalf("EXPLAIN ANALYZE columns %v, want [Explain Analyze]", res.cols)
	}
	lines := res.texts(t, "Explain Analyze")
	wantLine(t, "EXPLAIN ANALYZE", lines, `^Query: 1 rows in 1 batches, `)
	wantLine(t, "EXPLAIN ANALYZE", lines, fmt.Sprintf(`DataRegion \d+, leader DataNode \d+: 1 series, 0 scans, 1 statistics reads, 0 last reads, %d points, `, opsPoints))
	res = admin.mustQuery("EXPLAIN ANALYZE VERBOSE SELECT s1 FROM root.qo.d1 WHERE s1 >= 19990")
	lines = res.texts(t, "Explain Analyze")
	wantLine(t, "EXPLAIN ANALYZE VERBOSE", lines, `^Query: 10 rows in `)
	wantLine(t, "EXPLAIN ANALYZE VERBOSE", lines, fmt.Sprintf(`^    root\.qo\.d1\.s1: 1 scans, 0 statistics reads, 0 last reads, %d points, `, opsPoints))

	// A query left open is listed, with IoTDB's columns and id.
	const slow = "select s1 from root.qo.d1"
	qid := openSlowQuery(t, runner, slow)
	rows := mustShow(t, admin, "SHOW QUERIES")
	res = admin.mustQuery("SHOW QUERIES")
	if want := []string{"Time", "QueryId", "DataNodeId", "ElapsedTime", "Statement"}; strings.Join(res.cols, ",") != strings.Join(want, ",") &&
		strings.Join(res.cols, ",") != strings.Join(want[1:], ",") {
		t.Errorf("SHOW QUERIES columns %v, want %v", res.cols, want)
	}
	var id string
	for _, r := range rows {
		if r["Statement"] == slow {
			id = r["QueryId"]
			if r["DataNodeId"] != runnerID {
				t.Errorf("the query runs on DataNode %s, SHOW QUERIES says %s", runnerID, r["DataNodeId"])
			}
			if m := queryIDRE.FindStringSubmatch(id); m == nil || m[1] != runnerID {
				t.Errorf("query id %q is not yyyyMMdd_HHmmss_nnnnn_%s", id, runnerID)
			}
			if e, err := strconv.ParseFloat(r["ElapsedTime"], 64); err != nil || e < 0 {
				t.Errorf("ElapsedTime %q", r["ElapsedTime"])
			}
		}
	}
	if id == "" {
		t.Fatalf("SHOW QUERIES does not list the open query: %v", rows)
	}
	// SHOW QUERIES is a query too, and lists itself.
	wantLine(t, "SHOW QUERIES", rowValues(rows, "Statement"), `^SHOW QUERIES$`)
	// WHERE, ORDER BY and LIMIT over its columns.
	rows = mustShow(t, admin, "SHOW QUERIES WHERE Statement = '"+slow+"' AND ElapsedTime >= 0 ORDER BY QueryId DESC LIMIT 1")
	if len(rows) != 1 || rows[0]["QueryId"] != id {
		t.Errorf("SHOW QUERIES WHERE Statement = ...: %v, want only %s", rows, id)
	}
	if rows = mustShow(t, admin, "SHOW QUERIES WHERE DataNodeId = 12345"); len(rows) != 0 {
		t.Errorf("SHOW QUERIES WHERE DataNodeId = 12345: %v", rows)
	}
	if code, msg := admin.mustFail("SHOW QUERIES WHERE nosuch > 1"); code != 701 || !strings.Contains(msg, "nosuch") {
		t.Errorf("SHOW QUERIES over an unknown column: %d %s", code, msg)
	}

	// The runner still reads pages until the kill; then its fetch fails
	// with 715 and the query is gone.
	if st := fetch(t, runner, slow, qid); st.Code != 200 {
		t.Fatalf("fetch before the kill: %s", statusString(st))
	}
	admin.mustExec("KILL QUERY '" + id + "'")
	st := fetch(t, runner, slow, qid)
	if st.Code != 715 || !strings.Contains(st.GetMessage(), "killed") {
		t.Errorf("fetch after KILL QUERY: %s, want 715 killed", statusString(st))
	}
	if rows := mustShow(t, admin, "SHOW QUERIES WHERE Statement = '"+slow+"'"); len(rows) != 0 {
		t.Errorf("the killed query is still listed: %v", rows)
	}
	if code, msg := admin.mustFail("KILL QUERY '" + id + "'"); code != 714 {
		t.Errorf("second KILL QUERY: %d %s, want 714", code, msg)
	}
	if code, _ := admin.mustFail("KILL QUERY 'nonsense'"); code != 714 {
		t.Errorf("KILL QUERY 'nonsense': %d, want 714", code)
	}
	if code, msg := admin.mustFail("KILL QUERY '20200101_000000_00000_99'"); code != 714 || !strings.Contains(msg, "DataNode 99") {
		t.Errorf("KILL QUERY of a DataNode not in the cluster: %d %s, want 714 naming it", code, msg)
	}

	// KILL ALL QUERIES kills every open query, and not itself.
	qid = openSlowQuery(t, runner, slow)
	admin.mustExec("KILL ALL QUERIES")
	if st := fetch(t, runner, slow, qid); st.Code != 715 {
		t.Errorf("fetch after KILL ALL QUERIES: %s, want 715", statusString(st))
	}
	// The runner's session still works.
	if st := fetch(t, runner, slow, openSlowQuery(t, runner, slow)); st.Code != 200 {
		t.Errorf("a new query after the kill: %s", statusString(st))
	}
}

func TestQueryOpsStandalone(t *testing.T) {
	s := proc.StartStandalone(t)
	admin := newPipeClient(t, s)
	opsSetup(t, admin)
	runQueryOps(t, admin, rawRoot(t, s), "1")
	sess := rootSession(t, s)
	execOK(t, sess, fqSetup...)
	runFnCases(t, sess)
}

// TestClusterQueryOps runs the query on the first DataNode and lists and
// kills it through the second; the built-in functions are queried through
// the third.
func TestClusterQueryOps(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	c := sqlTo(t, cl.DataNodes[0])
	opsSetup(t, c)
	waitRegionLeaders(t, c, 10*time.Second)
	runnerID := nodeID(t, c, cl.DataNodes[0])
	runQueryOps(t, sqlTo(t, cl.DataNodes[1]), rawRoot(t, at(cl.DataNodes[0])), runnerID)
	c.mustExec(fqSetup...)
	runFnCases(t, sessionTo(t, cl.DataNodes[2]))
}
