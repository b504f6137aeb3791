package snapshot

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"

	"github.com/sluicedb/sluice/confignode"
)

var errUnavailable = errors.New("no ConfigNode leader")

// commitCall is one CommitPipeProgress a fakeStore received.
type commitCall struct {
	ref      Ref
	progress map[uint32]confignode.Progress
}

// fakeStore records commits; fail makes the next ones fail, and during, if
// set, runs inside each commit (to record progress meanwhile).
type fakeStore struct {
	mu     sync.Mutex
	calls  []commitCall
	fail   int
	during func()
}

func (s *fakeStore) CommitPipeProgress(_ context.Context, name string, created int64, progress map[uint32]confignode.Progress) error {
	s.mu.Lock()
	during := s.during
	s.during = nil
	s.mu.Unlock()
	if during != nil {
		during()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errUnavailable
	}
	s.calls = append(s.calls, commitCall{Ref{name, created}, maps.Clone(progress)})
	return nil
}

func (s *fakeStore) committed() []commitCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]commitCall(nil), s.calls...)
}

// fakeLog holds pins by owner.
type fakeLog struct {
	mu   sync.Mutex
	pins map[string]uint64
}

func (l *fakeLog) Pin(owner string, index uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pins[owner] = index
}

func (l *fakeLog) Unpin(owner string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pins, owner)
}

func (l *fakeLog) Owners() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for o := range l.pins {
		out = append(out, o)
	}
	return out
}

func (l *fakeLog) pin(owner string) (uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.pins[owner]
	return i, ok
}

type fakeReplica struct {
	id     uint32
	leader bool
	log    *fakeLog
}

func (r *fakeReplica) ID() uint32     { return r.id }
func (r *fakeReplica) IsLeader() bool { return r.leader }
func (r *fakeReplica) Log() Log       { return r.log }

type fakeReplicas []*fakeReplica

func (rs fakeReplicas) All() []Replica {
	out := make([]Replica, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// replicas returns hosted replicas of the given ids, led when leader.
func replicas(leader bool, ids ...uint32) fakeReplicas {
	var out fakeReplicas
	for _, id := range ids {
		out = append(out, &fakeReplica{id: id, leader: leader, log: &fakeLog{pins: map[string]uint64{}}})
	}
	return out
}

func newFrontiers(store Store, rs fakeReplicas) *Frontiers {
	return New(Config{}, store, rs, slog.New(slog.DiscardHandler))
}

func done(index uint64) confignode.Progress {
	return confignode.Progress{HistoryDone: true, Index: index}
}
