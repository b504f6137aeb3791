package datanode

import (
	"strconv"
	"testing"
	"time"
)

// guideSchema is the schema of IoTDB's user guide examples, plus a
// database two levels down (an SG INTERNAL node above it) and one whose
// device sits right below it.
const guideSchema = `create database root.ln; create database root.sgcc; create database root.turbine; create database root.a.b;
insert into root.ln.wf01.wt01(time, status, temperature) values (1, true, 25.5);
insert into root.ln.wf02.wt02(time, hardware, status) values (1, 'v1', false);
insert into root.sgcc.wf03.wt01(time, status, temperature) values (1, true, 20.5);
insert into root.turbine.d1(time, s1) values (1, 1);
insert into root.a.b.d(time, s) values (1, 1)`

func TestSchemaNavigation(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec(guideSchema)
	tests := []struct{ sql, want string }{
		{"count databases", "4"},
		{"count databases root.ln", "1"},
		{"count databases root.*", "3"},
		{"count databases root.nothing", "0"},
		{"show child paths", "root.a,SG INTERNAL;root.ln,DATABASE;root.sgcc,DATABASE;root.turbine,DATABASE"},
		{"show child paths root.ln", "root.ln.wf01,INTERNAL;root.ln.wf02,INTERNAL"},
		{"show child paths root.ln.wf01.wt01", "root.ln.wf01.wt01.status,TIMESERIES;root.ln.wf01.wt01.temperature,TIMESERIES"},
		{"show child paths root.*.*", "root.a.b.d,DEVICE;root.ln.wf01.wt01,DEVICE;root.ln.wf02.wt02,DEVICE;root.sgcc.wf03.wt01,DEVICE;root.turbine.d1.s1,TIMESERIES"},
		{"show child paths root.a", "root.a.b,DATABASE"},
		{"show child paths root.ln.wf01.wt01.status", ""},
		{"show child nodes root.ln", "wf01;wf02"},
		{"show child nodes root.*.*", "d;s1;wt01;wt02"},
		{"show child nodes", "a;ln;sgcc;turbine"},
		{"count nodes root.** level=2", "5"},
		{"count nodes root.ln.** level=2", "2"},
		{"count nodes root.ln.wf01.** level=3", "1"},
		{"count nodes root.**.temperature level=3", "2"},
		{"count nodes root.**.temperature level=1", "2"},
		{"count nodes root.** level=9", "0"},
		{"show devices root.** with database", "root.a.b.d,root.a.b,false,<nil>;root.ln.wf01.wt01,root.ln,false,<nil>;root.ln.wf02.wt02,root.ln,false,<nil>;" +
			"root.sgcc.wf03.wt01,root.sgcc,false,<nil>;root.turbine.d1,root.turbine,false,<nil>"},
		{"show devices with database limit 2 offset 1", "root.ln.wf01.wt01,root.ln,false,<nil>;root.ln.wf02.wt02,root.ln,false,<nil>"},
		{"show devices root.ln.** limit 1", "root.ln.wf01.wt01,false,<nil>"},
	}
	for _, tt := range tests {
		if got := flat(n.mustExec(tt.sql)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.sql, got, tt.want)
		}
	}

	// A user sees the part of the tree READ_SCHEMA covers.
	n.mustExec("create user bobby 'secret12'; grant READ_SCHEMA on root.ln.** to user bobby")
	for sql, want := range map[string]string{
		"show child paths":            "root.ln,DATABASE",
		"count databases":             "1",
		"count nodes root.** level=2": "2",
		"show child nodes root.*":     "wf01;wf02",
		"show devices with database":  "root.ln.wf01.wt01,root.ln,false,<nil>;root.ln.wf02.wt02,root.ln,false,<nil>",
	} {
		if got, err := n.exec("bobby", sql); err != nil || flat(got) != want {
			t.Errorf("%s as bobby = %q, %v; want %q", sql, flat(got), err, want)
		}
	}
	// One who sees a database's series but not the database still sees
	// its node's type.
	n.mustExec("create user carol 'secret12'; grant READ_SCHEMA on root.ln.wf01.** to user carol")
	if got, err := n.exec("carol", "show child paths root.*"); err != nil || flat(got) != "root.ln.wf01,INTERNAL" {
		t.Errorf("show child paths root.* as carol = %q, %v", flat(got), err)
	}
	if got, err := n.exec("carol", "show child paths"); err != nil || flat(got) != "root.ln,DATABASE" {
		t.Errorf("show child paths as carol = %q, %v", flat(got), err)
	}
}

func TestInsertTimeForms(t *testing.T) {
	n := startNode(t, t.TempDir())
	before := time.Now().UnixMilli()
	n.mustExec("insert into root.sg.d(s) values (1)")
	n.mustExec("insert into root.sg.d(time, s) values (now() - 2h, 2)")
	n.mustExec("insert into root.sg.d(time, s) values (1970-01-01T00:00:01 + 1s, 3)")
	n.mustExec("insert into root.sg.e(t, u) aligned values ('x', 4)")
	after := time.Now().UnixMilli()
	rows := n.mustExec("select s from root.sg.d")
	if len(rows) != 3 || rows[0][0] != "2000" || rows[0][1] != "3" {
		t.Fatalf("select s = %v, want 2000,3 first", rows)
	}
	tTwo, _ := strconv.ParseInt(rows[1][0], 10, 64)
	tNow, _ := strconv.ParseInt(rows[2][0], 10, 64)
	if rows[1][1] != "2" || tTwo < before-7200000 || tTwo > after-7200000 {
		t.Errorf("now() - 2h row = %v, want a time in [%d, %d]", rows[1], before-7200000, after-7200000)
	}
	if rows[2][1] != "1" || tNow < before || tNow > after {
		t.Errorf("row without time = %v, want the server's time in [%d, %d]", rows[2], before, after)
	}
	if rows := n.mustExec("select t, u from root.sg.e where t = 'x'"); len(rows) != 1 || rows[0][2] != "4" {
		t.Errorf("aligned row without time = %v", rows)
	}
	if _, err := n.exec("root", "insert into root.sg.d(s) values (5), (6)"); err == nil {
		t.Error("a multi-row INSERT without time was taken")
	}
	if _, err := n.exec("root", "insert into root.sg.d(time, s) values (now() + 'x', 7)"); err == nil {
		t.Error("a time plus a string was taken")
	}
	if got := flat(n.mustExec("select count(s) from root.sg.d")); got != "3" {
		t.Errorf("count after refused inserts = %q, want 3", got)
	}
}
