package consensus

import (
	"sync"

	"github.com/hashicorp/raft"
)

// PinnedLogStore is a raft.LogStore that refuses to truncate entries a
// reader still needs. Raft compacts its log after each snapshot; a pipe that
// has not yet shipped an entry pins it, like a replication slot, and the
// truncation stops just below the lowest pin.
type PinnedLogStore struct {
	raft.LogStore

	mu   sync.Mutex
	pins map[string]uint64 // owner -> lowest index still needed
}

// NewPinnedLogStore wraps store.
func NewPinnedLogStore(store raft.LogStore) *PinnedLogStore {
	return &PinnedLogStore{LogStore: store, pins: make(map[string]uint64)}
}

// Pin keeps every entry at or above index for owner until Unpin or a
// higher Pin by the same owner.
func (s *PinnedLogStore) Pin(owner string, index uint64) {
	s.mu.Lock()
	s.pins[owner] = index
	s.mu.Unlock()
}

// Unpin releases owner's pin.
func (s *PinnedLogStore) Unpin(owner string) {
	s.mu.Lock()
	delete(s.pins, owner)
	s.mu.Unlock()
}

// Owners lists the current pin owners.
func (s *PinnedLogStore) Owners() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.pins))
	for o := range s.pins {
		out = append(out, o)
	}
	return out
}

// LowestPin returns the lowest pinned index, or 0 when nothing is pinned.
func (s *PinnedLogStore) LowestPin() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var low uint64
	for _, idx := range s.pins {
		if low == 0 || idx < low {
			low = idx
		}
	}
	return low
}

// DeleteRange deletes [min, max] but keeps pinned entries.
func (s *PinnedLogStore) DeleteRange(min, max uint64) error {
	if low := s.LowestPin(); low != 0 && max >= low {
		if low <= min {
			return nil
		}
		max = low - 1
	}
	return s.LogStore.DeleteRange(min, max)
}
