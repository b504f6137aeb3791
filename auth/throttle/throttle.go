// Package throttle slows down password guessing: after a few failed logins
// of one user from one address, that user may not try again from there
// until a delay has passed, and the delay doubles with each failure up to
// a ceiling. An attempt inside the delay is refused at once, before its
// password is looked at, so opening many connections in parallel buys a
// guesser nothing. A success clears the record; a record nobody touches
// for Forget is dropped.
//
// The client service (openSession) and the pipe receiver (handshake) share
// one Throttle per DataNode, so a guesser gains nothing by switching from
// one to the other.
package throttle

import (
	"container/list"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/status"
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
	// without a failure.
	Forget time.Duration
	// MaxEntries bounds memory: past it the least recently used record is
	// dropped.
	MaxEntries int
}

// DefaultPolicy lets three failures go by, then makes the next attempt
// wait 250 ms, then 500 ms, ... up to 10 s: a hundred guesses from one
// address take about a quarter of an hour instead of a second.
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
	last     time.Time // of the last failure
	next     time.Time // no attempt before it
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

// Check returns nil when user may try a password from host now, and
// otherwise a refusal (status.WrongLoginPassword) saying how long to wait.
// A refused attempt is not a failure: it changes nothing.
func (t *Throttle) Check(user, host string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.lookupLocked(key{user, host})
	if r == nil {
		return nil
	}
	if wait := r.next.Sub(t.now()); wait > 0 {
		return status.Errorf(status.WrongLoginPassword, RefusalPrefix+" of user %s from %s: try again in %s",
			user, host, wait.Round(10*time.Millisecond))
	}
	return nil
}

// RefusalPrefix starts the message of a refusal by Check: a wait, not a
// wrong password, which a protocol whose answers carry no message (the
// air-gap one) must tell apart from a refused login.
const RefusalPrefix = "too many failed logins"

// IsRefusal reports whether msg is the message of a refusal by Check.
func IsRefusal(msg string) bool { return strings.HasPrefix(msg, RefusalPrefix) }

// RetryIn is how long user must wait before trying again from host.
func (t *Throttle) RetryIn(user, host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.lookupLocked(key{user, host})
	if r == nil {
		return 0
	}
	return max(0, r.next.Sub(t.now()))
}

// Failed records a failed attempt and returns the delay before the next
// one may be made.
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
	d := t.policy.delay(r.failures)
	r.next = r.last.Add(d)
	return d
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
