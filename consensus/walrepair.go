package consensus

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// repairWAL rebuilds, before raft-wal opens the WAL in dir, the segments
// in the two states raft-wal opens without being able to use:
//
//   - Recorded as sealed with no index (IndexStart 0): raft-wal v0.4.0
//     recorded a tail truncation (a follower dropping a conflicting
//     suffix) that way without writing the index, and every read of the
//     segment fails. The recorded MaxIndex says what it keeps.
//   - The tail, whose file is sealed (its index and commit written) while
//     the metadata still appends to it: the append that filled it, or a
//     tail truncation, wrote the index, and the process died, or the WAL
//     was closed, before the switch to a new segment was recorded.
//     raft-wal recovers the file as sealed and refuses every append. It
//     keeps every entry committed in the file.
//
// A segment is rebuilt by copying the entries it keeps, as stored, into a
// new segment file, sealed and synced, and read back whole before one
// metadata commit puts it in place of the old one (and, for the tail,
// records an empty tail after it). A crash before that commit leaves the
// old state and an unrecorded file, which the next try replaces; after
// it, the old file is the unrecorded one, and raft-wal's Open deletes it.
func repairWAL(dir string, meta *metadb.BoltMetaDB, logger hclog.Logger) error {
	st, err := meta.Load(dir)
	if err != nil {
		return err
	}
	files := segment.NewFiler(dir, fs.New())
	for i := 0; i < len(st.Segments); i++ {
		si := st.Segments[i]
		tail := si.SealTime.IsZero()
		// An unsealed segment before the last is raft-wal's to refuse.
		if tail && i < len(st.Segments)-1 || !tail && si.IndexStart != 0 {
			continue
		}
		src, err := files.RecoverTail(si)
		if tail && errors.Is(err, os.ErrNotExist) {
			continue // recorded, not yet created: raft-wal creates it
		}
		if err != nil {
			return fmt.Errorf("recover segment %s: %w", segment.FileName(si), err)
		}
		next, err := rebuildSegment(files, dir, st, i, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("rebuild segment %s: %w", segment.FileName(si), err)
		}
		if next == nil {
			continue
		}
		if err := meta.CommitState(*next); err != nil {
			return fmt.Errorf("record rebuilt segment %s: %w", segment.FileName(si), err)
		}
		logger.Warn("rebuilt raft log segment", "segment", segment.FileName(si), "sealed_without_index", !tail, "kept_to", next.Segments[i].MaxIndex)
		st = *next
	}
	return nil
}

// rebuildSegment rebuilds segment i of st, whose file src holds, if it
// needs it, and returns the state that records it; nil if it needs none.
func rebuildSegment(files *segment.Filer, dir string, st types.PersistentState, i int, src types.SegmentWriter) (*types.PersistentState, error) {
	si := st.Segments[i]
	tail := si.SealTime.IsZero()
	last := si.MaxIndex
	if tail {
		if sealed, _, err := src.Sealed(); err != nil || !sealed {
			return nil, err
		}
		last = src.LastIndex()
	} else if src.LastIndex() < last || last < si.MinIndex {
		return nil, fmt.Errorf("sealed without its index, and its entries [%d, %d] are not all in the file (it holds up to %d): the log cannot be read", si.MinIndex, last, src.LastIndex())
	}

	next := types.PersistentState{NextSegmentID: st.NextSegmentID, Segments: append([]types.SegmentInfo(nil), st.Segments[:i]...)}
	newSegment := func(base uint64) types.SegmentInfo {
		s := types.SegmentInfo{ID: next.NextSegmentID, BaseIndex: base, MinIndex: base, Codec: si.Codec, SizeLimit: si.SizeLimit, CreateTime: time.Now()}
		next.NextSegmentID++
		return s
	}
	if last < si.MinIndex {
		// A sealed tail with no entry committed: an empty tail in its place.
		next.Segments = append(next.Segments, newSegment(si.MinIndex))
		return &next, nil
	}
	rebuilt, err := copySegment(files, dir, newSegment(si.MinIndex), src, last)
	if err != nil {
		return nil, err
	}
	next.Segments = append(next.Segments, rebuilt)
	next.Segments = append(next.Segments, st.Segments[i+1:]...)
	if tail {
		next.Segments = append(next.Segments, newSegment(last+1))
	}
	return &next, nil
}

// copySegment writes entries info.BaseIndex..last of src to a new segment
// file info describes, seals it, and reads it back. It returns info as
// sealed.
func copySegment(files *segment.Filer, dir string, info types.SegmentInfo, src types.SegmentReader, last uint64) (types.SegmentInfo, error) {
	// A file of this id can only be left from an earlier try that died
	// before recording it: ids are recorded before raft-wal creates files.
	if err := os.Remove(filepath.Join(dir, segment.FileName(info))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return info, err
	}
	entries := make([]types.LogEntry, 0, last-info.BaseIndex+1)
	for idx := info.BaseIndex; idx <= last; idx++ {
		buf, err := src.GetLog(idx)
		if err != nil {
			return info, fmt.Errorf("read entry %d: %w", idx, err)
		}
		entries = append(entries, types.LogEntry{Index: idx, Data: bytes.Clone(buf.Bs)})
		buf.Close()
	}
	w, err := files.Create(info)
	if err != nil {
		return info, err
	}
	defer w.Close()
	// One append: raft-wal seals a segment on the append that fills it,
	// and would take no further one.
	if err := w.Append(entries); err != nil {
		return info, fmt.Errorf("write entries: %w", err)
	}
	indexStart, err := w.ForceSeal() // syncs the file, and dir the first time
	if err != nil {
		return info, fmt.Errorf("seal: %w", err)
	}
	info.IndexStart, info.MaxIndex, info.SealTime = indexStart, last, time.Now()

	r, err := files.Open(info)
	if err != nil {
		return info, err
	}
	defer r.Close()
	for _, e := range entries {
		buf, err := r.GetLog(e.Index)
		if err != nil {
			return info, fmt.Errorf("read back entry %d: %w", e.Index, err)
		}
		same := bytes.Equal(buf.Bs, e.Data)
		buf.Close()
		if !same {
			return info, fmt.Errorf("entry %d reads back changed", e.Index)
		}
	}
	return info, nil
}
