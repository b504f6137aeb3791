package consensus

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// SnapshotMarker is the first byte of every snapshot a StreamingFSM
// persists. A stored snapshot starting with any other byte is a data stream
// the replica received from a leader and is sent on as it is.
const SnapshotMarker byte = 'M'

// maxMarkerBytes bounds what the store reads of a marker.
const maxMarkerBytes = 1 << 20

// StreamingFSM is a state machine whose state lives in its own durable
// storage, so that its local snapshots are only markers (an index up to which
// the storage is durable) and cheap to take. A marker cannot bring up a
// replica that lacks the data, so when Raft sends a snapshot to a follower,
// the group sends OpenSnapshot's data stream in place of the marker.
//
// Contract:
//   - Snapshot persists a marker whose first byte is SnapshotMarker.
//   - OpenSnapshot, given a marker, captures the current state and returns
//     it as a self-describing stream of exactly size bytes, whose first byte
//     is not SnapshotMarker. It may be called concurrently with Apply. The
//     state may be past the marker's index; a follower restoring it is then
//     given the entries after the snapshot's index again, and must skip
//     those the stream already holds (the stream carries its index).
//   - Restore accepts both forms: a data stream (received from a leader) and
//     a marker of its own (on start, when the group opens the latest local
//     snapshot as stored rather than exporting the state just to find it
//     present). It returns an error rather than panic on anything else.
type StreamingFSM interface {
	raft.FSM
	OpenSnapshot(marker io.Reader) (size int64, rc io.ReadCloser, err error)
}

// streamingSnapshots is the raft.SnapshotStore of a StreamingFSM's group: a
// file store whose Open turns markers into data streams. Create and List
// are the file store's: what Raft writes through Create (a local marker, or
// a data stream received with InstallSnapshot) is stored as written.
type streamingSnapshots struct {
	*raft.FileSnapshotStore
	fsm StreamingFSM

	// starting is set while raft.NewRaft runs: it opens the latest snapshot
	// only to Restore it locally, where the marker itself suffices.
	// Replication, the only reader that sends, starts after an election,
	// so after NewRaft has returned.
	starting atomic.Bool
}

func newStreamingSnapshots(files *raft.FileSnapshotStore, fsm StreamingFSM) *streamingSnapshots {
	return &streamingSnapshots{FileSnapshotStore: files, fsm: fsm}
}

// Open implements raft.SnapshotStore. A marker is replaced by the FSM's
// data stream, with the meta's Size set to the stream's (Raft sends exactly
// Size bytes); any other snapshot is returned as stored.
func (s *streamingSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	meta, rc, err := s.FileSnapshotStore.Open(id)
	if err != nil || s.starting.Load() {
		return meta, rc, err
	}
	br := bufio.NewReader(rc)
	first, err := br.Peek(1)
	if err != nil || first[0] != SnapshotMarker {
		// Empty, unreadable or a received stream: Restore judges it.
		return meta, readCloser{br, rc}, nil
	}
	marker, err := io.ReadAll(io.LimitReader(br, maxMarkerBytes))
	rc.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read snapshot marker %s: %w", id, err)
	}
	size, stream, err := s.fsm.OpenSnapshot(bytes.NewReader(marker))
	if err != nil {
		return nil, nil, fmt.Errorf("open snapshot %s: %w", id, err)
	}
	m := *meta
	m.Size = size
	return &m, stream, nil
}

// readCloser reads through a buffer and closes the underlying file.
type readCloser struct {
	io.Reader
	io.Closer
}
