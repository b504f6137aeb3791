package consensus

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// editWALMeta rewrites the segment list of the closed WAL in dir, as a
// crash or an older raft-wal would have left it.
func editWALMeta(t *testing.T, dir string, edit func(*types.PersistentState)) {
	t.Helper()
	meta := &metadb.BoltMetaDB{}
	defer meta.Close()
	st, err := meta.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	edit(&st)
	if err := meta.CommitState(st); err != nil {
		t.Fatal(err)
	}
}

// unrecordSeal makes the last sealed segment the tail again and forgets
// the segment after it: the state of a WAL whose tail segment file was
// sealed (its index written) when the process died, before the switch to
// the next segment was recorded.
func unrecordSeal(st *types.PersistentState) {
	st.Segments = st.Segments[:len(st.Segments)-1]
	tail := &st.Segments[len(st.Segments)-1]
	tail.SealTime, tail.MaxIndex, tail.IndexStart = time.Time{}, 0, 0
}

func openTestStore(t *testing.T, dir string) *walStore {
	t.Helper()
	w, err := openWAL(dir, walTestSegment, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// A tail segment whose file is sealed while the metadata still appends to
// it (the append that filled it, or a suffix truncation, killed before the
// segment switch was recorded; or a Close that raced the switch) is rebuilt
// on open: the log keeps its entries and appends again. raft-wal alone
// reopens it sealed and refuses every append.
func TestWALRepairsUnrecordedSeal(t *testing.T) {
	b := walLayout(t, 45)
	t.Run("full segment", func(t *testing.T) {
		dir := t.TempDir()
		w := openTestStore(t, dir)
		last := b[3] - 1 // fills its segment
		appendTerm(t, w, 1, last, 1)
		if err := w.DeleteRange(last+1, last+1); err != nil { // waits for the switch
			t.Fatal(err)
		}
		closeWAL(t, w)
		editWALMeta(t, dir, unrecordSeal)

		reopensAndAppends(t, dir, last)
	})
	t.Run("suffix truncation", func(t *testing.T) {
		dir := t.TempDir()
		w := openTestStore(t, dir)
		last, from := b[3]+4, b[3]+2
		appendTerm(t, w, 1, last, 1)
		if err := w.DeleteRange(from, last); err != nil {
			t.Fatal(err)
		}
		closeWAL(t, w)
		editWALMeta(t, dir, unrecordSeal)

		// The truncation is undone. The replica may then win an election
		// with the suffix and append after it.
		reopensAndAppends(t, dir, last)
	})
}

// reopensAndAppends checks that the closed WAL in dir, holding 1..last of
// term 1, reopens whole, appends three entries of term 2 and reopens with
// them.
func reopensAndAppends(t *testing.T, dir string, last uint64) {
	t.Helper()
	w := openTestStore(t, dir)
	checkLog(t, w, 1, last, func(uint64) uint64 { return 1 })
	appendTerm(t, w, last+1, last+3, 2)
	closeWAL(t, w)
	w = openTestStore(t, dir)
	defer closeWAL(t, w)
	checkLog(t, w, 1, last+3, func(i uint64) uint64 { return 1 + min(1, i/(last+1)) })
}

// v0040Truncate records, on the closed WAL in dir whose tail holds entries
// past keep, what raft-wal v0.4.0's tail truncation to keep did: the tail
// marked sealed with no index (IndexStart 0, the file untouched), and a new
// tail after keep.
func v0040Truncate(keep uint64) func(*types.PersistentState) {
	return func(st *types.PersistentState) {
		tail := &st.Segments[len(st.Segments)-1]
		tail.SealTime, tail.MaxIndex = time.Now(), keep
		st.Segments = append(st.Segments, types.SegmentInfo{
			ID: st.NextSegmentID, BaseIndex: keep + 1, MinIndex: keep + 1,
			Codec: tail.Codec, SizeLimit: tail.SizeLimit, CreateTime: time.Now(),
		})
		st.NextSegmentID++
	}
}

// appendRaw appends through raft-wal alone, without the repairs, as the
// old code went on after its truncation.
func appendRaw(t *testing.T, dir string, from, to, term uint64) {
	t.Helper()
	w, err := raftwal.Open(dir, raftwal.WithSegmentSize(walTestSegment))
	if err != nil {
		t.Fatal(err)
	}
	appendTerm(t, w, from, to, term)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A segment that raft-wal v0.4.0 recorded as sealed without its index (a
// follower's suffix truncation), which no read could use, is rebuilt from
// its frames on open: the entries it keeps read back, the ones after it
// too, whatever was appended or compacted since.
func TestWALRepairsSegmentWithoutIndex(t *testing.T) {
	b := walLayout(t, 45)
	last, keep := b[3]+4, b[3]+1 // the tail holds b[3]..last
	for _, tc := range []struct {
		name  string
		after func(t *testing.T, dir string) (first, last uint64)
	}{
		{"nothing after", func(*testing.T, string) (uint64, uint64) { return 1, keep }},
		{"new leader's entries after", func(t *testing.T, dir string) (uint64, uint64) {
			appendRaw(t, dir, keep+1, keep+20, 2)
			return 1, keep + 20
		}},
		{"compacted into", func(t *testing.T, dir string) (uint64, uint64) {
			appendRaw(t, dir, keep+1, keep+20, 2)
			w, err := raftwal.Open(dir, raftwal.WithSegmentSize(walTestSegment))
			if err != nil {
				t.Fatal(err)
			}
			if err := w.DeleteRange(1, b[3]); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			return b[3] + 1, keep + 20
		}},
		{"after a rebuild that died before it was recorded", func(t *testing.T, dir string) (uint64, uint64) {
			// The rebuilt segment's file, under the id the rebuild
			// takes, half written.
			meta := &metadb.BoltMetaDB{}
			st, err := meta.Load(dir)
			meta.Close()
			if err != nil {
				t.Fatal(err)
			}
			orphan := types.SegmentInfo{ID: st.NextSegmentID, BaseIndex: b[3]}
			if err := os.WriteFile(filepath.Join(dir, segment.FileName(orphan)), []byte("torn"), 0o644); err != nil {
				t.Fatal(err)
			}
			return 1, keep
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openTestStore(t, dir)
			appendTerm(t, w, 1, last, 1)
			closeWAL(t, w)
			editWALMeta(t, dir, v0040Truncate(keep))
			first, end := tc.after(t, dir)
			termOf := func(i uint64) uint64 { return 1 + min(1, i/(keep+1)) }

			w = openTestStore(t, dir)
			checkLog(t, w, first, end, termOf)
			appendTerm(t, w, end+1, end+1, 2)
			closeWAL(t, w)
			w = openTestStore(t, dir)
			defer closeWAL(t, w)
			checkLog(t, w, first, end+1, termOf)
		})
	}
}

// A log that cannot be read whole fails to open with an error naming its
// directory and the problem, rather than opening for Raft to panic on.
func TestWALUnreadableSegmentFailsOpen(t *testing.T) {
	b := walLayout(t, 45)
	for _, tc := range []struct {
		name string
		edit func(*types.PersistentState)
		want string
	}{
		{"sealed without index past its entries", v0040Truncate(b[3] + 9), "sealed without its index"},
		{"index beyond the file", func(st *types.PersistentState) { st.Segments[1].IndexStart = 1 << 30 }, "segment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openTestStore(t, dir)
			appendTerm(t, w, 1, b[3]+4, 1)
			closeWAL(t, w)
			editWALMeta(t, dir, tc.edit)
			_, err := openWAL(dir, walTestSegment, hclog.NewNullLogger())
			if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("open: %v, want an error naming %s and %q", err, filepath.Base(dir), tc.want)
			}
		})
	}
}

// A tail whose first append sealed it (an entry larger than a segment)
// and was torn before its commit frame holds no entry, yet raft-wal
// recovers it as sealed: it is replaced by an empty tail, and the log,
// which never acknowledged that entry, appends again.
func TestWALRepairsTornFirstSeal(t *testing.T) {
	dir := t.TempDir()
	w := openTestStore(t, dir)
	big := &raft.Log{Index: 1, Term: 1, Type: raft.LogCommand, Data: bytes.Repeat([]byte{'b'}, 3*walTestSegment)}
	if err := w.StoreLogs([]*raft.Log{big}); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteRange(2, 2); err != nil { // waits for the switch
		t.Fatal(err)
	}
	closeWAL(t, w)
	var name string
	editWALMeta(t, dir, func(st *types.PersistentState) {
		unrecordSeal(st)
		name = segment.FileName(st.Segments[len(st.Segments)-1])
	})
	// The append wrote one batch, entry, index and commit frames, past the
	// preallocated size: the commit frame is the file's last 8 bytes.
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err == nil {
		_, err = f.WriteAt(make([]byte, 8), fi.Size()-8)
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		t.Fatal(err)
	}

	w = openTestStore(t, dir)
	if last, err := w.LastIndex(); err != nil || last != 0 {
		t.Fatalf("last index %d (%v), want an empty log", last, err)
	}
	appendTerm(t, w, 1, 3, 2)
	closeWAL(t, w)
	w = openTestStore(t, dir)
	defer closeWAL(t, w)
	checkLog(t, w, 1, 3, func(uint64) uint64 { return 2 })
}
