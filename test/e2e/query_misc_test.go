package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// The everyday SHOW/COUNT statements, REGEXP, ORDER BY DEVICE/TIMESERIES
// and the INSERT time forms run one table of hand-worked answers against a
// standalone server and through each DataNode of a cluster. The data, a
// cut of IoTDB's user guide example:
//
//	root.ln.wf01.wt01    status BOOLEAN, temperature FLOAT  time 1: true, 25.5   3: false, 24
//	root.ln.wf02.wt02    hardware TEXT, status BOOLEAN      time 1: 'v1', true   2: 'v2', false   4: 'ab12', true
//	root.sgcc.wf03.wt01  status BOOLEAN, temperature FLOAT  time 2: true, 20.5
var miscSetup = []string{
	"CREATE DATABASE root.ln",
	"CREATE DATABASE root.sgcc",
	"CREATE TIMESERIES root.ln.wf01.wt01.status WITH DATATYPE=BOOLEAN",
	"CREATE TIMESERIES root.ln.wf01.wt01.temperature WITH DATATYPE=FLOAT",
	"CREATE TIMESERIES root.ln.wf02.wt02.hardware WITH DATATYPE=TEXT",
	"CREATE TIMESERIES root.ln.wf02.wt02.status WITH DATATYPE=BOOLEAN",
	"CREATE TIMESERIES root.sgcc.wf03.wt01.status WITH DATATYPE=BOOLEAN",
	"CREATE TIMESERIES root.sgcc.wf03.wt01.temperature WITH DATATYPE=FLOAT",
	"INSERT INTO root.ln.wf01.wt01(time, status, temperature) VALUES (1, true, 25.5), (3, false, 24)",
	"INSERT INTO root.ln.wf02.wt02(time, hardware, status) VALUES (1, 'v1', true), (2, 'v2', false), (4, 'ab12', true)",
	"INSERT INTO root.sgcc.wf03.wt01(time, status, temperature) VALUES (2, true, 20.5)",
}

var miscCases = []fqCase{{
	"COUNT DATABASES", []string{"count(database)"}, []string{"2"},
}, {
	"count databases root.ln", []string{"count(database)"}, []string{"1"},
}, {
	"SHOW CHILD PATHS root", []string{"ChildPaths", "NodeTypes"}, []string{"root.ln|DATABASE", "root.sgcc|DATABASE"},
}, {
	"show child paths root.ln", []string{"ChildPaths", "NodeTypes"}, []string{"root.ln.wf01|INTERNAL", "root.ln.wf02|INTERNAL"},
}, {
	"show child paths root.*.*", []string{"ChildPaths", "NodeTypes"},
	[]string{"root.ln.wf01.wt01|DEVICE", "root.ln.wf02.wt02|DEVICE", "root.sgcc.wf03.wt01|DEVICE"},
}, {
	"show child paths root.ln.wf02.wt02", []string{"ChildPaths", "NodeTypes"},
	[]string{"root.ln.wf02.wt02.hardware|TIMESERIES", "root.ln.wf02.wt02.status|TIMESERIES"},
}, {
	"SHOW CHILD NODES root.ln", []string{"ChildNodes"}, []string{"wf01", "wf02"},
}, {
	"show child nodes root.*.*", []string{"ChildNodes"}, []string{"wt01", "wt02"},
}, {
	"COUNT NODES root.** LEVEL=2", []string{"count(nodes)"}, []string{"3"},
}, {
	"count nodes root.ln.** level=2", []string{"count(nodes)"}, []string{"2"},
}, {
	"count nodes root.**.temperature level=3", []string{"count(nodes)"}, []string{"2"},
}, {
	"SHOW DEVICES root.** WITH DATABASE", []string{"Device", "Database", "IsAligned", "Template"},
	[]string{"root.ln.wf01.wt01|root.ln|false|null", "root.ln.wf02.wt02|root.ln|false|null", "root.sgcc.wf03.wt01|root.sgcc|false|null"},
}, {
	"show devices with database limit 1 offset 2", []string{"Device", "Database", "IsAligned", "Template"},
	[]string{"root.sgcc.wf03.wt01|root.sgcc|false|null"},
}, {
	`select hardware from root.ln.wf02.wt02 where hardware regexp '^v\d$'`, []string{"root.ln.wf02.wt02.hardware"},
	[]string{"1|v1", "2|v2"},
}, {
	"select hardware from root.ln.wf02.wt02 where hardware not regexp '^v'", []string{"root.ln.wf02.wt02.hardware"},
	[]string{"4|ab12"},
}, {
	"select hardware, status from root.ln.wf02.wt02 where hardware regexp '2' and status", []string{"root.ln.wf02.wt02.hardware", "root.ln.wf02.wt02.status"},
	[]string{"4|ab12|true"},
}, {
	"select hardware from root.ln.wf02.wt02 where hardware like '_b%'", []string{"root.ln.wf02.wt02.hardware"},
	[]string{"4|ab12"},
}, {
	"select status from root.** order by device desc align by device", []string{"Device", "status"},
	[]string{"2|root.sgcc.wf03.wt01|true", "1|root.ln.wf02.wt02|true", "2|root.ln.wf02.wt02|false", "4|root.ln.wf02.wt02|true",
		"1|root.ln.wf01.wt01|true", "3|root.ln.wf01.wt01|false"},
}, {
	"select status from root.** order by time, device desc align by device", []string{"Device", "status"},
	[]string{"1|root.ln.wf02.wt02|true", "1|root.ln.wf01.wt01|true", "2|root.sgcc.wf03.wt01|true", "2|root.ln.wf02.wt02|false",
		"3|root.ln.wf01.wt01|false", "4|root.ln.wf02.wt02|true"},
}, {
	"select status from root.** order by time desc align by device limit 3", []string{"Device", "status"},
	[]string{"4|root.ln.wf02.wt02|true", "3|root.ln.wf01.wt01|false", "2|root.ln.wf02.wt02|false"},
}, {
	"select count(status) from root.** group by ([1, 5), 2ms) order by time desc, device desc align by device",
	[]string{"Device", "count(status)"},
	[]string{"3|root.sgcc.wf03.wt01|0", "3|root.ln.wf02.wt02|1", "3|root.ln.wf01.wt01|1",
		"1|root.sgcc.wf03.wt01|1", "1|root.ln.wf02.wt02|2", "1|root.ln.wf01.wt01|1"},
}, {
	"select last status from root.** order by timeseries desc", []string{"Timeseries", "Value", "DataType"},
	[]string{"2|root.sgcc.wf03.wt01.status|true|BOOLEAN", "4|root.ln.wf02.wt02.status|true|BOOLEAN", "3|root.ln.wf01.wt01.status|false|BOOLEAN"},
}, {
	"select last status, temperature from root.ln.** order by timeseries asc", []string{"Timeseries", "Value", "DataType"},
	[]string{"3|root.ln.wf01.wt01.status|false|BOOLEAN", "3|root.ln.wf01.wt01.temperature|24.0|FLOAT", "4|root.ln.wf02.wt02.status|true|BOOLEAN"},
}}

// runMiscCases runs miscCases through sess, then the refusals and the
// INSERT time forms, which leave no trace behind.
func runMiscCases(t *testing.T, sess *client.Session) {
	t.Helper()
	for _, c := range miscCases {
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
	for sql, want := range map[string]client.TSDataType{
		"COUNT DATABASES": client.INT32, "COUNT NODES root.** LEVEL=1": client.INT64, "SHOW CHILD NODES": client.TEXT,
	} {
		if res := query(t, sess, sql); len(res.types) != 1 || res.types[0] != want {
			t.Errorf("%s: column types %v, want %v", sql, res.types, want)
		}
	}
	for sql, want := range map[string]struct {
		code int32
		msg  string
	}{
		"select status from root.** order by device":                            {701, "Sorting by device is only supported in ALIGN BY DEVICE queries."},
		"select status from root.** order by timeseries align by device":        {701, "Sorting by timeseries is only supported in last queries."},
		"select last status from root.** order by time desc":                    {701, "Last queries can only be sorted by timeseries now."},
		"select hardware from root.ln.wf02.wt02 where hardware regexp 'v(?=1)'": {701, "without backreferences or lookaround"},
		"select hardware from root.ln.wf02.wt02 where hardware regexp '(v)\\1'": {701, "illegal REGEXP pattern"},
		"select status from root.ln.wf02.wt02 where status regexp 'true'":       {701, "TEXT"},
		"insert into root.ln.wf01.wt01(status) values (true), (false)":          {700, "need timestamps when insert multi rows"},
		"count nodes root.** level":                                             {700, "expecting '='"},
	} {
		st, err := nonQuery(sess, sql)
		code, msg := wantFail(t, sql, st, err)
		if code != want.code || !strings.Contains(msg, want.msg) {
			t.Errorf("%s: %d %q, want %d containing %q", sql, code, msg, want.code, want.msg)
		}
	}

	before := time.Now().UnixMilli()
	execOK(t, sess,
		"INSERT INTO root.ins.d(s) VALUES (7)",
		"INSERT INTO root.ins.d(time, s) VALUES (now() - 2h, 8)",
		"INSERT INTO root.ins.d(time, s) VALUES (1970-01-01T00:00:10+00:00 - 2s, 9)")
	after := time.Now().UnixMilli()
	res := query(t, sess, "select s from root.ins.d")
	vals := renderRows(res, false)
	ts := res.times()
	if strings.Join(vals, " ") != "9 8 7" || ts[0] != 8000 {
		t.Errorf("INSERT time forms: times %v values %q, want 8000 then now()-2h then now, values 9 8 7", ts, vals)
	} else {
		if ts[1] < before-7_200_000 || ts[1] > after-7_200_000 {
			t.Errorf("now() - 2h stored at %d, want within [%d, %d]", ts[1], before-7_200_000, after-7_200_000)
		}
		if ts[2] < before || ts[2] > after {
			t.Errorf("a row without time stored at %d, want the server's time within [%d, %d]", ts[2], before, after)
		}
	}
	execOK(t, sess, "DROP DATABASE root.ins")
}

func TestSQLMiscStandalone(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)
	execOK(t, sess, miscSetup...)
	runMiscCases(t, sess)
}

// TestClusterSQLMisc writes through one DataNode and runs the table through
// each: the schema walk and the device order come from every region's
// leader, wherever it is.
func TestClusterSQLMisc(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec(miscSetup...)
	waitRegionLeaders(t, c, 10*time.Second)
	for _, dn := range cl.DataNodes {
		t.Run("via "+dn.Name, func(t *testing.T) {
			runMiscCases(t, sessionTo(t, dn))
		})
	}
}
