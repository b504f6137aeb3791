// Package throttle slows down password guessing: after a few failed logins
// of one user from one address, every further attempt from there waits,
// and the wait doubles with each failure up to a ceiling. A success clears
// the record; a record nobody touches for Forget is dropped.
//
// The client service (openSession) and the pipe receiver (handshake) share
// one Throttle per DataNode, so a guesser gains nothing by switching from
// one to the other.
package throttle

import (
	"container/list"
	"context"
	"net"
	"sync"
	"time"
)

// Policy says how failures turn into delays. The zero value is not useful;
// start from DefaultPolicy.
type Policy struct {
	// Free is how many consecutive failures cost nothing: typos happen.
	Free int
	// First is the delay after the first failure past Free; each further
	// failure doubles it.
	First time.Duration
	// Max caps the delay.
	Max time.Duration
	// Forget drops the record of a user and address after this long
	// without an attempt.
	Forget time.Duration
	// MaxEntries bounds memory: past it the least recently used record is
	// dropped.
	MaxEntries int
}

// DefaultPolicy lets three failures go by, then waits 250 ms, 500 ms, ...
// up to 10 s per attempt: a hundred guesses take about a quarter of an
// hour instead of a second.
var DefaultPolicy = Policy{Free: 3, First: 250 * time.Millisecond, Max: 10 * time.Second,
	Forget: 15 * time.Minute, MaxEntries: 100000}

// Throttle tracks failed logins per user and address. It is safe for
// concurrent use.
type Throttle struct {
	policy Policy
	now    func() time.Time

	mu      sync.Mutex
	entries map[key]*list.Element // of *record
	lru     list.List             // front: most recently used
}

type key struct{ user, host string }

type record struct {
	key      key
	failures int
	last     time.Time
}

// New returns a Throttle applying p.
func New(p Policy) *Throttle { return newWithClock(p, time.Now) }

func newWithClock(p Policy, now func() time.Time) *Throttle {
	return &Throttle{policy: p, now: now, entries: make(map[key]*list.Element)}
}

// Host reduces a remote address ("10.0.0.7:51234") to the part a
// reconnect does not change.
func Host(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// Delay is how long an attempt of user from host must wait before its
// password is checked.
func (t *Throttle) Delay(user, host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.lookupLocked(key{user, host})
	if r == nil {
		return 0
	}
	return t.policy.delay(r.failures)
}

// Wait sleeps for Delay(user, host), or until ctx is done, whose error it
// then returns.
func (t *Throttle) Wait(ctx context.Context, user, host string) error {
	d := t.Delay(user, host)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Failed records a failed attempt and returns the delay the next attempt
// will wait.
func (t *Throttle) Failed(user, host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key{user, host}
	r := t.lookupLocked(k)
	if r == nil {
		r = &record{key: k}
		t.entries[k] = t.lru.PushFront(r)
		for t.lru.Len() > max(1, t.policy.MaxEntries) {
			oldest := t.lru.Back()
			delete(t.entries, oldest.Value.(*record).key)
			t.lru.Remove(oldest)
		}
	}
	r.failures++
	r.last = t.now()
	return t.policy.delay(r.failures)
}

// Succeeded clears the failures of user from host.
func (t *Throttle) Succeeded(user, host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[key{user, host}]; ok {
		delete(t.entries, key{user, host})
		t.lru.Remove(e)
	}
}

// lookupLocked returns the live record of k, dropping it when it is stale.
func (t *Throttle) lookupLocked(k key) *record {
	e, ok := t.entries[k]
	if !ok {
		return nil
	}
	r := e.Value.(*record)
	if t.now().Sub(r.last) > t.policy.Forget {
		delete(t.entries, k)
		t.lru.Remove(e)
		return nil
	}
	t.lru.MoveToFront(e)
	return r
}

func (p Policy) delay(failures int) time.Duration {
	n := failures - p.Free
	if n <= 0 {
		return 0
	}
	d := p.First
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}
