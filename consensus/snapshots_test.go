package consensus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// streamFSM is a listFSM whose snapshots are markers ('M' and the item
// count) and whose data streams are 'D', the last applied index and the
// items. Entries at or below the applied index are skipped: a stream is
// captured when it is opened, so it may reach past its snapshot's index.
type streamFSM struct {
	listFSM

	mu       sync.Mutex
	applied  uint64
	opened   [][]byte // markers given to OpenSnapshot
	restored []byte   // kinds given to Restore
	openErr  error
}

func (f *streamFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l.Index <= f.applied {
		return nil
	}
	f.applied = l.Index
	return f.listFSM.Apply(l)
}

func (f *streamFSM) Snapshot() (raft.FSMSnapshot, error) {
	return listSnap(fmt.Sprintf("M%d", len(f.listFSM.snapshot()))), nil
}

func (f *streamFSM) OpenSnapshot(marker io.Reader) (int64, io.ReadCloser, error) {
	m, err := io.ReadAll(marker)
	if err != nil {
		return 0, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, m)
	if f.openErr != nil {
		return 0, nil, f.openErr
	}
	data := fmt.Sprintf("D%d\n%s", f.applied, strings.Join(f.listFSM.snapshot(), "\n"))
	return int64(len(data)), io.NopCloser(strings.NewReader(data)), nil
}

func (f *streamFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || len(b) == 0 {
		return fmt.Errorf("empty snapshot (%v)", err)
	}
	f.mu.Lock()
	f.restored = append(f.restored, b[0])
	f.mu.Unlock()
	switch b[0] {
	case SnapshotMarker:
		n, err := strconv.Atoi(string(b[1:]))
		if err != nil {
			return err
		}
		if have := len(f.listFSM.snapshot()); have < n {
			return fmt.Errorf("marker of %d items, %d here", n, have)
		}
		return nil
	case 'D':
		index, items, _ := bytes.Cut(b[1:], []byte("\n"))
		applied, err := strconv.ParseUint(string(index), 10, 64)
		if err != nil {
			return err
		}
		f.mu.Lock()
		f.applied = applied
		f.mu.Unlock()
		return f.listFSM.Restore(io.NopCloser(bytes.NewReader(items)))
	}
	return fmt.Errorf("unknown snapshot kind %q", b[0])
}

func (f *streamFSM) kinds() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.restored)
}

// storeSnapshot writes a snapshot holding data through store.
func storeSnapshot(t *testing.T, store raft.SnapshotStore, index uint64, data string) string {
	t.Helper()
	sink, err := store.Create(raft.SnapshotVersionMax, index, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	return sink.ID()
}

func readSnapshot(t *testing.T, store raft.SnapshotStore, id string) (*raft.SnapshotMeta, string) {
	t.Helper()
	meta, rc, err := store.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return meta, string(b)
}

func TestStreamingSnapshotsOpen(t *testing.T) {
	files, err := raft.NewFileSnapshotStoreWithLogger(t.TempDir(), 3, newHCLogger(slog.New(slog.DiscardHandler), "test"))
	if err != nil {
		t.Fatal(err)
	}
	fsm := &streamFSM{}
	fsm.items = []string{"a", "b", "c"}
	store := newStreamingSnapshots(files, fsm)

	marker := storeSnapshot(t, store, 10, "M3")
	received := storeSnapshot(t, store, 11, "D7\nx\ny")

	tests := []struct {
		name     string
		id       string
		starting bool
		want     string
	}{
		{"marker becomes the data stream", marker, false, "D0\na\nb\nc"},
		{"received stream is sent as stored", received, false, "D7\nx\ny"},
		{"marker as stored while starting", marker, true, "M3"},
		{"received stream while starting", received, true, "D7\nx\ny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.starting.Store(tt.starting)
			meta, got := readSnapshot(t, store, tt.id)
			if got != tt.want || meta.Size != int64(len(tt.want)) || meta.ID != tt.id {
				t.Fatalf("Open = %q with size %d id %s, want %q of %d bytes", got, meta.Size, meta.ID, tt.want, len(tt.want))
			}
		})
	}
	store.starting.Store(false)
	if len(fsm.opened) != 1 || string(fsm.opened[0]) != "M3" {
		t.Fatalf("OpenSnapshot got markers %q", fsm.opened)
	}
	if metas, err := store.List(); err != nil || len(metas) != 2 || metas[0].ID != received || metas[0].Size != 6 {
		t.Fatalf("List = %+v, %v: want the file store's", metas, err)
	}

	fsm.openErr = errors.New("no export")
	if _, _, err := store.Open(marker); err == nil || !strings.Contains(err.Error(), "no export") {
		t.Fatalf("Open with a failing OpenSnapshot = %v", err)
	}
}

// TestGroupSendsDataStream cuts a follower off from a 3-replica group of
// StreamingFSMs while the leader snapshots and truncates its log: the
// follower catches up by restoring the leader's data stream, never a bare
// marker.
// The follower's log store must take the restore: raft-wal accepts only
// contiguous entries, so the log it kept must go. raft-wal still reads
// truncated entries while their segment is kept, so its segments here hold
// one entry each, for the leader's truncation to force a snapshot.
func TestGroupSendsDataStream(t *testing.T) {
	for _, kind := range []LogStore{LogStoreBolt, LogStoreWAL} {
		t.Run(string(kind), func(t *testing.T) { testGroupSendsDataStream(t, kind) })
	}
}

func testGroupSendsDataStream(t *testing.T, kind LogStore) {
	const n = 3
	fsms := make([]*streamFSM, n)
	raftFSMs := make([]raft.FSM, n)
	for i := range n {
		fsms[i] = &streamFSM{}
		raftFSMs[i] = fsms[i]
	}
	c := openInmemGroups(t, "stream", 100*time.Millisecond, raftFSMs, func(cfg *Config) {
		cfg.SnapshotThreshold, cfg.TrailingLogs, cfg.LogStore, cfg.SegmentBytes = 1<<30, 2, kind, 1
	})
	c.apply("x0")
	l := c.leader()
	f := (l + 1) % n
	c.link(f, false)
	for i := range 10 {
		c.apply(fmt.Sprintf("x%d", i+1))
	}
	if err := c.groups[l].Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.apply("x11")
	c.link(f, true)

	want := strings.Join(fsms[l].snapshot(), ",")
	deadline := time.Now().Add(30 * time.Second)
	for strings.Join(fsms[f].snapshot(), ",") != want {
		if time.Now().After(deadline) {
			t.Fatalf("follower has %v, leader %s", fsms[f].snapshot(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := fsms[f].kinds(); got != "D" {
		t.Fatalf("follower restored snapshots of kinds %q, want one data stream", got)
	}
	// The follower's log takes entries after the restored snapshot.
	c.apply("x12")
	want = strings.Join(fsms[l].snapshot(), ",")
	for strings.Join(fsms[f].snapshot(), ",") != want {
		if time.Now().After(deadline) {
			t.Fatalf("after the restore the follower has %v, leader %s", fsms[f].snapshot(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := fsms[f].kinds(); got != "D" {
		t.Fatalf("follower restored snapshots of kinds %q, want the entry after the first restore appended", got)
	}
	if got := fsms[l].kinds(); got != "" {
		t.Fatalf("leader restored %q", got)
	}
}
