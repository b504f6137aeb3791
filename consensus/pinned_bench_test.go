package consensus

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// BenchmarkOpenPinnedLogStore measures what opening a region costs for
// reading the sizes of the entries its log holds: 20,000 entries of 1 KiB
// (20 MiB) in the Raft log database.
func BenchmarkOpenPinnedLogStore(b *testing.B) {
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(b.TempDir(), "raft.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	const entries, size = 20000, 1024
	data := bytes.Repeat([]byte{'x'}, size)
	for from := uint64(1); from <= entries; from += 1000 {
		var logs []*raft.Log
		for i := from; i < from+1000; i++ {
			logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: data})
		}
		if err := store.StoreLogs(logs); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(entries * size)
	b.ResetTimer()
	for b.Loop() {
		s := NewPinnedLogStore(store)
		s.Pin("p", 1)
		s.mu.Lock()
		s.wanted = entries
		s.mu.Unlock()
		if got := s.PinnedBytes(); got != entries*size {
			b.Fatalf("pinned bytes %d, want %d", got, entries*size)
		}
	}
}
