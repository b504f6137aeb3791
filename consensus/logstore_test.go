package consensus

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

func hasPath(t *testing.T, path string) bool {
	t.Helper()
	ok, err := exists(path)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// A replica's directory keeps the store it was created with, whatever a
// later Open asks for: an existing raft.db is never replaced by a WAL.
func TestOpenKeepsExistingStore(t *testing.T) {
	for _, tc := range []struct{ created, reopened LogStore }{
		{LogStoreBolt, LogStoreWAL},
		{LogStoreWAL, LogStoreBolt},
		{"", LogStoreWAL},
	} {
		t.Run(fmt.Sprintf("%s-then-%s", tc.created, tc.reopened), func(t *testing.T) {
			dir := t.TempDir()
			ctx := context.Background()
			g := openGroupWith(t, dir, &listFSM{}, tc.created)
			if _, err := g.Apply(ctx, []byte("a")); err != nil {
				t.Fatal(err)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			bolt := tc.created != LogStoreWAL
			if hasPath(t, filepath.Join(dir, boltFile)) != bolt || hasPath(t, filepath.Join(dir, walDir)) == bolt {
				t.Fatalf("created with %q: raft.db present %v, wal/ present %v", tc.created, !bolt, bolt)
			}
			f := &listFSM{}
			g = openGroupWith(t, dir, f, tc.reopened)
			defer g.Close()
			if err := g.Barrier(ctx); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.snapshot(), ","); got != "a" {
				t.Fatalf("reopened with %q: state %q, want a", tc.reopened, got)
			}
			if hasPath(t, filepath.Join(dir, boltFile)) != bolt || hasPath(t, filepath.Join(dir, walDir)) == bolt {
				t.Fatalf("reopening with %q changed the store", tc.reopened)
			}
		})
	}
}

func TestOpenLogStoreRejects(t *testing.T) {
	t.Run("unknown kind", func(t *testing.T) {
		_, _, err := openLogStore(t.TempDir(), "rocksdb", 0, hclog.NewNullLogger())
		if err == nil || !strings.Contains(err.Error(), `unknown log store "rocksdb"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("both stores", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, boltFile), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, walDir), 0o755); err != nil {
			t.Fatal(err)
		}
		_, _, err := openLogStore(dir, LogStoreWAL, 0, hclog.NewNullLogger())
		if err == nil || !strings.Contains(err.Error(), "holds both raft.db and wal/") {
			t.Fatalf("err = %v", err)
		}
	})
}

func storeBig(t *testing.T, s raft.LogStore, from, to uint64, size int) {
	t.Helper()
	data := make([]byte, size)
	for i := from; i <= to; i++ {
		if err := s.StoreLogs([]*raft.Log{{Index: i, Term: 1, Type: raft.LogCommand, Data: data}}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

func openTestWAL(t *testing.T, dir string) *walStore {
	t.Helper()
	w, err := openWAL(dir, 1<<20, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Truncating the whole log right after an append filled a segment (as a
// FLUSH does) leaves a WAL that appends and reopens; closing it releases
// its files, so that it reopens in the same process.
func TestWALTruncateAllAfterSeal(t *testing.T) {
	dir := t.TempDir()
	w := openTestWAL(t, dir)
	storeBig(t, w, 1, 4, 300<<10) // the fourth append seals the 1 MiB segment
	if err := w.DeleteRange(1, 4); err != nil {
		t.Fatal(err)
	}
	storeBig(t, w, 5, 5, 300<<10)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = openTestWAL(t, dir)
	defer w.Close()
	first, _ := w.FirstIndex()
	last, _ := w.LastIndex()
	if first != 5 || last != 5 {
		t.Fatalf("after reopen the log holds [%d, %d], want [5, 5]", first, last)
	}
}

// Truncated segments are deleted: the blocks the log holds fall with it.
func TestWALReclaimsTruncatedLog(t *testing.T) {
	dir := t.TempDir()
	w := openTestWAL(t, dir)
	defer w.Close()
	storeBig(t, w, 1, 40, 512<<10)
	full := allocatedBytes(t, dir)
	if err := w.DeleteRange(1, 39); err != nil {
		t.Fatal(err)
	}
	// Segments are deleted once no reader holds them: the next state
	// change runs the finalizer.
	storeBig(t, w, 41, 41, 512<<10)
	if after := allocatedBytes(t, dir); after > full/4 {
		t.Fatalf("log holds %d bytes after truncation, %d before", after, full)
	}
}

// walCrashEnv makes the test binary the child of TestWALSurvivesKill.
const walCrashEnv = "SLUICE_TEST_WAL_CRASH_DIR"

// A replica killed (SIGKILL) right after Apply returned keeps every
// acknowledged entry.
func TestWALSurvivesKill(t *testing.T) {
	if dir := os.Getenv(walCrashEnv); dir != "" {
		g := openGroupWith(t, dir, &listFSM{}, LogStoreWAL)
		for i := range 20 {
			if _, err := g.Apply(context.Background(), []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWALSurvivesKill$")
	cmd.Env = append(os.Environ(), walCrashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v\n%s", err, out)
	}
	f := &listFSM{}
	g := openGroupWith(t, dir, f, LogStoreWAL)
	defer g.Close()
	if err := g.Barrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprint(i)
	}
	if got := strings.Join(f.snapshot(), ","); got != strings.Join(want, ",") {
		t.Fatalf("after kill -9 the replica holds %q", got)
	}
}
