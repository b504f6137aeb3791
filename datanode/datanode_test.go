package datanode

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/status"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/hashicorp/raft.(*InmemTransport).Close"),
		goleak.IgnoreAnyFunction("github.com/cockroachdb/pebble/v2/internal/cache.(*shard).releaseLoop"),
	)
}

// node is an in-process ConfigNode + DataNode on a temp dir.
type node struct {
	t   *testing.T
	dir string
	cn  *confignode.ConfigNode
	dn  *DataNode
	cfg Config
	reg *prometheus.Registry // both nodes' metrics, as in a standalone process
}

func startNode(t *testing.T, dir string, mutate ...func(*Config)) *node {
	t.Helper()
	return startNodeLogging(t, dir, slog.New(slog.DiscardHandler), mutate...)
}

// startNodeLogging is startNode with both nodes logging to logger.
func startNodeLogging(t *testing.T, dir string, logger *slog.Logger, mutate ...func(*Config)) *node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	rm := consensus.NewMetrics(reg)
	cn := confignode.New(confignode.Config{Dir: dir + "/cn", SlotNum: 64, RegionsPerDatabase: 2, Timeout: 100 * time.Millisecond}, logger, reg, rm)
	if err := cn.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := Config{NodeID: 1, DataDir: dir + "/dn", RPCAddr: "127.0.0.1:0", MemtableBytes: 64 << 20,
		AutoCreateSchema: true, RaftTimeout: 100 * time.Millisecond, Version: "test"}
	for _, m := range mutate {
		m(&cfg)
	}
	dn := New(cfg, cn, logger, reg, rm)
	// The client service serves until Start's context ends: the test's.
	if err := dn.Start(t.Context()); err != nil {
		cn.Close()
		t.Fatal(err)
	}
	n := &node{t: t, dir: dir, cn: cn, dn: dn, cfg: cfg, reg: reg}
	t.Cleanup(n.close)
	return n
}

func (n *node) close() {
	if n.dn != nil {
		if err := n.dn.Close(); err != nil {
			n.t.Errorf("close datanode: %v", err)
		}
		n.dn = nil
	}
	if n.cn != nil {
		n.cn.Close()
		n.cn = nil
	}
}

// exec runs sql as user and renders the last statement's rows as strings.
func (n *node) exec(user, sql string) ([][]string, error) {
	n.t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, s := range stmts {
		res, err := n.dn.Run(context.Background(), user, time.UTC, s)
		if err != nil {
			return nil, err
		}
		rows = nil
		if res == nil {
			continue
		}
		for {
			b, err := res.Rows.Next(context.Background(), 100)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			for r := 0; r < b.Len(); r++ {
				var row []string
				if b.Times != nil {
					row = append(row, fmt.Sprint(b.Times[r]))
				}
				for c := range b.Columns {
					row = append(row, fmt.Sprint(b.Columns[c].Value(r)))
				}
				rows = append(rows, row)
			}
		}
		res.Rows.Close()
	}
	return rows, nil
}

func (n *node) mustExec(sql string) [][]string {
	n.t.Helper()
	rows, err := n.exec("root", sql)
	if err != nil {
		n.t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func flat(rows [][]string) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, strings.Join(r, ","))
	}
	return strings.Join(parts, ";")
}

func TestInsertSelectAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	n.mustExec("insert into root.sg.d1(time, s1, s2) values (1, 1.5, 'a'), (2, 2.5, 'b')")
	n.mustExec("flush")
	n.mustExec("insert into root.sg.d1(time, s1) values (3, 3.5)")
	n.mustExec("insert into root.sg.d2(time, s1) aligned values (1, true)")
	n.close()

	n = startNode(t, dir)
	if got := flat(n.mustExec("select s1 from root.sg.d1")); got != "1,1.5;2,2.5;3,3.5" {
		t.Fatalf("after restart select = %q", got)
	}
	if got := flat(n.mustExec("select s2 from root.sg.d1")); got != "1,a;2,b" {
		t.Fatalf("text column after restart = %q", got)
	}
	if got := flat(n.mustExec("show devices")); got != "root.sg.d1,false,<nil>;root.sg.d2,true,<nil>" {
		t.Fatalf("show devices = %q", got)
	}
}

func TestRefusedWriteChangesNothing(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("create timeseries root.sg.d1.s1 with datatype=INT32, encoding=RLE")
	_, err := n.exec("root", "insert into root.sg.d1(time, s1) values (1, 'text')")
	if status.CodeOf(err) != status.DataTypeMismatch {
		t.Fatalf("text into INT32: %v (code %d)", err, status.CodeOf(err))
	}
	// A typed tablet batch where the second tablet conflicts: neither lands.
	good := model.Tablet{Device: model.Path{"root", "sg", "d2"}, Measurements: []string{"x"}, Times: []int64{5},
		Columns: []model.Column{{Type: model.Int64, Int64s: []int64{7}}}}
	bad := model.Tablet{Device: model.Path{"root", "sg", "d1"}, Measurements: []string{"s1"}, Times: []int64{5},
		Columns: []model.Column{{Type: model.Double, Float64s: []float64{1}}}}
	if err := n.dn.Insert(context.Background(), []*model.Tablet{&good, &bad}, ""); status.CodeOf(err) != status.DataTypeMismatch {
		t.Fatalf("mixed batch: %v", err)
	}
	if got := flat(n.mustExec("select count(*) from root.sg.**")); got != "0" {
		t.Fatalf("refused writes left data behind: %q", got)
	}
	if got := flat(n.mustExec("show timeseries root.sg.d2.*")); got != "" {
		t.Fatalf("refused write created schema: %q", got)
	}
	if got := flat(n.mustExec("show timeseries")); !strings.HasPrefix(got, "root.sg.d1.s1,<nil>,root.sg,INT32,RLE,LZ4") {
		t.Fatalf("show timeseries = %q", got)
	}
}

func TestDeleteSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	n.mustExec("insert into root.sg.d(time, a, b) values (1, 1, 1), (2, 2, 2), (3, 3, 3)")
	n.mustExec("delete from root.sg.d.a where time <= 2")
	n.mustExec("delete timeseries root.sg.d.b")
	n.mustExec("insert into root.sg.d(time, b) values (9, 'now text')")
	n.close()

	n = startNode(t, dir)
	if got := flat(n.mustExec("select a from root.sg.d")); got != "3,3" {
		t.Fatalf("deleted points came back: %q", got)
	}
	if got := flat(n.mustExec("select b from root.sg.d")); got != "9,now text" {
		t.Fatalf("recreated series = %q", got)
	}
	if _, err := n.exec("root", "delete timeseries root.sg.nothing.*"); status.CodeOf(err) != status.PathNotExist {
		t.Fatalf("deleting a missing series: %v", err)
	}
}

func TestPrivilegesChecked(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("insert into root.a.d(time, s) values (1, 1); insert into root.b.d(time, s) values (1, 2)")
	n.mustExec("create user alice 'secret12'")
	n.mustExec("grant READ_DATA on root.a.** to user alice")
	if got, err := n.exec("alice", "select s from root.a.d"); err != nil || flat(got) != "1,1" {
		t.Fatalf("granted read: %v %v", got, err)
	}
	for _, sql := range []string{"select s from root.b.d", "insert into root.a.d(time, s) values (2, 2)",
		"create database root.c", "create user bob 'secret12'", "create pipe p with sink ('sink'='do-nothing-sink')"} {
		if _, err := n.exec("alice", sql); status.CodeOf(err) != status.NoPermission {
			t.Errorf("%s as alice: %v, want 803", sql, err)
		}
	}
	if _, err := n.exec("alice", "alter user alice set password 'newpass12'"); err != nil {
		t.Fatalf("changing one's own password: %v", err)
	}
	if err := n.dn.Login(context.Background(), "alice", "newpass12"); err != nil {
		t.Fatalf("login with new password: %v", err)
	}
	if got := flat(n.mustExec("list user")); got != "alice;root" {
		t.Fatalf("list user = %q", got)
	}
}

func TestAutoCreateDisabled(t *testing.T) {
	n := startNode(t, t.TempDir(), func(c *Config) { c.AutoCreateSchema = false })
	if _, err := n.exec("root", "insert into root.sg.d(time, s) values (1, 1)"); status.CodeOf(err) != status.DatabaseNotExist {
		t.Fatalf("insert without database: %v", err)
	}
	n.mustExec("create database root.sg")
	if _, err := n.exec("root", "insert into root.sg.d(time, s) values (1, 1)"); status.CodeOf(err) != status.PathNotExist {
		t.Fatalf("insert without series: %v", err)
	}
	n.mustExec("create timeseries root.sg.d.s with datatype=DOUBLE")
	n.mustExec("insert into root.sg.d(time, s) values (1, 1)")
	if got := flat(n.mustExec("select s from root.sg.d")); got != "1,1" {
		t.Fatalf("select = %q", got)
	}
}

func TestShowStatements(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("insert into root.sg.a.d1(time, s1, s2) values (1, 1, 2); insert into root.sg.b.d2(time, s1) values (1, 1)")
	n.mustExec("set ttl to root.sg 3600000")
	tests := []struct{ sql, want string }{
		{"show databases", "root.sg,3600000,1,1,604800000"},
		{"show ttl", "root.sg,3600000"},
		{"count timeseries root.sg.**", "3"},
		{"count timeseries root.** group by level = 2", "root.sg.a,2;root.sg.b,1"},
		{"count devices", "2"},
		{"show timeseries root.sg.a.** limit 1 offset 1", "root.sg.a.d1.s2,<nil>,root.sg,DOUBLE,GORILLA,LZ4,<nil>,<nil>,<nil>,<nil>,BASE"},
		{"show confignodes", "0,Running,,0,Leader"},
		{"show datanodes", "1,Running,127.0.0.1," + n.dn.rpcPort() + ",2,0"},
		{"show cluster", "0,ConfigNode,Running,,0,test,sluice;1,DataNode,Running,,0,test,sluice"},
		{"show version", "test,sluice"},
	}
	for _, tt := range tests {
		if got := flat(n.mustExec(tt.sql)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.sql, got, tt.want)
		}
	}
	for sql, want := range map[string]string{
		"remove confignode 0": "the only one",
		"remove confignode 9": "not registered",
	} {
		if _, err := n.exec("root", sql); status.CodeOf(err) != status.RemoveConfigNodeError || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %v, want code %d naming %q", sql, err, status.RemoveConfigNodeError, want)
		}
	}
	regions := n.mustExec("show regions")
	if len(regions) != 2 || regions[0][1] != "DataRegion" || regions[0][3] != "root.sg" || regions[0][7] != "Leader" {
		t.Errorf("show regions = %v", regions)
	}
}
