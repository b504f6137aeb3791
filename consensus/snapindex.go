package consensus

import "github.com/hashicorp/raft"

// snapshotIndexer is a raft.SnapshotStore that tells the group's log
// store the index of each snapshot once stored whole, local or installed
// from a leader, before Raft truncates the log for it.
type snapshotIndexer struct {
	raft.SnapshotStore
	logs *PinnedLogStore
}

// Create implements raft.SnapshotStore.
func (s snapshotIndexer) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	sink, err := s.SnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	if err != nil {
		return nil, err
	}
	return &indexedSink{SnapshotSink: sink, index: index, logs: s.logs}, nil
}

// indexedSink records its snapshot's index once closed successfully.
type indexedSink struct {
	raft.SnapshotSink
	index uint64
	logs  *PinnedLogStore
}

// Close implements raft.SnapshotSink.
func (k *indexedSink) Close() error {
	if err := k.SnapshotSink.Close(); err != nil {
		return err
	}
	k.logs.SetSnapshotIndex(k.index)
	return nil
}
