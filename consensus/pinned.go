package consensus

import (
	"sync"

	"github.com/hashicorp/raft"
)

// PinRelease is a pin the store let go of because the log it held grew
// past the limit.
type PinRelease struct {
	Owner string
	// Index is the pinned index; entries from there on may now be gone.
	Index uint64
	// Bytes is how much log the pins held beyond what Raft wanted to keep
	// when the store released it.
	Bytes uint64
}

// PinnedLogStore is a raft.LogStore that refuses to truncate entries a
// reader still needs. Raft compacts its log after each snapshot; a pipe that
// has not yet shipped an entry pins it, like a replication slot, and the
// truncation stops just below the lowest pin.
//
// Raft asks to truncate up to its snapshot; the store keeps the last
// entries of the log for slow followers, bounded in entries and in bytes
// (SetTrailing).
//
// A pin never fills the disk: when the entries kept only for pins (those
// Raft asked to delete) exceed the limit, the lowest pins are released
// until they fit, and the owner is told through the release hook.
type PinnedLogStore struct {
	raft.LogStore

	mu   sync.Mutex
	pins map[string]uint64 // owner -> lowest index still needed
	// limit bounds the bytes kept for pins; 0 means no bound.
	limit     uint64
	onRelease func(PinRelease)
	releases  uint64
	// sizes: cum[i] is the total payload bytes of entries base..base+i,
	// so that the bytes of any stored range are one subtraction.
	base uint64
	cum  []uint64
	// wanted is the highest index Raft asked to delete, less the
	// trailing entries.
	wanted uint64
	// trailEntries and trailBytes bound the entries a compaction keeps
	// below Raft's snapshot; both 0 (the default) keep none.
	trailEntries, trailBytes uint64
	// snapshot is the index of the latest snapshot stored, once
	// snapshotKnown (SetSnapshotIndex); see DeleteRange.
	snapshot      uint64
	snapshotKnown bool
}

// NewPinnedLogStore wraps store, reading the sizes of the entries it
// already holds.
func NewPinnedLogStore(store raft.LogStore) *PinnedLogStore {
	s := &PinnedLogStore{LogStore: store, pins: make(map[string]uint64)}
	first, err1 := store.FirstIndex()
	last, err2 := store.LastIndex()
	if err1 == nil && err2 == nil && first > 0 {
		for i := first; i <= last; i++ {
			var l raft.Log
			if store.GetLog(i, &l) != nil {
				s.cum, s.base = nil, i+1
				continue
			}
			s.addLocked(&l)
		}
	}
	return s
}

// SetLimit bounds the bytes kept for pins (0: unbounded) and sets the hook
// told of each pin released for it; the hook runs outside the store's
// lock, on Raft's compaction path, so it must not block.
func (s *PinnedLogStore) SetLimit(limit uint64, onRelease func(PinRelease)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.onRelease = limit, onRelease
}

// SetTrailing makes a compaction keep the last entries of the log, at most
// entries of them holding at most bytes of payload; Raft keeps those after
// its snapshot in any case. An entry larger than bytes is never kept for
// this.
func (s *PinnedLogStore) SetTrailing(entries, bytes uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trailEntries, s.trailBytes = entries, bytes
}

// SetSnapshotIndex tells the store the index of the latest snapshot
// stored whole, taken locally or installed from a leader. Raft compacts
// only up to its snapshot, so a deletion beyond it is not a compaction;
// see DeleteRange. A store never told keeps pins and trailing entries on
// any range starting at the first entry.
func (s *PinnedLogStore) SetSnapshotIndex(index uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshot, s.snapshotKnown = index, true
}

// trailStartLocked is the lowest index the trailing bounds keep; past the
// last entry when they keep none.
func (s *PinnedLogStore) trailStartLocked() uint64 {
	end := s.base + uint64(len(s.cum))
	start := end
	for start > s.base && end-start < s.trailEntries && s.bytesLocked(start-1, end-1) <= s.trailBytes {
		start--
	}
	return start
}

// IsMonotonic implements raft.MonotonicLogStore for a wrapped store that
// does: Raft then clears such a log after installing a snapshot.
func (s *PinnedLogStore) IsMonotonic() bool {
	m, ok := s.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

// Limit is the bound SetLimit set, 0 when none.
func (s *PinnedLogStore) Limit() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit
}

// Releases counts the pins released because of the limit.
func (s *PinnedLogStore) Releases() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.releases
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
	return s.lowestLocked()
}

func (s *PinnedLogStore) lowestLocked() uint64 {
	var low uint64
	for _, idx := range s.pins {
		if low == 0 || idx < low {
			low = idx
		}
	}
	return low
}

// PinnedBytes is the payload bytes of the entries kept only because of
// pins: those Raft asked to delete at or above the lowest pin.
func (s *PinnedLogStore) PinnedBytes() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pinnedLocked()
}

func (s *PinnedLogStore) pinnedLocked() uint64 {
	low := s.lowestLocked()
	if low == 0 || low > s.wanted {
		return 0
	}
	return s.bytesLocked(low, s.wanted)
}

// bytesLocked is the payload bytes of the stored entries in [lo, hi].
func (s *PinnedLogStore) bytesLocked(lo, hi uint64) uint64 {
	if len(s.cum) == 0 {
		return 0
	}
	lo = max(lo, s.base)
	hi = min(hi, s.base+uint64(len(s.cum))-1)
	if lo > hi {
		return 0
	}
	total := s.cum[hi-s.base]
	if lo > s.base {
		total -= s.cum[lo-1-s.base]
	}
	return total
}

// entryBytes is what an entry counts for: its payload.
func entryBytes(l *raft.Log) uint64 { return uint64(len(l.Data) + len(l.Extensions)) }

// addLocked records the size of l, appended (or overwriting a suffix).
func (s *PinnedLogStore) addLocked(l *raft.Log) {
	next := s.base + uint64(len(s.cum))
	switch {
	case len(s.cum) == 0 || l.Index < s.base || l.Index > next:
		s.base, s.cum = l.Index, s.cum[:0]
	case l.Index < next:
		s.cum = s.cum[:l.Index-s.base]
	}
	var prev uint64
	if n := len(s.cum); n > 0 {
		prev = s.cum[n-1]
	}
	s.cum = append(s.cum, prev+entryBytes(l))
}

// StoreLog stores one entry and records its size.
func (s *PinnedLogStore) StoreLog(l *raft.Log) error {
	return s.StoreLogs([]*raft.Log{l})
}

// StoreLogs stores entries and records their sizes. On a monotonic store,
// entries that do not follow the last one stored follow a snapshot
// installed from the leader: what the log still holds (kept for pins or
// trailing when Raft cleared it) is older than that snapshot and is
// deleted first, releasing the pins on it.
func (s *PinnedLogStore) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	if s.IsMonotonic() {
		if err := s.dropBefore(logs[0].Index); err != nil {
			return err
		}
	}
	if err := s.LogStore.StoreLogs(logs); err != nil {
		return err
	}
	s.mu.Lock()
	for _, l := range logs {
		s.addLocked(l)
	}
	s.mu.Unlock()
	return nil
}

// dropBefore deletes the whole log when next does not follow its last
// entry, telling the owners of the pins it held.
func (s *PinnedLogStore) dropBefore(next uint64) error {
	first, err := s.LogStore.FirstIndex()
	if err != nil {
		return err
	}
	last, err := s.LogStore.LastIndex()
	if err != nil {
		return err
	}
	if last == 0 || next <= last+1 {
		return nil
	}
	s.releasePins(func(uint64) bool { return true }, func(uint64) uint64 { return s.bytesLocked(first, last) })
	return s.deleteSized(first, last)
}

// releasePins releases the pins whose index matches, telling their owners
// the bytes that bytes (called under s.mu) gives for each.
func (s *PinnedLogStore) releasePins(match func(idx uint64) bool, bytes func(idx uint64) uint64) {
	s.mu.Lock()
	var released []PinRelease
	for owner, idx := range s.pins {
		if match(idx) {
			delete(s.pins, owner)
			s.releases++
			released = append(released, PinRelease{Owner: owner, Index: idx, Bytes: bytes(idx)})
		}
	}
	hook := s.onRelease
	s.mu.Unlock()
	if hook != nil {
		for _, r := range released {
			hook(r)
		}
	}
}

// DeleteRange deletes [min, max] but keeps pinned entries. A compaction
// (a range from the start of the log) that would leave more than the
// limit kept for pins first releases the lowest pins until the rest fits.
//
// Two ranges are not compactions and are deleted exactly, whatever the
// pins and trailing bounds. A range that starts past the first entry is a
// follower clearing a log suffix that conflicts with its new leader's:
// those entries were never committed, so no pipe needs them (kept, they
// would leave entries of a stale term after the new leader's). A range
// that ends past the latest snapshot (SetSnapshotIndex) is such a suffix
// starting at the first entry, or Raft clearing the log after installing
// a snapshot: kept, the entries would break the next append (raft-wal
// takes no overwrite) or answer for the snapshot's index with a stale
// term. The pins in that range are released, as the entries they hold
// are replaced.
func (s *PinnedLogStore) DeleteRange(min, max uint64) error {
	s.mu.Lock()
	replaced := s.snapshotKnown && max > s.snapshot
	s.mu.Unlock()
	if replaced {
		return s.replaceRange(min, max)
	}
	if first, err := s.LogStore.FirstIndex(); err == nil && first > 0 && min > first {
		return s.deleteSized(min, max)
	}
	s.mu.Lock()
	var released []PinRelease
	if len(s.cum) > 0 && min <= s.base {
		if keep := s.trailStartLocked(); keep <= max {
			max = keep - 1
		}
		if max < min {
			s.mu.Unlock()
			return nil
		}
	}
	if len(s.cum) == 0 || min <= s.base {
		s.wanted = maxIndex(s.wanted, max)
		for s.limit > 0 {
			held := s.pinnedLocked()
			if held <= s.limit {
				break
			}
			low := s.lowestLocked()
			for owner, idx := range s.pins {
				if idx == low {
					delete(s.pins, owner)
					s.releases++
					released = append(released, PinRelease{Owner: owner, Index: idx, Bytes: held})
				}
			}
		}
	}
	low := s.lowestLocked()
	hook := s.onRelease
	s.mu.Unlock()
	if hook != nil {
		for _, r := range released {
			hook(r)
		}
	}
	if low != 0 && max >= low {
		if low <= min {
			return nil
		}
		max = low - 1
	}
	return s.deleteSized(min, max)
}

// replaceRange deletes exactly [min, max], releasing the pins in it.
func (s *PinnedLogStore) replaceRange(min, max uint64) error {
	s.releasePins(func(idx uint64) bool { return idx >= min && idx <= max },
		func(idx uint64) uint64 { return s.bytesLocked(idx, max) })
	return s.deleteSized(min, max)
}

// deleteSized deletes [min, max] from the wrapped store and forgets the
// sizes of those entries.
func (s *PinnedLogStore) deleteSized(min, max uint64) error {
	if err := s.LogStore.DeleteRange(min, max); err != nil {
		return err
	}
	s.mu.Lock()
	s.forgetLocked(min, max)
	s.mu.Unlock()
	return nil
}

// forgetLocked drops the sizes of the deleted entries [min, max].
func (s *PinnedLogStore) forgetLocked(min, max uint64) {
	if len(s.cum) == 0 {
		return
	}
	end := s.base + uint64(len(s.cum)) - 1
	switch {
	case min <= s.base && max >= end:
		s.base, s.cum = max+1, s.cum[:0]
	case min <= s.base && max >= s.base:
		// Copy, so that the dropped prefix does not pin the array, and
		// count from the new start.
		dropped := s.cum[max-s.base]
		rest := make([]uint64, 0, len(s.cum)-int(max+1-s.base))
		for _, c := range s.cum[max+1-s.base:] {
			rest = append(rest, c-dropped)
		}
		s.cum, s.base = rest, max+1
	case min > s.base && min <= end && max >= end:
		s.cum = s.cum[:min-s.base]
	}
}

func maxIndex(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
