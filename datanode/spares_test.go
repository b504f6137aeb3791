package datanode

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// spareNode is a DataNode with only what spares use, its spare loop
// stopped at the end of the test.
func spareNode(t *testing.T) *DataNode {
	t.Helper()
	d := &DataNode{cfg: Config{DataDir: t.TempDir()}, logger: slog.New(slog.DiscardHandler),
		spares: newSpareLogs(), stop: make(chan struct{})}
	t.Cleanup(func() {
		close(d.stop)
		d.wg.Wait()
	})
	return d
}

// A spare that failed to prepare is prepared again later, not lost.
func TestSpareRetriedAfterFailedPrepare(t *testing.T) {
	d := spareNode(t)
	var mu sync.Mutex
	calls := make(map[string]int)
	prepare := d.spares.prepare
	d.spares.prepare = func(dir string) error {
		mu.Lock()
		calls[dir]++
		n := calls[dir]
		mu.Unlock()
		if dir == d.spareDir(0) && n == 1 {
			return errors.New("disk full")
		}
		return prepare(dir)
	}
	d.prepareSpares()
	if got := len(d.spares.ready); got != spareLogCount-1 {
		t.Fatalf("%d spares ready after one failed, want %d", got, spareLogCount-1)
	}
	d.wg.Add(1)
	go d.spareLoop()
	waitSpares(t, d)
	mu.Lock()
	defer mu.Unlock()
	if calls[d.spareDir(0)] != 2 {
		t.Fatalf("spare 0 prepared %d times, want 2 (a failure, then the retry)", calls[d.spareDir(0)])
	}
	if _, err := os.Stat(filepath.Join(d.spareDir(0), "wal")); err != nil {
		t.Fatalf("spare 0 not prepared: %v", err)
	}
}

// A spare moved to a region whose directory cannot be made durable fails
// the region's opening and goes back to being a spare.
func TestTakeSpareFailsWhenNotDurable(t *testing.T) {
	d := spareNode(t)
	d.prepareSpares()
	d.spares.syncDir = func(string) error { return errors.New("sync failed") }
	region := filepath.Join(d.cfg.DataDir, "regions", "7")
	err := d.takeSpare(region)
	if err == nil || !strings.Contains(err.Error(), "sync failed") {
		t.Fatalf("take spare: %v, want the sync's error", err)
	}
	if _, err := os.Stat(region); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("region directory left behind: %v", err)
	}
	spare := <-d.spares.taken
	if _, err := os.Stat(filepath.Join(spare, "wal")); err != nil {
		t.Fatalf("spare %s not moved back: %v", spare, err)
	}
}
