package consensus

import (
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/segment"
)

// walStore is raft-wal, opened after repairWAL and checked before Raft
// reads it.
//
// raft-wal v0.4.0, which data regions used first, sealed the tail segment
// without writing its index when a follower deleted a conflicting suffix
// (DeleteRange from past the first entry to the last): the process read on
// through the segment's writer, but on the next open every read of the
// segment failed ("sealed segment has no index block") and raft.NewRaft
// panicked. v0.4.2 (hashicorp/raft-wal#33) writes the index first; it also
// closes the metadata database on Close, and makes a truncation wait for a
// segment switch an append started, two defects this wrapper worked
// around. Its truncation is crash-safe: the index is synced before the
// metadata commit records the seal, and the new tail is created after it
// (a crash in between leaves a recorded tail with no file, which raft-wal
// creates on open). So the fix is the upgrade, not a truncation of our own.
//
// What v0.4.2 still opens and cannot use is what repairWAL rebuilds: a
// segment v0.4.0 left sealed without an index, and a tail whose file is
// sealed while the metadata still appends to it, which v0.4.2 leaves
// whenever it dies (or closes) between writing a segment's index and
// recording the switch to the next one. Rebuilding that one segment, not
// the whole log in a new directory swapped in on every suffix truncation
// (the other fix considered), costs nothing on the truncation path, and
// commits with one metadata transaction, as raft-wal's own changes do.
type walStore struct {
	*raftwal.WAL

	// mu orders appends and truncations. raft-wal's truncation waits once
	// for a pending segment switch, with the WAL unlocked; an append let
	// in meanwhile (Raft compacts on its snapshot goroutine, appends on
	// its main one) could fill the next segment and start another, and a
	// truncation of the whole log then would leave the WAL unable to
	// append, or to open again ("unsealed segment is not at tail").
	mu sync.Mutex
}

func openWAL(dir string, segmentBytes int, logger hclog.Logger) (*walStore, error) {
	meta := &metadb.BoltMetaDB{}
	if err := repairWAL(dir, meta, logger); err != nil {
		meta.Close()
		return nil, fmt.Errorf("open raft log %s: %w", dir, err)
	}
	w, err := raftwal.Open(dir, raftwal.WithSegmentSize(segmentBytes), raftwal.WithMetaStore(meta), raftwal.WithLogger(logger))
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("open raft log %s: %w", dir, err)
	}
	// raft-wal syncs dir on the first sync of a segment it created, never
	// for one it reopens: a tail segment an earlier Open created (a spare's,
	// or after a restart found the last segment sealed or the log truncated
	// whole) and closed before any append could vanish in a crash, with the
	// entries appended to it since.
	if err := SyncDir(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("open raft log %s: %w", dir, err)
	}
	if err := checkSegments(w, meta, dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("open raft log %s: %w", dir, err)
	}
	return &walStore{WAL: w}, nil
}

// StoreLog implements raft.LogStore.
func (s *walStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// StoreLogs implements raft.LogStore.
func (s *walStore) StoreLogs(logs []*raft.Log) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.WAL.StoreLogs(logs)
}

// DeleteRange implements raft.LogStore.
func (s *walStore) DeleteRange(min, max uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.WAL.DeleteRange(min, max)
}

// checkSegments reads the first and last entry of every sealed segment of
// the WAL opened in dir: a segment whose index is unusable fails the open
// here, where Raft would panic on the first entry it could not read.
func checkSegments(w *raftwal.WAL, meta *metadb.BoltMetaDB, dir string) error {
	st, err := meta.Load(dir)
	if err != nil {
		return err
	}
	for _, si := range st.Segments {
		if si.SealTime.IsZero() {
			continue
		}
		for _, idx := range []uint64{si.MinIndex, si.MaxIndex} {
			var l raft.Log
			if err := w.GetLog(idx, &l); err != nil {
				return fmt.Errorf("segment %s: entry %d: %w", segment.FileName(si), idx, err)
			}
			if l.Index != idx {
				return fmt.Errorf("segment %s: entry %d reads as entry %d", segment.FileName(si), idx, l.Index)
			}
		}
	}
	return nil
}
