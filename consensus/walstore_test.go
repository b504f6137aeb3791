package consensus

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/raft-wal/metadb"
)

// walTestSegment is the segment size of the suffix-truncation tests: a
// few of their entries (walTestEntry) fill one.
const (
	walTestSegment = 8 << 10
	walTestEntry   = 1000
)

// termEntry is entry i of term, its data naming both.
func termEntry(i, term uint64) *raft.Log {
	data := bytes.Repeat([]byte{'.'}, walTestEntry)
	copy(data, fmt.Sprintf("%d/%d", i, term))
	return &raft.Log{Index: i, Term: term, Type: raft.LogCommand, Data: data}
}

// appendTerm appends entries from..to of term, one append each, as a
// follower does.
func appendTerm(t *testing.T, s raft.LogStore, from, to, term uint64) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := s.StoreLogs([]*raft.Log{termEntry(i, term)}); err != nil {
			t.Fatalf("append %d of term %d: %v", i, term, err)
		}
	}
}

// checkLog reads back every entry of a log that must hold [first, last],
// entry i of term termOf(i).
func checkLog(t *testing.T, s raft.LogStore, first, last uint64, termOf func(uint64) uint64) {
	t.Helper()
	if got, err := s.FirstIndex(); err != nil || got != first {
		t.Fatalf("first index %d (%v), want %d", got, err, first)
	}
	if got, err := s.LastIndex(); err != nil || got != last {
		t.Fatalf("last index %d (%v), want %d", got, err, last)
	}
	for i := first; i <= last; i++ {
		var l raft.Log
		if err := s.GetLog(i, &l); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		want := termEntry(i, termOf(i))
		if l.Index != i || l.Term != want.Term || !bytes.Equal(l.Data, want.Data) {
			t.Fatalf("entry %d: index %d term %d data %.12q, want term %d data %.12q", i, l.Index, l.Term, l.Data, want.Term, want.Data)
		}
	}
}

// segmentBases lists the first index of each segment of the closed WAL
// in dir.
func segmentBases(t *testing.T, dir string) []uint64 {
	t.Helper()
	meta := &metadb.BoltMetaDB{}
	defer meta.Close()
	st, err := meta.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var bases []uint64
	for _, s := range st.Segments {
		bases = append(bases, s.BaseIndex)
	}
	return bases
}

// walLayout is where the segments of 1..n entries appended one at a time
// begin: the test store's boundaries, which depend only on the sizes.
func walLayout(t *testing.T, n uint64) []uint64 {
	t.Helper()
	dir := t.TempDir()
	w := openTestStore(t, dir)
	appendTerm(t, w, 1, n, 1)
	// The last append's segment switch, if it made one, is done once a
	// truncation of nothing returns.
	if err := w.DeleteRange(n+1, n+1); err != nil {
		t.Fatal(err)
	}
	closeWAL(t, w)
	bases := segmentBases(t, dir)
	if len(bases) < 5 || bases[len(bases)-1] >= n {
		t.Fatalf("%d entries make segments from %v, want at least 5 and a tail holding two", n, bases)
	}
	return bases
}

// A follower clearing a conflicting suffix, then taking its new leader's
// entries at the freed indexes, leaves a log that reopens whole: every kept
// entry and every new one, with its term. raft-wal v0.4.0 sealed the tail
// segment without its index on such a truncation, and the reopened log
// failed to read it ("sealed segment has no index block").
func TestWALSuffixTruncationReopens(t *testing.T) {
	const n = 45
	b := walLayout(t, n)
	for _, tc := range []struct {
		name string
		// appended is the last entry of term 1 before the truncation,
		// min the first entry it deletes.
		appended, min uint64
	}{
		{"inside the tail segment", n, b[len(b)-1] + 1},
		{"at the first entry of the tail segment", n, b[len(b)-1]},
		{"inside a sealed segment", n, b[1] + 2},
		{"at the first entry of a sealed segment", n, b[2]},
		{"all but the first entry", n, 2},
		// The append of b[3]-1 filled its segment; raft-wal switches to
		// the next one in the background.
		{"right after a segment switch", b[3] - 1, b[3] - 3},
		{"of the entry that filled a segment", b[3] - 1, b[3] - 1},
	} {
		for _, pinned := range []bool{false, true} {
			name := tc.name
			if pinned {
				name += " through PinnedLogStore"
			}
			t.Run(name, func(t *testing.T) {
				testWALSuffixTruncation(t, tc.appended, tc.min, pinned)
			})
		}
	}
}

func testWALSuffixTruncation(t *testing.T, appended, min uint64, pinned bool) {
	dir := t.TempDir()
	open := func() (raft.LogStore, func()) {
		t.Helper()
		w, err := openWAL(dir, walTestSegment, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		if !pinned {
			return w, func() { closeWAL(t, w) }
		}
		// As a group opens it: Raft's snapshot is known, here none.
		s := NewPinnedLogStore(w)
		s.SetSnapshotIndex(0)
		return s, func() { closeWAL(t, w) }
	}
	s, closeStore := open()
	appendTerm(t, s, 1, appended, 1)
	if err := s.DeleteRange(min, appended); err != nil { // appendEntries' conflict
		t.Fatal(err)
	}
	// The new leader's entries from min on, past the old end and into new
	// segments.
	last := appended + 12
	appendTerm(t, s, min, last, 2)
	termOf := func(i uint64) uint64 {
		if i < min {
			return 1
		}
		return 2
	}
	checkLog(t, s, 1, last, termOf)
	closeStore()

	s, closeStore = open()
	checkLog(t, s, 1, last, termOf)
	appendTerm(t, s, last+1, last+1, 2)
	closeStore()

	s, closeStore = open()
	defer closeStore()
	checkLog(t, s, 1, last+1, termOf)
}

func closeWAL(t *testing.T, w *walStore) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
