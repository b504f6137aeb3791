package consensus

import (
	"fmt"

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
// panicked. v0.4.2 (hashicorp/raft-wal#33) writes the index first, and
// orders truncations after a pending segment switch and closes the
// metadata database on Close, two defects this wrapper used to work
// around; it replaces v0.4.0. Its truncation is crash-safe: the index is
// synced before the metadata commit records the seal, and the new tail is
// created after it (a crash in between leaves a recorded tail with no
// file, which raft-wal creates on open).
//
// What v0.4.2 still opens and cannot use is what repairWAL rebuilds: a
// segment v0.4.0 left sealed without an index, and a tail whose file is
// sealed while the metadata still appends to it, which v0.4.2 leaves
// whenever it dies (or closes) between writing a segment's index and
// recording the switch to the next one. Rebuilding a segment rather than
// rebuilding the whole log in a new directory on every suffix truncation
// (the other fix considered) costs nothing on the truncation path, and
// the repair commits with one metadata transaction, as raft-wal does.
type walStore struct {
	*raftwal.WAL
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
