package consensus

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/hashicorp/raft.(*InmemTransport).Close"))
}

// listFSM records applied commands; "fail:" commands return an error response.
type listFSM struct {
	mu    sync.Mutex
	items []string
}

func (f *listFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := string(l.Data)
	if strings.HasPrefix(s, "fail:") {
		return errors.New(s)
	}
	f.items = append(f.items, s)
	return len(f.items)
}

func (f *listFSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return listSnap(strings.Join(f.items, "\n")), nil
}

func (f *listFSM) Restore(rc io.ReadCloser) error {
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = nil
	if len(b) > 0 {
		f.items = strings.Split(string(b), "\n")
	}
	return nil
}

func (f *listFSM) snapshot() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.items...)
}

type listSnap string

func (s listSnap) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write([]byte(s)); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}
func (listSnap) Release() {}

// openGroupWith opens a sole-replica group whose new log is of kind.
func openGroupWith(t *testing.T, dir string, fsm raft.FSM, kind LogStore) *Group {
	t.Helper()
	g, err := Open(Config{Name: "test", ID: "n1", Dir: dir, LogStore: kind, Timeout: 100 * time.Millisecond, SnapshotThreshold: 4, TrailingLogs: 2},
		fsm, slog.New(slog.DiscardHandler), NewMetrics(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestApplyRestartReplays(t *testing.T) {
	for _, kind := range []LogStore{LogStoreBolt, LogStoreWAL} {
		t.Run(string(kind), func(t *testing.T) { testApplyRestartReplays(t, kind) })
	}
}

func testApplyRestartReplays(t *testing.T, kind LogStore) {
	dir := t.TempDir()
	ctx := context.Background()
	f1 := &listFSM{}
	g := openGroupWith(t, dir, f1, kind)
	for _, s := range []string{"a", "b", "c"} {
		if _, err := g.Apply(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Apply(ctx, []byte("fail:x")); err == nil || err.Error() != "fail:x" {
		t.Fatalf("error response not returned as error: %v", err)
	}
	if err := g.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Apply(ctx, []byte("d")); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := g.Apply(ctx, []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Apply after Close = %v, want ErrClosed", err)
	}

	f2 := &listFSM{}
	g2 := openGroupWith(t, dir, f2, kind)
	defer g2.Close()
	if err := g2.Barrier(ctx); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f2.snapshot(), ",")
	if got != "a,b,c,d" {
		t.Fatalf("after restart state = %q, want a,b,c,d", got)
	}
}

func TestPinnedLogStoreKeepsPinnedEntries(t *testing.T) {
	inner := raft.NewInmemStore()
	for i := uint64(1); i <= 10; i++ {
		if err := inner.StoreLog(&raft.Log{Index: i, Data: []byte{byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	s := NewPinnedLogStore(inner)
	s.Pin("pipe-a", 6)
	s.Pin("pipe-b", 8)
	if err := s.DeleteRange(1, 9); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.FirstIndex(); first != 6 {
		t.Fatalf("first index after pinned truncation = %d, want 6", first)
	}
	s.Unpin("pipe-a")
	if err := s.DeleteRange(6, 9); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.FirstIndex(); first != 8 {
		t.Fatalf("first index = %d, want 8", first)
	}
	s.Unpin("pipe-b")
	if err := s.DeleteRange(8, 9); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.FirstIndex(); first != 10 {
		t.Fatalf("first index = %d, want 10", first)
	}
}

// The log store knows the latest snapshot's index once Raft has taken it,
// and again on reopening, before Raft can truncate the log for it.
func TestGroupTellsLogStoreSnapshotIndex(t *testing.T) {
	dir := t.TempDir()
	snapshotIndex := func(g *Group) (uint64, bool) {
		g.logs.mu.Lock()
		defer g.logs.mu.Unlock()
		return g.logs.snapshot, g.logs.snapshotKnown
	}
	g := openGroupWith(t, dir, &listFSM{}, LogStoreWAL)
	if idx, known := snapshotIndex(g); !known || idx != 0 {
		t.Fatalf("snapshot index %d (known %v) on a new group, want 0", idx, known)
	}
	for _, s := range []string{"a", "b", "c"} {
		if _, err := g.Apply(context.Background(), []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Snapshot(); err != nil {
		t.Fatal(err)
	}
	want := g.Raft().LastIndex()
	if idx, _ := snapshotIndex(g); idx != want {
		t.Fatalf("snapshot index %d after a snapshot, want %d", idx, want)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	g = openGroupWith(t, dir, &listFSM{}, LogStoreWAL)
	defer g.Close()
	if idx, _ := snapshotIndex(g); idx != want {
		t.Fatalf("snapshot index %d after reopening, want %d", idx, want)
	}
}
