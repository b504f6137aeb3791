package sink

import (
	"sync"
	"time"
)

// warnEvery is how often a sink repeats the warning about one target that
// keeps failing: an outage of the receiver must not flood the log with a
// line per connection attempt.
const warnEvery = 30 * time.Second

// warnLimiter lets a repeated warning about a target through once per
// interval, counting the ones it held back; a success lets the next
// failure through at once.
type warnLimiter struct {
	every time.Duration
	now   func() time.Time

	mu   sync.Mutex
	last map[string]time.Time // when a warning about the target last went out
	held map[string]int       // warnings held back since
}

func newWarnLimiter(every time.Duration) *warnLimiter {
	return &warnLimiter{every: every, now: time.Now, last: map[string]time.Time{}, held: map[string]int{}}
}

// allow reports whether a warning about target goes out now, and how many
// were held back since the last one that did.
func (l *warnLimiter) allow(target string) (ok bool, held int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if last, seen := l.last[target]; seen && now.Sub(last) < l.every {
		l.held[target]++
		return false, 0
	}
	held = l.held[target]
	l.last[target], l.held[target] = now, 0
	return true, held
}

// reset forgets target's failures: it answered.
func (l *warnLimiter) reset(target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.last, target)
	delete(l.held, target)
}
