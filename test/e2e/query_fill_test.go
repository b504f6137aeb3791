package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// The query-family tests (FILL, GROUP BY LEVEL, HAVING, scalar functions,
// CAST, the further aggregations) run one table of queries with hand-worked
// answers against a standalone server and against a cluster, where the
// devices spread over several data regions on several DataNodes: both must
// answer alike. The data, in database root.fq:
//
//	root.fq.a.d1  s1 INT32, s2 DOUBLE, s3 TEXT
//	  time 1: 1, 1.5, 'x'   2: -, 2.5, -   3: 3, -, -   5: 5, 5.5, 'y'
//	root.fq.a.d2  s1 INT32, s2 DOUBLE   time 1: 10, -   4: 40, 4.0
//	root.fq.b.d1  s1 INT32, s2 DOUBLE   time 2: 100, 0.5   3: 300, -
//	root.fq.b.d3  s1 INT32              time 6: 7
var fqSetup = []string{
	"CREATE DATABASE root.fq",
	"CREATE TIMESERIES root.fq.a.d1.s1 WITH DATATYPE=INT32, ENCODING=RLE",
	"CREATE TIMESERIES root.fq.a.d1.s2 WITH DATATYPE=DOUBLE, ENCODING=GORILLA",
	"CREATE TIMESERIES root.fq.a.d1.s3 WITH DATATYPE=TEXT, ENCODING=PLAIN",
	"CREATE TIMESERIES root.fq.a.d2.s1 WITH DATATYPE=INT32, ENCODING=RLE",
	"CREATE TIMESERIES root.fq.a.d2.s2 WITH DATATYPE=DOUBLE, ENCODING=GORILLA",
	"CREATE TIMESERIES root.fq.b.d1.s1 WITH DATATYPE=INT32, ENCODING=RLE",
	"CREATE TIMESERIES root.fq.b.d1.s2 WITH DATATYPE=DOUBLE, ENCODING=GORILLA",
	"CREATE TIMESERIES root.fq.b.d3.s1 WITH DATATYPE=INT32, ENCODING=RLE",
	"INSERT INTO root.fq.a.d1(time, s1, s2, s3) VALUES (1, 1, 1.5, 'x'), (5, 5, 5.5, 'y')",
	"INSERT INTO root.fq.a.d1(time, s2) VALUES (2, 2.5)",
	"INSERT INTO root.fq.a.d1(time, s1) VALUES (3, 3)",
	"INSERT INTO root.fq.a.d2(time, s1) VALUES (1, 10)",
	"INSERT INTO root.fq.a.d2(time, s1, s2) VALUES (4, 40, 4.0)",
	"INSERT INTO root.fq.b.d1(time, s1, s2) VALUES (2, 100, 0.5)",
	"INSERT INTO root.fq.b.d1(time, s1) VALUES (3, 300)",
	"INSERT INTO root.fq.b.d3(time, s1) VALUES (6, 7)",
}

// fqCase is one query with its columns and rows, each rendered
// "time|v1|v2" (no time for aggregations without GROUP BY time).
type fqCase struct {
	sql  string
	cols []string
	rows []string
}

var fqCases = []fqCase{{
	"select s1, s2, s3 from root.fq.a.d1 fill(previous)",
	[]string{"root.fq.a.d1.s1", "root.fq.a.d1.s2", "root.fq.a.d1.s3"},
	[]string{"1|1|1.5|x", "2|1|2.5|x", "3|3|2.5|x", "5|5|5.5|y"},
}, {
	"select s1, s3 from root.fq.a.d1 fill(previous, 1ms)",
	[]string{"root.fq.a.d1.s1", "root.fq.a.d1.s3"},
	[]string{"1|1|x", "3|3|null", "5|5|y"},
}, {
	"select s1, s2 from root.fq.a.d1 fill(linear)",
	[]string{"root.fq.a.d1.s1", "root.fq.a.d1.s2"},
	[]string{"1|1|1.5", "2|2|2.5", "3|3|3.5", "5|5|5.5"},
}, {
	"select s1, s3 from root.fq.a.d1 fill(0)",
	[]string{"root.fq.a.d1.s1", "root.fq.a.d1.s3"},
	[]string{"1|1|x", "3|3|0", "5|5|y"},
}, {
	"select count(s1), sum(s1), avg(s2) from root.fq.** group by level = 2",
	[]string{"count(root.*.a.*.s1)", "count(root.*.b.*.s1)", "sum(root.*.a.*.s1)", "sum(root.*.b.*.s1)",
		"avg(root.*.a.*.s2)", "avg(root.*.b.*.s2)"},
	[]string{"5|3|59|407|3.375|0.5"},
}, {
	"select count(s1) from root.fq.** group by level = 3",
	[]string{"count(root.*.*.d1.s1)", "count(root.*.*.d2.s1)", "count(root.*.*.d3.s1)"},
	[]string{"5|2|1"},
}, {
	"select max_value(s1) from root.fq.** group by ([0, 6), 3ms), level = 1",
	[]string{"max_value(root.fq.*.*.s1)"},
	[]string{"0|100", "3|300"},
}, {
	"select count(s1) from root.fq.** group by ([0, 8), 2ms), level = 1 having count(s1) > 1",
	[]string{"count(root.fq.*.*.s1)"},
	[]string{"0|2", "2|3", "4|2"},
}, {
	"select max_value(s1) from root.fq.a.d1 group by ([1, 7), 2ms) having count(s1) > 0 fill(previous)",
	[]string{"max_value(root.fq.a.d1.s1)"},
	[]string{"1|1", "3|3", "5|5"},
}, {
	"select abs(s1 - 4), round(s2, 0), cast(s1 as text) from root.fq.a.d1",
	[]string{"abs(root.fq.a.d1.s1 - 4)", "ROUND(root.fq.a.d1.s2,0)", "CAST(root.fq.a.d1.s1 AS TEXT)"},
	[]string{"1|3|2|1", "2|null|2|null", "3|1|null|3", "5|1|6|5"},
}, {
	"select stddev_pop(s1), var_samp(s1), mode(s3), time_duration(s1) from root.fq.a.d1",
	[]string{"stddev_pop(root.fq.a.d1.s1)", "var_samp(root.fq.a.d1.s1)", "mode(root.fq.a.d1.s3)", "time_duration(root.fq.a.d1.s1)"},
	[]string{"1.632993161855452|4|x|4"},
}, {
	"select max_by(time, s1), min_by(s3, s2) from root.fq.a.d1",
	[]string{"max_by(Time, root.fq.a.d1.s1)", "min_by(root.fq.a.d1.s3, root.fq.a.d1.s2)"},
	[]string{"5|x"},
}, {
	"select count_if(s1 > 2, 2), count_if(s2 > 2 & s2 < 5, 1, 'ignoreNull'='false') from root.fq.a.d1",
	[]string{"count_if(root.fq.a.d1.s1 > 2, 2)", `count_if(root.fq.a.d1.s2 > 2 & root.fq.a.d1.s2 < 5, 1, "ignoreNull"="false")`},
	[]string{"1|1"},
}, {
	"select round(avg(s2), 1), count(s1) * 2 from root.fq.** group by level = 1",
	[]string{"ROUND(avg(root.fq.*.*.s2),1)", "count(root.fq.*.*.s1) * 2"},
	[]string{"2.8|16"},
}, {
	"select count(s1) + 1, max_by(time, s1) from root.fq.a.d1, root.fq.a.d2 align by device",
	[]string{"Device", "count(s1) + 1", "max_by(Time, s1)"},
	[]string{"root.fq.a.d1|4|5", "root.fq.a.d2|3|4"},
}, {
	"select s1, s2 from root.fq.a.d2, root.fq.b.d1 fill(previous) align by device",
	[]string{"Device", "s1", "s2"},
	[]string{"1|root.fq.a.d2|10|null", "4|root.fq.a.d2|40|4", "2|root.fq.b.d1|100|0.5", "3|root.fq.b.d1|300|0.5"},
}}

// runFqCases runs fqCases through sess and checks every answer.
func runFqCases(t *testing.T, sess *client.Session) {
	t.Helper()
	for _, c := range fqCases {
		res := query(t, sess, c.sql)
		if strings.Join(res.cols, ",") != strings.Join(c.cols, ",") {
			t.Errorf("%s: columns %q, want %q", c.sql, res.cols, c.cols)
			continue
		}
		got := renderRows(res, len(c.rows) > 0 && strings.Count(c.rows[0], "|") == len(c.cols))
		if strings.Join(got, " ") != strings.Join(c.rows, " ") {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.rows)
		}
	}
	if _, err := tryQuery(t, sess, "select cast(s3 as int32) from root.fq.a.d1"); err == nil ||
		!strings.Contains(err.Error(), "708") || !strings.Contains(err.Error(), "x cannot be converted to INT32") {
		t.Errorf("CAST of a TEXT that is no number: %v, want 708 naming the value", err)
	}
	st, err := nonQuery(sess, "select sin(s3) from root.fq.a.d1")
	code, msg := wantFail(t, "sin of TEXT", st, err)
	if code != 701 || !strings.Contains(msg, "only supports numeric data types") {
		t.Errorf("sin of TEXT: %d %q, want 701 and the numeric types", code, msg)
	}
}

// renderRows renders rows as the cases write them. The client's header
// leaves the time column out; hasTime adds each row's time.
func renderRows(res *result, hasTime bool) []string {
	var out []string
	for _, rw := range res.rows {
		var parts []string
		if hasTime {
			parts = append(parts, textOf(rw.time))
		}
		for _, v := range rw.vals {
			parts = append(parts, textOf(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func TestQueryFamiliesStandalone(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)
	execOK(t, sess, fqSetup...)
	runFqCases(t, sess)
}

// TestClusterQueryFamilies writes through one DataNode and queries through
// each: the executor reads every region's series from its leader, so the
// answers must be those of a single server. With the default 1000 series
// slots, root.fq.a.d1 falls in the first of the database's two data regions
// and the other devices in the second.
func TestClusterQueryFamilies(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec(fqSetup...)
	waitRegionLeaders(t, c, 10*time.Second)
	regions := map[string]bool{}
	for _, r := range mustShow(t, c, "SHOW DATA REGIONS") {
		if r["Database"] == "root.fq" {
			regions[r["RegionId"]] = true
		}
	}
	if len(regions) < 2 {
		t.Errorf("root.fq has %d data regions, want the devices spread over several", len(regions))
	}
	for _, dn := range cl.DataNodes {
		t.Run("via "+dn.Name, func(t *testing.T) {
			runFqCases(t, sessionTo(t, dn))
		})
	}
}
