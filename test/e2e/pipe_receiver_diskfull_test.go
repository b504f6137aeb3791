package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sluicedb/sluice/test/proc"
)

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, unmounted
// at cleanup (registered first, so it runs after the processes using it
// are gone). It skips the test when it cannot mount (not root).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the disk-full test mounts a size-limited tmpfs, which needs root")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): the disk-full test needs one", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// freeBytes is the free space of dir's file system.
func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// TestPipeReceiverDiskFull pipes into a receiver whose data directory is a
// 128 MiB tmpfs, mostly taken by a filler file, until its disk is full. The
// receiver refuses writes with a disk-full status instead of crashing,
// keeps serving reads, and the sender's SHOW PIPES shows it retrying on
// that message. Once the filler is deleted the pipe catches up by itself:
// every acknowledged point arrives.
func TestPipeReceiverDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, 128<<20)
	const reserve = 32 << 20 // the smallest allowed
	b := proc.NewStandalone(t, fmt.Sprintf("data_dir_reserve_bytes=%d", reserve), "memtable_size_threshold=1048576")
	b.DataDir = filepath.Join(mnt, "data")
	b.Start()
	a := proc.StartStandalone(t)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	t.Cleanup(func() {
		if t.Failed() {
			pipeDiagnose(t, "A", a, ca)
			pipeDiagnose(t, "B", b, cb)
		}
	})

	// Leave 4 MiB above the reserve.
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, freeBytes(t, mnt)-reserve-4<<20), 0o644); err != nil {
		t.Fatalf("write the filler: %v", err)
	}
	t.Logf("free on the receiver's tmpfs after the filler: %d MiB (reserve %d MiB)", freeBytes(t, mnt)>>20, reserve>>20)
	ca.mustExec("CREATE PIPE df " + pipeSinkClause("iotdb-thrift-sink", b.Port))

	// Write 100 KiB batches of incompressible text on A until the pipe
	// reports the receiver's disk full.
	acked := pipeData{}
	var exception string
	next := int64(1)
	deadline := time.Now().Add(40 * time.Second)
	for exception == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the pipe never reported a full disk within 40s; %d MiB free on the receiver", freeBytes(t, mnt)>>20)
		}
		rows, quoted := map[int64]string{}, map[int64]string{}
		for range 100 {
			v := randomText(t, 512)
			rows[next], quoted[next] = v, "'"+v+"'"
			next++
		}
		if err := ca.insertRowsErr("root.df.d.s", quoted); err != nil {
			t.Fatalf("write on the sender: %v", err)
		}
		acked.add("root.df.d.s", rows)
		if r := ca.pipe("df"); r != nil && strings.Contains(r["ExceptionMessage"], "disk full") {
			exception = r["ExceptionMessage"]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("after %d points, SHOW PIPES on the sender: %s", acked.points(), exception)
	if !strings.Contains(exception, "retrying") || !strings.Contains(exception, "free space on "+b.DataDir) {
		t.Errorf("exception %q, want a retrying disk-full message naming %s", exception, b.DataDir)
	}
	if r := ca.pipe("df"); r == nil || r["State"] != "RUNNING" {
		t.Errorf("pipe while the receiver's disk is full: %v, want RUNNING", r)
	}

	// The receiver is up, refuses client writes the same way, and serves
	// reads.
	if exited, err := b.Exited(); exited {
		t.Fatalf("the receiver exited on a full disk: %v", err)
	}
	code, msg := cb.mustFail("INSERT INTO root.df.other(time, s) VALUES (1, 1)")
	if code != 611 || !strings.Contains(msg, "disk full") {
		t.Errorf("client write on the full receiver: %d %q, want 611 disk full", code, msg)
	}
	held := cb.dump("root.df")
	t.Logf("the full receiver holds %d of %d points and answers queries", held.points(), acked.points())

	// Another process takes the rest of the disk: the receiver still
	// stands, since it writes nothing below its reserve.
	rest := filepath.Join(mnt, "rest")
	if err := os.WriteFile(rest, make([]byte, freeBytes(t, mnt)), 0o644); err != nil {
		t.Logf("filling the rest: %v (%d bytes left)", err, freeBytes(t, mnt))
	}
	if free := freeBytes(t, mnt); free > 64<<10 {
		t.Fatalf("%d bytes still free after filling the rest", free)
	}
	time.Sleep(3 * time.Second)
	if exited, err := b.Exited(); exited {
		t.Fatalf("the receiver exited on a disk with no space left: %v", err)
	}
	if got := cb.dump("root.df"); got.points() < held.points() {
		t.Fatalf("the receiver answers %d points with no space left, had %d", got.points(), held.points())
	}
	if err := os.Remove(rest); err != nil {
		t.Fatal(err)
	}

	// Free space: everything arrives, with no restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	pipeWaitData(t, cb, "root.df", acked, 40*time.Second)
	t.Logf("every point arrived %v after the filler was deleted", time.Since(freed).Round(10*time.Millisecond))
	if d := pipeDiff(acked, cb.dump("root.df")); d != "" {
		t.Errorf("receiver after recovery: %s", d)
	}
	cb.mustExec("INSERT INTO root.df.other(time, s) VALUES (1, 1)")
	pipeWaitFor(t, 20*time.Second, "the retry message to clear", func() (bool, string) {
		r := ca.pipe("df")
		return r != nil && r["ExceptionMessage"] == "", fmt.Sprint(r)
	})
	if exited, err := b.Exited(); exited {
		t.Fatalf("the receiver exited: %v", err)
	}
	t.Logf("the receiver logged %d lines in all, %d of them about the full disk",
		strings.Count(b.Log(), "\n"), strings.Count(b.Log(), "disk full"))
}

// randomText is n random bytes in hex: text no compressor shrinks much.
func randomText(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
