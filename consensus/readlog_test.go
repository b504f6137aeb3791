package consensus

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/hashicorp/raft"
)

// dataFSM keeps the index and data of the last entry it applied.
type dataFSM struct {
	listFSM
	index uint64
	last  []byte
}

func (f *dataFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	f.index, f.last = l.Index, l.Data
	f.mu.Unlock()
	return f.listFSM.Apply(l)
}

// TestReadLogServesRecentEntriesFromTheCache checks that a recent entry
// comes from the log cache, the very bytes Raft applied, rather than read
// and decoded again from the log store (a copy): the pipe's tail of the
// log must not cost a store read per entry.
func TestReadLogServesRecentEntriesFromTheCache(t *testing.T) {
	for _, kind := range []LogStore{LogStoreBolt, LogStoreWAL} {
		t.Run(string(kind), func(t *testing.T) { testReadLogServesRecentEntriesFromTheCache(t, kind) })
	}
}

func testReadLogServesRecentEntriesFromTheCache(t *testing.T, kind LogStore) {
	f := &dataFSM{}
	g := openGroupWith(t, t.TempDir(), f, kind)
	defer g.Close()
	res, err := g.Apply(context.Background(), []byte("entry"))
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	index, applied := f.index, f.last
	f.mu.Unlock()
	var l raft.Log
	if err := g.ReadLog(index, &l); err != nil {
		t.Fatalf("ReadLog(%d): %v", index, err)
	}
	if string(l.Data) != "entry" || res != 1 {
		t.Fatalf("ReadLog(%d) = %q, want the entry applied", index, l.Data)
	}
	if unsafe.SliceData(l.Data) != unsafe.SliceData(applied) {
		t.Fatal("ReadLog returned a copy of the entry: it was read from the log store, not the cache")
	}
	// Past the head, and in the store only, the store answers.
	if err := g.ReadLog(index+10, &l); !errors.Is(err, raft.ErrLogNotFound) {
		t.Fatalf("ReadLog past the head = %v, want raft.ErrLogNotFound", err)
	}
	if err := g.ReadLog(1, &l); err != nil || l.Index != 1 {
		t.Fatalf("ReadLog(1) = index %d, %v: want the bootstrap entry from the store", l.Index, err)
	}
}
