package consensus

import (
	"bytes"
	"testing"

	"github.com/hashicorp/raft"
)

// storeEntries appends entries from..to, each with a payload of size bytes.
func storeEntries(t *testing.T, s raft.LogStore, from, to uint64, size int) {
	t.Helper()
	var logs []*raft.Log
	for i := from; i <= to; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: bytes.Repeat([]byte{'x'}, size)})
	}
	if err := s.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
}

func firstIndex(t *testing.T, s raft.LogStore) uint64 {
	t.Helper()
	first, err := s.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	return first
}

// Pins stop compaction at the lowest pin, and the bytes they keep are the
// entries Raft asked to delete.
func TestPinnedLogStorePinnedBytes(t *testing.T) {
	s := NewPinnedLogStore(raft.NewInmemStore())
	storeEntries(t, s, 1, 100, 100)
	s.Pin("pipe/a", 21)
	if err := s.DeleteRange(1, 90); err != nil {
		t.Fatal(err)
	}
	if got := firstIndex(t, s); got != 21 {
		t.Fatalf("first index %d after compaction, want the pin 21", got)
	}
	if got := s.PinnedBytes(); got != 70*100 {
		t.Fatalf("pinned bytes %d, want 7000 (entries 21..90)", got)
	}
	s.Pin("pipe/a", 50)
	if got := s.PinnedBytes(); got != 41*100 {
		t.Fatalf("pinned bytes %d after the pin moved to 50, want 4100", got)
	}
	s.Unpin("pipe/a")
	if got := s.PinnedBytes(); got != 0 {
		t.Fatalf("pinned bytes %d without pins, want 0", got)
	}
}

// Beyond the limit the lowest pins are released, counted and reported,
// and compaction proceeds up to the next pin.
func TestPinnedLogStoreReleasesBeyondLimit(t *testing.T) {
	s := NewPinnedLogStore(raft.NewInmemStore())
	var released []PinRelease
	s.SetLimit(5000, func(r PinRelease) { released = append(released, r) })
	storeEntries(t, s, 1, 100, 100)
	s.Pin("pipe/a", 21)
	s.Pin("pipe/b", 61)
	if err := s.DeleteRange(1, 40); err != nil {
		t.Fatal(err)
	}
	if len(released) != 0 || firstIndex(t, s) != 21 || s.PinnedBytes() != 2000 {
		t.Fatalf("under the limit: released %v, first %d, pinned %d; want nothing released, first 21, 2000 bytes",
			released, firstIndex(t, s), s.PinnedBytes())
	}
	if err := s.DeleteRange(21, 95); err != nil {
		t.Fatal(err)
	}
	if len(released) != 1 || released[0].Owner != "pipe/a" || released[0].Index != 21 || released[0].Bytes != 7500 {
		t.Fatalf("released %+v, want pipe/a at 21 holding 7500 bytes", released)
	}
	if got := s.Releases(); got != 1 {
		t.Fatalf("releases %d, want 1", got)
	}
	if got := firstIndex(t, s); got != 61 {
		t.Fatalf("first index %d, want pipe/b's pin 61", got)
	}
	if got := s.PinnedBytes(); got != 3500 || s.LowestPin() != 61 {
		t.Fatalf("pinned bytes %d, lowest pin %d; want 3500 and 61", got, s.LowestPin())
	}
	// The released owner pinning again below the log start holds nothing
	// more than what is still stored.
	s.Pin("pipe/a", 21)
	if got := s.PinnedBytes(); got != 3500 {
		t.Fatalf("pinned bytes %d with a pin below the log start, want 3500", got)
	}
}

// Sizes survive a reopen and follow a suffix overwritten by a new leader.
func TestPinnedLogStoreSizes(t *testing.T) {
	mem := raft.NewInmemStore()
	storeEntries(t, mem, 1, 10, 10)
	s := NewPinnedLogStore(mem)
	storeEntries(t, s, 8, 12, 30) // 8..10 overwritten, 11..12 appended
	s.Pin("pipe/a", 1)
	if err := s.DeleteRange(1, 12); err != nil {
		t.Fatal(err)
	}
	if got := s.PinnedBytes(); got != 7*10+5*30 {
		t.Fatalf("pinned bytes %d, want 220", got)
	}
}

// A follower clearing a log suffix that conflicts with its new leader's
// deletes it whatever the pins: those entries were never committed, and
// a stale tail would survive behind the leader's shorter one.
func TestPinnedLogStoreClearsConflictingSuffix(t *testing.T) {
	s := NewPinnedLogStore(raft.NewInmemStore())
	storeEntries(t, s, 1, 10, 10)
	s.Pin("pipe/a", 3)
	s.Pin("pipe/b", 9)
	if err := s.DeleteRange(8, 10); err != nil {
		t.Fatal(err)
	}
	if last, err := s.LastIndex(); err != nil || last != 7 {
		t.Fatalf("last index %d (%v) after clearing 8..10, want 7", last, err)
	}
	if first := firstIndex(t, s); first != 1 {
		t.Fatalf("first index %d, want 1: clearing a suffix compacts nothing", first)
	}
	// The sizes follow: compaction up to 7 keeps 3..7 for the pin at 3.
	if err := s.DeleteRange(1, 7); err != nil {
		t.Fatal(err)
	}
	if got := s.PinnedBytes(); got != 5*10 {
		t.Fatalf("pinned bytes %d, want 50 (entries 3..7)", got)
	}
}

// A compaction keeps the last entries of the log as far as both bounds
// allow, entries and bytes, and those after Raft's snapshot regardless.
func TestPinnedLogStoreTrailing(t *testing.T) {
	for _, tc := range []struct {
		name           string
		entries, bytes uint64
		wantFirst      uint64
	}{
		{"none", 0, 0, 91},
		{"after the snapshot", 5, 1 << 20, 91},
		{"by entries", 15, 1 << 20, 86},
		{"by bytes", 50, 1450, 87},
		{"entry larger than the bound", 5, 99, 91},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewPinnedLogStore(raft.NewInmemStore())
			storeEntries(t, s, 1, 100, 100)
			s.SetTrailing(tc.entries, tc.bytes)
			// Raft asks up to its snapshot, 90; entries after it stay.
			if err := s.DeleteRange(1, 90); err != nil {
				t.Fatal(err)
			}
			if got := firstIndex(t, s); got != tc.wantFirst {
				t.Fatalf("first index = %d, want %d", got, tc.wantFirst)
			}
		})
	}
	t.Run("pins below the trailing entries", func(t *testing.T) {
		s := NewPinnedLogStore(raft.NewInmemStore())
		storeEntries(t, s, 1, 100, 100)
		s.SetTrailing(20, 1<<20)
		s.Pin("pipe/a", 50)
		if err := s.DeleteRange(1, 100); err != nil {
			t.Fatal(err)
		}
		if got := firstIndex(t, s); got != 50 {
			t.Fatalf("first index = %d, want the pin, 50", got)
		}
		if got := s.PinnedBytes(); got != 31*100 {
			t.Fatalf("pinned bytes = %d, want the 31 entries below the trailing ones", got)
		}
	})
}

// monotonicStore is an in-memory store that, as raft-wal, takes only
// contiguous entries.
type monotonicStore struct{ *raft.InmemStore }

func (monotonicStore) IsMonotonic() bool { return true }

// Entries that do not follow the log (after a snapshot installed from the
// leader) clear what the log kept, releasing the pins on it.
func TestPinnedLogStoreClearsLogBeforeGap(t *testing.T) {
	var released []PinRelease
	s := NewPinnedLogStore(monotonicStore{raft.NewInmemStore()})
	s.SetLimit(0, func(r PinRelease) { released = append(released, r) })
	s.SetTrailing(2, 1<<20)
	storeEntries(t, s, 1, 10, 100)
	s.Pin("pipe/a", 5)
	if err := s.DeleteRange(1, 10); err != nil { // Raft's removeOldLogs
		t.Fatal(err)
	}
	storeEntries(t, s, 20, 21, 100)
	if got := firstIndex(t, s); got != 20 {
		t.Fatalf("first index = %d, want 20", got)
	}
	if len(released) != 1 || released[0].Owner != "pipe/a" || released[0].Index != 5 {
		t.Fatalf("released %+v, want pipe/a at 5", released)
	}
	if s.LowestPin() != 0 {
		t.Fatal("pin kept")
	}
	// Contiguous entries and overwrites of a suffix clear nothing.
	storeEntries(t, s, 22, 22, 100)
	storeEntries(t, s, 21, 21, 100)
	if got := firstIndex(t, s); got != 20 {
		t.Fatalf("first index = %d, want 20", got)
	}
}

// walPinned is a PinnedLogStore over a real raft-wal store, which takes
// no overwrite and no gap, told of a snapshot at snapshot.
func walPinned(t *testing.T, snapshot uint64) *PinnedLogStore {
	t.Helper()
	w := openTestWAL(t, t.TempDir())
	t.Cleanup(func() { w.Close() })
	s := NewPinnedLogStore(w)
	s.SetSnapshotIndex(snapshot)
	return s
}

// storeTerm appends entries from..to of term.
func storeTerm(t *testing.T, s raft.LogStore, from, to, term uint64) {
	t.Helper()
	var logs []*raft.Log
	for i := from; i <= to; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: term, Type: raft.LogCommand, Data: []byte("x")})
	}
	if err := s.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
}

// A follower that installed snapshot 50, its log cleared, then got 51..55
// from a leader that died before committing them, clears the conflicting
// suffix from its first entry, whatever the trailing bounds and pins, and
// takes the new leader's 51.
func TestPinnedWALConflictAtFirstIndex(t *testing.T) {
	s := walPinned(t, 50)
	var released []PinRelease
	s.SetLimit(0, func(r PinRelease) { released = append(released, r) })
	s.SetTrailing(1024, 1<<20)
	storeTerm(t, s, 51, 55, 2)
	s.Pin("pipe/a", 53)
	if err := s.DeleteRange(51, 55); err != nil { // appendEntries' conflict
		t.Fatal(err)
	}
	storeTerm(t, s, 51, 52, 3)
	var l raft.Log
	if err := s.GetLog(51, &l); err != nil || l.Term != 3 {
		t.Fatalf("entry 51: term %d (%v), want the new leader's 3", l.Term, err)
	}
	if last, err := s.LastIndex(); err != nil || last != 52 {
		t.Fatalf("last index %d (%v), want 52", last, err)
	}
	if len(released) != 1 || released[0].Owner != "pipe/a" || released[0].Index != 53 {
		t.Fatalf("released %+v, want pipe/a at 53", released)
	}
}

// Raft clearing the log after installing snapshot 98 while the follower
// held 1..100 (96..100 of a stale term) leaves no entry at or after 98,
// whatever the trailing bounds and pins below it.
func TestPinnedWALClearAfterInstall(t *testing.T) {
	s := walPinned(t, 0)
	s.SetTrailing(1024, 1<<20)
	storeTerm(t, s, 1, 95, 1)
	storeTerm(t, s, 96, 100, 2)
	s.Pin("pipe/a", 40)
	// The installed snapshot's sink closed, then Raft's removeOldLogs.
	s.SetSnapshotIndex(98)
	if err := s.DeleteRange(1, 100); err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint64{40, 98, 100} {
		var l raft.Log
		if err := s.GetLog(i, &l); err == nil {
			t.Fatalf("entry %d (term %d) kept after the log was cleared for snapshot 98", i, l.Term)
		}
	}
	if s.LowestPin() != 0 {
		t.Fatalf("pin at %d kept on a cleared log", s.LowestPin())
	}
	storeTerm(t, s, 99, 101, 3)
	if first := firstIndex(t, s); first != 99 {
		t.Fatalf("first index %d, want 99", first)
	}
}

// A compaction up to the snapshot still keeps the trailing entries and
// the pinned ones on a raft-wal store.
func TestPinnedWALCompactionKeepsTrailingAndPins(t *testing.T) {
	s := walPinned(t, 90)
	s.SetTrailing(15, 1<<20)
	storeTerm(t, s, 1, 100, 1)
	if err := s.DeleteRange(1, 80); err != nil {
		t.Fatal(err)
	}
	if first := firstIndex(t, s); first != 81 {
		t.Fatalf("first index %d after compacting to 80 with 15 trailing entries of 100, want 81 (below the trailing 86)", first)
	}
	s.Pin("pipe/a", 83)
	if err := s.DeleteRange(81, 90); err != nil {
		t.Fatal(err)
	}
	if first := firstIndex(t, s); first != 83 {
		t.Fatalf("first index %d, want the pin 83", first)
	}
	if s.LowestPin() != 83 {
		t.Fatalf("lowest pin %d, want 83", s.LowestPin())
	}
	storeTerm(t, s, 101, 101, 1)
}

// The group's snapshot store tells the log store a snapshot's index once
// its sink closed, not before nor when cancelled.
func TestSnapshotIndexerRecordsClosedSnapshots(t *testing.T) {
	logs := NewPinnedLogStore(raft.NewInmemStore())
	snaps := snapshotIndexer{SnapshotStore: raft.NewInmemSnapshotStore(), logs: logs}
	create := func(index uint64) raft.SnapshotSink {
		sink, err := snaps.Create(raft.SnapshotVersionMax, index, 1, raft.Configuration{}, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sink
	}
	sink := create(40)
	if logs.snapshotKnown {
		t.Fatal("snapshot index recorded before the sink closed")
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if err := create(70).Cancel(); err != nil {
		t.Fatal(err)
	}
	if !logs.snapshotKnown || logs.snapshot != 40 {
		t.Fatalf("snapshot index %d (known %v), want 40", logs.snapshot, logs.snapshotKnown)
	}
}
