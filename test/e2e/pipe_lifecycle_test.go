package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeLifecycle walks a pipe through its states, checks the refusals
// of bad CREATE PIPE statements and the USE_PIPE privilege.
func TestPipeLifecycle(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	sink := pipeSinkClause("iotdb-thrift-sink", b.Port)

	t.Run("states", func(t *testing.T) {
		ca.mustExec("CREATE PIPE st WITH SOURCE ('source.pattern'='root.st') " + sink)
		if r := ca.pipe("st"); r == nil || r["State"] != "RUNNING" {
			t.Fatalf("right after CREATE PIPE: row %v, want State RUNNING", r)
		}
		first := ca.insertRows("root.st.d.s", pipeRowsRange(1, 10, 0))
		pipeWaitData(t, cb, "root.st", first, pipeDeadline)

		ca.mustExec("STOP PIPE st")
		if r := ca.pipe("st"); r == nil || r["State"] != "STOPPED" {
			t.Fatalf("right after STOP PIPE: row %v, want State STOPPED", r)
		}
		stopped := ca.insertRows("root.st.d.s", pipeRowsRange(11, 20, 0))
		stopped = mergeData(stopped, ca.insertRows("root.st.d2.s", pipeRowsRange(1, 5, 0)))
		time.Sleep(3 * time.Second)
		if d := pipePresent(stopped, cb.dump("root.st")); d != "" {
			t.Errorf("writes made while the pipe is STOPPED reached B: %s", d)
		}
		if r := ca.pipe("st"); r == nil || r["State"] != "STOPPED" {
			t.Errorf("3 s after STOP PIPE: row %v, want State STOPPED", r)
		}

		ca.mustExec("START PIPE st")
		if r := ca.pipe("st"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("right after START PIPE: row %v, want State RUNNING", r)
		}
		pipeWaitData(t, cb, "root.st", mergeData(first, stopped), pipeDeadline)
		pipeWaitSame(t, ca, cb, "root.st", pipeDeadline)

		// START on a RUNNING pipe and STOP on a STOPPED one are harmless.
		ca.mustExec("START PIPE st", "STOP PIPE st", "STOP PIPE st", "START PIPE st")
		more := ca.insertRows("root.st.d.s", pipeRowsRange(21, 30, 0))
		pipeWaitData(t, cb, "root.st", more, pipeDeadline)

		// SHOW PIPE <id> shows just that pipe.
		ca.mustExec("CREATE PIPE other WITH SINK ('sink'='do-nothing-sink')")
		_, rows := ca.pipeRows("SHOW PIPE st")
		if len(rows) != 1 || rows[0]["ID"] != "st" || rows[0]["State"] != "RUNNING" {
			t.Errorf("SHOW PIPE st: %v, want the one row of st, RUNNING", rows)
		}

		ca.mustExec("DROP PIPE st")
		if ids := ca.pipeIDs("SHOW PIPES"); !slices.Equal(ids, []string{"other"}) {
			t.Errorf("after DROP PIPE st, SHOW PIPES lists %q, want [other]", ids)
		}
		// An unknown id answers an empty result, as in IoTDB.
		for _, sql := range []string{"SHOW PIPE st", "SHOW PIPES WHERE SINK USED BY st"} {
			if cols, rows := ca.pipeRows(sql); len(rows) != 0 || len(cols) == 0 || cols[0] != "ID" {
				t.Errorf("%s of a dropped pipe: columns %q, rows %v, want IoTDB's columns and no row", sql, cols, rows)
			}
		}
		for _, stmt := range []string{"START PIPE st", "STOP PIPE st", "DROP PIPE st"} {
			if code, msg := ca.mustFail(stmt); !strings.Contains(msg, "st") {
				t.Errorf("%s after DROP: code %d %q, want a message naming the pipe", stmt, code, msg)
			}
		}
		gone := ca.insertRows("root.st.d.s", pipeRowsRange(31, 40, 0))
		time.Sleep(2 * time.Second)
		if d := pipePresent(gone, cb.dump("root.st")); d != "" {
			t.Errorf("writes after DROP PIPE reached B: %s", d)
		}
		ca.mustExec("DROP PIPE other")
	})

	t.Run("refusals", func(t *testing.T) {
		ca.mustExec("CREATE PIPE dup WITH SOURCE ('source.pattern'='root.dup') " + sink)
		cases := []struct {
			name, sql string
			words     []string // the message must name all of these (case-insensitive)
		}{
			{"duplicate pipe id", "CREATE PIPE dup WITH SOURCE ('source.pattern'='root.dup2') " + sink, []string{"dup", "exist"}},
			{"unknown sink plugin", fmt.Sprintf("CREATE PIPE bad1 WITH SINK ('sink'='no-such-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')", b.Port), []string{"no-such-sink"}},
			{"unknown source plugin", "CREATE PIPE bad2 WITH SOURCE ('source'='no-such-source') " + sink, []string{"no-such-source"}},
			{"unknown processor plugin", "CREATE PIPE bad3 WITH PROCESSOR ('processor'='no-such-processor') " + sink, []string{"no-such-processor"}},
			{"missing sink clause", "CREATE PIPE bad4 WITH SOURCE ('source.pattern'='root.x')", []string{"sink"}},
			{"missing sink clause, nothing else", "CREATE PIPE bad5", []string{"sink"}},
			{"sink clause without sink key", fmt.Sprintf("CREATE PIPE bad6 WITH SINK ('sink.ip'='127.0.0.1', 'sink.port'='%d')", b.Port), []string{"sink"}},
			{"unknown sink parameter", fmt.Sprintf("CREATE PIPE bad7 WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'sink.no-such-key'='1')", b.Port), []string{"no-such-key"}},
			{"unknown source parameter", "CREATE PIPE bad8 WITH SOURCE ('source.no-such-key'='1') " + sink, []string{"no-such-key"}},
			{"sink is A itself", pipeSinkClauseFor("bad9", "iotdb-thrift-sink", a.Port), []string{strconv.Itoa(a.Port)}},
			{"sink is A itself by localhost", fmt.Sprintf("CREATE PIPE bad10 WITH SINK ('sink'='iotdb-thrift-sync-sink', 'sink.ip'='localhost', 'sink.port'='%d')", a.Port), []string{strconv.Itoa(a.Port)}},
			{"sink is A itself among node-urls", fmt.Sprintf("CREATE PIPE bad11 WITH SINK ('sink'='iotdb-thrift-sink', 'sink.node-urls'='127.0.0.1:%d')", a.Port), []string{strconv.Itoa(a.Port)}},
			{"bad time", "CREATE PIPE bad12 WITH SOURCE ('source.start-time'='yesterday') " + sink, []string{"yesterday"}},
		}
		for _, c := range cases {
			code, msg := ca.mustFail(c.sql)
			for _, w := range c.words {
				if !strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("%s: refused with code %d %q, which does not name %q", c.name, code, msg, w)
				}
			}
			t.Logf("%s: code %d %s", c.name, code, msg)
		}
		if ids := ca.pipeIDs("SHOW PIPES"); !slices.Equal(ids, []string{"dup"}) {
			t.Errorf("after the refused statements SHOW PIPES lists %q, want [dup]", ids)
		}
		if r := ca.pipe("dup"); r == nil || !strings.Contains(r["PipeSource"], "root.dup") || strings.Contains(r["PipeSource"], "root.dup2") {
			t.Errorf("the refused duplicate changed pipe dup: %v", r)
		}
		// IoTDB 1.3.3's IF NOT EXISTS and IF EXISTS: no error, no change.
		ca.mustExec("CREATE PIPE IF NOT EXISTS dup WITH SOURCE ('source.pattern'='root.dup3') " + sink)
		if r := ca.pipe("dup"); r == nil || strings.Contains(r["PipeSource"], "root.dup3") {
			t.Errorf("CREATE PIPE IF NOT EXISTS changed pipe dup: %v", r)
		}
		ca.mustExec("DROP PIPE dup", "DROP PIPE IF EXISTS dup")
		ca.mustFail("DROP PIPE dup")
	})

	t.Run("privileges", func(t *testing.T) {
		ca.mustExec("CREATE USER pipeuser 'pipepw123'", "CREATE PIPE rootpipe WITH SINK ('sink'='do-nothing-sink')")
		cu := newPipeClientAs(t, a, "pipeuser", "pipepw123")
		stmts := []string{
			"CREATE PIPE up WITH SINK ('sink'='do-nothing-sink')",
			"START PIPE rootpipe",
			"STOP PIPE rootpipe",
			"SHOW PIPES",
			"SHOW PIPE rootpipe",
			"SHOW PIPES WHERE SINK USED BY rootpipe",
			"SHOW PIPEPLUGINS",
			"DROP PIPE rootpipe",
		}
		for _, sql := range stmts {
			st, err := cu.exec(sql)
			if err != nil {
				t.Errorf("%s as pipeuser: %v", sql, err)
				continue
			}
			if st.Code != 803 || !strings.Contains(st.GetMessage(), "USE_PIPE") {
				t.Errorf("%s without USE_PIPE: %s, want 803 naming USE_PIPE", sql, statusString(st))
			}
			if _, err := cu.query(sql); strings.HasPrefix(sql, "SHOW") && (err == nil || !strings.Contains(err.Error(), "803")) {
				t.Errorf("%s as a query without USE_PIPE: %v, want code 803", sql, err)
			}
		}
		if ids := ca.pipeIDs("SHOW PIPES"); !slices.Equal(ids, []string{"rootpipe"}) {
			t.Errorf("after the refused statements SHOW PIPES lists %q, want [rootpipe]", ids)
		}
		if r := ca.pipe("rootpipe"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("rootpipe after pipeuser's refused STOP: %v", r)
		}

		ca.mustExec("GRANT USE_PIPE ON root.** TO USER pipeuser")
		// USE_PIPE alone does not let a pipe ship data its owner cannot
		// read: a pipe needs READ_DATA on what its source selects.
		for sql, scope := range map[string]string{
			"CREATE PIPE up WITH SINK ('sink'='do-nothing-sink')":                                                 "root.**",
			"CREATE PIPE leak WITH SOURCE ('source.pattern'='root.secret') WITH SINK ('sink'='do-nothing-sink')":  "root.**",
			"CREATE PIPE leak WITH SOURCE ('source.pattern'='root.secret.') WITH SINK ('sink'='do-nothing-sink')": "root.secret.**",
		} {
			st, err := cu.exec(sql)
			if err != nil || st.Code != 803 || !strings.Contains(st.GetMessage(), "READ_DATA on "+scope) {
				t.Errorf("%s with USE_PIPE only: %v %s, want 803 naming READ_DATA on %s", sql, err, statusString(st), scope)
			}
		}
		ca.mustExec("GRANT READ_DATA ON root.secret.** TO USER pipeuser")
		cu.mustExec("CREATE PIPE leak WITH SOURCE ('source.pattern'='root.secret.') WITH SINK ('sink'='do-nothing-sink')")
		ca.mustExec("REVOKE READ_DATA ON root.secret.** FROM USER pipeuser")
		if r := ca.pipe("leak"); r == nil || r["State"] != "STOPPED" || !strings.Contains(r["ExceptionMessage"], "READ_DATA") {
			t.Errorf("pipe after its owner lost READ_DATA: %v, want STOPPED naming READ_DATA", r)
		}
		ca.mustExec("DROP PIPE leak", "GRANT READ_DATA ON root.** TO USER pipeuser")
		cu.mustExec(stmts...)
		for _, sql := range []string{"SHOW PIPES", "SHOW PIPEPLUGINS"} {
			if _, err := cu.query(sql); err != nil {
				t.Errorf("%s with USE_PIPE: %v", sql, err)
			}
		}
		if ids := ca.pipeIDs("SHOW PIPES"); !slices.Equal(ids, []string{"up"}) {
			t.Errorf("after pipeuser's statements SHOW PIPES lists %q, want [up]", ids)
		}
		ca.mustExec("REVOKE USE_PIPE ON root.** FROM USER pipeuser")
		if st, err := cu.exec("DROP PIPE up"); err != nil || st.Code != 803 {
			t.Errorf("DROP PIPE after REVOKE USE_PIPE: %v %s, want 803", err, statusString(st))
		}
	})
}

// pipeSinkClauseFor is a CREATE PIPE statement of name with the Quick
// Start's sink.
func pipeSinkClauseFor(name, plugin string, port int) string {
	return "CREATE PIPE " + name + " " + pipeSinkClause(plugin, port)
}

// TestPipeShowColumns checks SHOW PIPES' columns, masking of passwords and
// SHOW PIPEPLUGINS.
func TestPipeShowColumns(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	cb.mustExec("CREATE USER showuser 'Secret_pw42'", "GRANT WRITE_DATA ON root.** TO USER showuser",
		"GRANT WRITE_SCHEMA ON root.** TO USER showuser")
	before := time.Now()
	ca.mustExec(fmt.Sprintf(`CREATE PIPE shown
WITH SOURCE ('source.pattern'='root.show')
WITH PROCESSOR ('processor'='do-nothing-processor')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'sink.user'='showuser', 'sink.password'='Secret_pw42')`, b.Port))
	ca.mustExec(fmt.Sprintf(`CREATE PIPE shown2 WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'ip'='127.0.0.1', 'port'='%d', 'user'='showuser', 'password'='Secret_pw42')`, b.Port))
	w := ca.insertRows("root.show.d.s", pipeRowsRange(1, 5, 0))
	pipeWaitData(t, cb, "root.show", w, pipeDeadline)

	wantCols := []string{"ID", "CreationTime", "State", "PipeSource", "PipeProcessor", "PipeSink", "ExceptionMessage",
		"RemainingEventCount", "EstimatedRemainingSeconds"}
	for _, sql := range []string{"SHOW PIPES", "SHOW PIPE shown", "SHOW PIPES WHERE SINK USED BY shown"} {
		cols, rows := ca.pipeRows(sql)
		if !slices.Equal(cols, wantCols) {
			t.Errorf("%s columns %q, want %q", sql, cols, wantCols)
		}
		for _, r := range rows {
			if strings.Contains(r["PipeSink"], "Secret_pw42") || !strings.Contains(r["PipeSink"], "******") {
				t.Errorf("%s: PipeSink %q does not mask the password as ******", sql, r["PipeSink"])
			}
			for col, v := range r {
				if strings.Contains(v, "Secret_pw42") {
					t.Errorf("%s: column %s shows the password: %q", sql, col, v)
				}
			}
		}
	}
	r := ca.pipe("shown")
	if r == nil {
		t.Fatal("pipe shown not listed")
	}
	if r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
		t.Errorf("pipe shown: %v, want RUNNING with no exception", r)
	}
	ct, err := time.ParseInLocation("2006-01-02T15:04:05.000", r["CreationTime"], time.Local)
	if err != nil || ct.Before(before.Add(-2*time.Second)) || ct.After(time.Now().Add(2*time.Second)) {
		t.Errorf("CreationTime %q (%v): want the creation time as 2006-01-02T15:04:05.000", r["CreationTime"], err)
	}
	for _, part := range []string{"root.show"} {
		if !strings.Contains(r["PipeSource"], part) {
			t.Errorf("PipeSource %q lacks %q", r["PipeSource"], part)
		}
	}
	if !strings.Contains(r["PipeProcessor"], "do-nothing-processor") {
		t.Errorf("PipeProcessor %q", r["PipeProcessor"])
	}
	for _, part := range []string{"iotdb-thrift-sink", "127.0.0.1", strconv.Itoa(b.Port), "showuser"} {
		if !strings.Contains(r["PipeSink"], part) {
			t.Errorf("PipeSink %q lacks %q", r["PipeSink"], part)
		}
	}
	if n, err := strconv.Atoi(r["RemainingEventCount"]); err != nil || n < 0 {
		t.Errorf("RemainingEventCount %q is not a count", r["RemainingEventCount"])
	}
	if s := r["EstimatedRemainingSeconds"]; s != "Unknown" {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			t.Errorf("EstimatedRemainingSeconds %q is not a number of seconds", s)
		}
	}
	// The password reaches neither log.
	for name, s := range map[string]*proc.Standalone{"A": a, "B": b} {
		if strings.Contains(s.Log(), "Secret_pw42") {
			t.Errorf("%s's log shows the sink password:\n%s", name, pipeLogLines(s, "Secret_pw42"))
		}
	}

	cols, rows := ca.pipeRows("SHOW PIPEPLUGINS")
	if !slices.Equal(cols, []string{"PluginName", "PluginType", "ClassName", "PluginJar"}) {
		t.Errorf("SHOW PIPEPLUGINS columns %q, want [PluginName PluginType ClassName PluginJar]", cols)
	}
	plugins := map[string]map[string]string{}
	for _, r := range rows {
		plugins[strings.ToLower(r["PluginName"])] = r
	}
	for _, name := range []string{"iotdb-source", "do-nothing-processor", "iotdb-thrift-sink", "iotdb-thrift-async-sink",
		"iotdb-thrift-sync-sink", "iotdb-legacy-pipe-sink", "do-nothing-sink"} {
		p := plugins[name]
		if p == nil {
			t.Errorf("SHOW PIPEPLUGINS does not list %s: %v", name, rows)
			continue
		}
		if p["PluginType"] != "Builtin" {
			t.Errorf("plugin %s has PluginType %q, want Builtin", name, p["PluginType"])
		}
	}
}

// TestPipeWrongCredentials: a sink whose password the target refuses
// stops the pipe with an authentication error; only DROP and CREATE with
// the right password fix it.
func TestPipeWrongCredentials(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	w := ca.insertRows("root.cred.d.s", pipeRowsRange(1, 10, 0))
	bad := fmt.Sprintf("CREATE PIPE cred WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'sink.user'='root', 'sink.password'='wrong')", b.Port)
	ca.mustExec(bad)
	authErr := func(r map[string]string) bool {
		m := strings.ToLower(r["ExceptionMessage"])
		return strings.Contains(m, "801") && strings.Contains(m, "authenticat")
	}
	r := pipeWaitState(t, ca, "cred", "STOPPED", pipeDeadline)
	if !authErr(r) {
		t.Errorf("STOPPED pipe's ExceptionMessage %q, want an authentication failure (801)", r["ExceptionMessage"])
	}
	// START does not fix it: it fails again the same way.
	w = mergeData(w, ca.insertRows("root.cred.d.s", pipeRowsRange(11, 20, 0)))
	ca.mustExec("START PIPE cred")
	r = pipeWaitState(t, ca, "cred", "STOPPED", pipeDeadline)
	if !authErr(r) {
		t.Errorf("after START PIPE, STOPPED again with %q, want an authentication failure (801)", r["ExceptionMessage"])
	}
	if d := cb.dump("root.cred"); len(d) != 0 {
		t.Errorf("B has data from a pipe whose credentials it refused: %v", d)
	}
	// The fix: drop and create again with the right password.
	ca.mustExec("DROP PIPE cred", strings.Replace(bad, "'wrong'", "'root'", 1))
	w = mergeData(w, ca.insertRows("root.cred.d.s", pipeRowsRange(21, 30, 0)))
	pipeWaitData(t, cb, "root.cred", w, pipeDeadline)
	if r := ca.pipe("cred"); r == nil || r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
		t.Errorf("the re-created pipe: %v, want RUNNING with no exception", r)
	}
}

// TestPipeStartAfterFix: a pipe stopped by an unrecoverable error resumes
// with START PIPE once the cause is fixed at the target, and nothing
// written meanwhile is lost.
func TestPipeStartAfterFix(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	w := ca.insertRows("root.fix.d.s", pipeRowsRange(1, 10, 0))
	ca.mustExec(fmt.Sprintf(`CREATE PIPE fix WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d',
'sink.user'='fixuser', 'sink.password'='fix_pw123')`, b.Port))
	r := pipeWaitState(t, ca, "fix", "STOPPED", pipeDeadline)
	if r["ExceptionMessage"] == "" {
		t.Errorf("pipe stopped without an ExceptionMessage: %v", r)
	}
	w = mergeData(w, ca.insertRows("root.fix.d.s", pipeRowsRange(11, 20, 0)))
	// The fix: the user the sink logs in as now exists at B.
	cb.mustExec("CREATE USER fixuser 'fix_pw123'", "GRANT WRITE_DATA ON root.** TO USER fixuser",
		"GRANT WRITE_SCHEMA ON root.** TO USER fixuser")
	ca.mustExec("START PIPE fix")
	w = mergeData(w, ca.insertRows("root.fix.d.s", pipeRowsRange(21, 30, 0)))
	pipeWaitData(t, cb, "root.fix", w, pipeDeadline)
	pipeWaitSame(t, ca, cb, "root.fix", pipeDeadline)
	if r := ca.pipe("fix"); r == nil || r["State"] != "RUNNING" {
		t.Errorf("pipe after START: %v", r)
	}
}
