package sink

import (
	"testing"
	"time"
)

// TestWarnLimiter: the first failure of a target is told at once, repeats
// within the interval are held back and counted in the next warning, each
// target has its own interval, and a success lets the next failure
// through at once.
func TestWarnLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newWarnLimiter(30 * time.Second)
	l.now = func() time.Time { return now }
	step := func(d time.Duration) { now = now.Add(d) }
	check := func(target string, wantOK bool, wantHeld int) {
		t.Helper()
		if ok, held := l.allow(target); ok != wantOK || held != wantHeld {
			t.Fatalf("allow(%s) = %v, %d; want %v, %d", target, ok, held, wantOK, wantHeld)
		}
	}
	check("a", true, 0)
	check("b", true, 0)
	step(time.Second)
	check("a", false, 0)
	check("a", false, 0)
	step(29 * time.Second)
	check("a", true, 2)
	check("b", true, 0)
	step(time.Second)
	l.reset("a")
	check("a", true, 0)
	check("b", false, 0)
}
