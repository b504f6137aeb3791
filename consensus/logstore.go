package consensus

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// LogStore names the store that holds a replica's Raft log and stable
// state (term, vote).
type LogStore string

const (
	// LogStoreBolt is raft-boltdb: one B+tree file, raft.db. Truncation
	// frees pages inside the file for reuse but never shrinks it, so the
	// file stays at the largest log it ever held. It suits a group of small
	// entries, such as the ConfigNode's.
	LogStoreBolt LogStore = "boltdb"
	// LogStoreWAL is raft-wal: append-only segment files under wal/, each
	// deleted once truncation has passed it, with term and vote in a small
	// bolt file beside them. It suits data regions, whose entries are large
	// and whose log is truncated at every snapshot.
	LogStoreWAL LogStore = "wal"
)

// Files that tell which store a replica's directory already holds.
const (
	boltFile = "raft.db"
	walDir   = "wal"
)

// DefaultSegmentBytes is the size of a raft-wal segment unless the group
// says otherwise. A segment is allocated whole when it is created, and the
// one being written is never deleted, so it is a floor under the log's
// footprint; an entry larger than a segment still fits (the segment then
// holds that entry alone).
const DefaultSegmentBytes = 4 << 20

// logStore is what a group needs of its store: the log, the stable state,
// and a Close.
type logStore interface {
	raft.LogStore
	raft.StableStore
	io.Closer
}

// openLogStore opens the store in dir. A directory that already holds a
// store keeps it, whatever kind asks for: replacing it would lose the
// acknowledged entries and the vote it holds. A directory with none gets
// kind's. It returns the kind opened.
func openLogStore(dir string, kind LogStore, segmentBytes int, logger hclog.Logger) (logStore, LogStore, error) {
	switch kind {
	case "", LogStoreBolt, LogStoreWAL:
	default:
		return nil, "", fmt.Errorf("unknown log store %q (want %q or %q)", kind, LogStoreBolt, LogStoreWAL)
	}
	if kind == "" {
		kind = LogStoreBolt
	}
	hasBolt, err := exists(filepath.Join(dir, boltFile))
	if err != nil {
		return nil, "", err
	}
	hasWAL, err := exists(filepath.Join(dir, walDir))
	if err != nil {
		return nil, "", err
	}
	switch {
	case hasBolt && hasWAL:
		return nil, "", fmt.Errorf("raft dir %s holds both %s and %s/: remove the one that is not in use", dir, boltFile, walDir)
	case hasBolt:
		kind = LogStoreBolt
	case hasWAL:
		kind = LogStoreWAL
	}
	if kind == LogStoreBolt {
		s, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(dir, boltFile)})
		if err != nil {
			return nil, "", fmt.Errorf("open raft log %s: %w", dir, err)
		}
		return s, kind, nil
	}
	path := filepath.Join(dir, walDir)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, "", fmt.Errorf("create raft log dir: %w", err)
	}
	if segmentBytes <= 0 {
		segmentBytes = DefaultSegmentBytes
	}
	w, err := openWAL(path, segmentBytes, logger.Named("wal"))
	if err != nil {
		return nil, "", err
	}
	return w, kind, nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("inspect raft dir: %w", err)
}

// spareSegmentBytes is the first segment of a prepared store: small, as a
// spare waits on disk, and a region's first entries (configuration, a
// first insert) are small; the next segments have the group's size.
const spareSegmentBytes = 64 << 10

// PrepareLogStore creates an empty store of kind in dir, which must not
// exist, for Open to adopt once dir is renamed to a replica's directory.
// Creating a raft-wal store costs about ten syncs (metadata file, first
// segment, directories); a spare made ahead of time takes them off the
// path of the write that creates a region. The store is built under a
// temporary name and renamed, so dir either holds a whole store or does
// not exist.
func PrepareLogStore(dir string, kind LogStore) error {
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("prepare raft log: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("prepare raft log: %w", err)
	}
	s, _, err := openLogStore(tmp, kind, spareSegmentBytes, hclog.NewNullLogger())
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := s.Close(); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("prepare raft log: %w", err)
	}
	// raft-wal syncs neither a new segment file nor the directories it
	// creates: a crash after the rename could leave dir without them, and
	// the entries a region then acknowledges would go with them.
	if err := syncTree(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("prepare raft log: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("prepare raft log: %w", err)
	}
	return SyncDir(filepath.Dir(dir))
}

// syncTree makes root durable: the files under it, then each directory
// after what it holds.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.IsDir():
			dirs = append(dirs, path)
			return nil
		case !e.Type().IsRegular():
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("sync %s: %w", path, err)
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// WalkDir lists a directory before those in it.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := SyncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// SyncDir makes the entries of dir (files created, renamed or removed in
// it) durable.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
