package datanode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func waitSpares(t *testing.T, d *DataNode) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(d.spares.ready) < spareLogCount {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d spare region logs ready", len(d.spares.ready), spareLogCount)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A new database's regions take the spare logs prepared ahead of time,
// which are prepared again; the regions survive a restart.
func TestNewRegionsTakeSpareLogs(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	waitSpares(t, n.dn)
	for i := range spareLogCount {
		if err := os.WriteFile(filepath.Join(n.dn.spareDir(i), "marker"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n.mustExec("insert into root.sp.d1(time, s) values (1, 1)")
	n.mustExec("insert into root.sp.d2(time, s) values (1, 2)")

	entries, err := os.ReadDir(filepath.Join(dir, "dn", "regions"))
	if err != nil {
		t.Fatal(err)
	}
	var regions int
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "spare-") {
			continue
		}
		regions++
		rd := filepath.Join(dir, "dn", "regions", e.Name())
		if _, err := os.Stat(filepath.Join(rd, "marker")); err != nil {
			t.Errorf("region %s did not take a spare log: %v", e.Name(), err)
		}
		if _, err := os.Stat(filepath.Join(rd, "wal", "wal-meta.db")); err != nil {
			t.Errorf("region %s has no raft-wal log: %v", e.Name(), err)
		}
	}
	if regions != 2 {
		t.Fatalf("%d region directories, want 2", regions)
	}
	waitSpares(t, n.dn)
	for i := range spareLogCount {
		if _, err := os.Stat(filepath.Join(n.dn.spareDir(i), "marker")); err == nil {
			t.Fatalf("spare %d not prepared again", i)
		}
	}

	n.close()
	n = startNode(t, dir)
	if got := n.mustExec("select count(s) from root.sp.**"); len(got) != 1 || strings.Join(got[0], ",") != "1,1" {
		t.Fatalf("after restart count = %v", got)
	}
	n.mustExec("insert into root.sp.d1(time, s) values (2, 3)")
}
