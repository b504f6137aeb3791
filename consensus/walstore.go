package consensus

import (
	"fmt"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// walStore is raft-wal (v0.4.0) with two repairs:
//
//   - WAL.Close leaves its metadata database (a bolt file) open and locked,
//     so a replica closed and reopened in the same process would wait for
//     the lock forever. The store owns that database and closes it.
//   - An append that fills a segment seals it and leaves the switch to a
//     new segment to a goroutine, which the next append waits for but a
//     truncation does not: a truncation of the whole log in between leaves
//     the WAL unable to append, and unable to open again ("unsealed segment
//     is not at tail"). Appends and truncations are ordered here, and a
//     truncation first waits for the switch through an append that cannot
//     follow the log, which waits for it and then fails without writing.
type walStore struct {
	*raftwal.WAL
	meta *metadb.BoltMetaDB

	// mu orders appends and truncations, so that no append seals a
	// segment between a truncation's wait and the truncation.
	mu sync.Mutex
}

func openWAL(dir string, segmentBytes int, logger hclog.Logger) (*walStore, error) {
	meta := &metadb.BoltMetaDB{}
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
		meta.Close()
		return nil, fmt.Errorf("open raft log %s: %w", dir, err)
	}
	return &walStore{WAL: w, meta: meta}, nil
}

// StoreLog implements raft.LogStore.
func (s *walStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// StoreLogs implements raft.LogStore.
func (s *walStore) StoreLogs(logs []*raft.Log) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.WAL.StoreLogs(logs)
}

// DeleteRange implements raft.LogStore once any segment switch an earlier
// append started is done.
func (s *walStore) DeleteRange(min, max uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, err := s.WAL.LastIndex(); err == nil && last > 0 {
		// Index 0 never follows a non-empty log: the append waits for the
		// switch, then refuses the entry.
		_ = s.WAL.StoreLogs([]*raft.Log{{Index: 0}})
	}
	return s.WAL.DeleteRange(min, max)
}

// Close closes the WAL, then its metadata database.
func (s *walStore) Close() error {
	err := s.WAL.Close()
	if e := s.meta.Close(); e != nil && err == nil {
		err = e
	}
	return err
}
