package throttle

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/status"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testPolicy() Policy {
	return Policy{Free: 2, First: 100 * time.Millisecond, Max: time.Second, Forget: time.Minute, MaxEntries: 3}
}

func TestDelayGrowsAfterFreeFailures(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	want := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}
	for i, w := range want {
		if got := th.Failed("root", "10.0.0.1"); got != w {
			t.Fatalf("after failure %d: delay %v, want %v", i+1, got, w)
		}
		if got := th.RetryIn("root", "10.0.0.1"); got != w {
			t.Fatalf("RetryIn after failure %d: %v, want %v", i+1, got, w)
		}
		c.t = c.t.Add(w) // the next attempt comes when allowed
	}
}

// TestCheckRefusesInsideTheDelay: every attempt inside the delay is refused
// at once, however many are made (parallel connections gain nothing), and
// refusals do not extend it.
func TestCheckRefusesInsideTheDelay(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for range 3 {
		if err := th.Check("root", "h"); err != nil {
			t.Fatalf("a free attempt was refused: %v", err)
		}
		th.Failed("root", "h")
	}
	for range 100 {
		err := th.Check("root", "h")
		if status.CodeOf(err) != status.WrongLoginPassword || !strings.Contains(err.Error(), "try again in 100ms") {
			t.Fatalf("attempt inside the delay: %v", err)
		}
	}
	c.t = c.t.Add(100 * time.Millisecond)
	if err := th.Check("root", "h"); err != nil {
		t.Fatalf("attempt after the delay: %v", err)
	}
}

func TestDelayIsPerUserAndHost(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for range 5 {
		th.Failed("root", "10.0.0.1")
	}
	if th.Check("root", "10.0.0.1") == nil {
		t.Fatal("the guessing address is not slowed down")
	}
	if err := th.Check("root", "10.0.0.2"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if err := th.Check("alice", "10.0.0.1"); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

func TestSuccessAndTimeForget(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for range 4 {
		th.Failed("root", "h")
	}
	th.Succeeded("root", "h")
	if d := th.RetryIn("root", "h"); d != 0 {
		t.Fatalf("after a success the delay is %v", d)
	}
	for range 4 {
		th.Failed("root", "h")
	}
	c.t = c.t.Add(2 * time.Minute)
	if th.Failed("root", "h") != 0 {
		t.Fatal("a record older than Forget still counts its failures")
	}
}

func TestEntriesAreBounded(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for _, h := range []string{"a", "b", "c", "d"} {
		for range 3 {
			th.Failed("root", h)
		}
	}
	if len(th.entries) != 3 || th.lru.Len() != 3 {
		t.Fatalf("%d entries, %d in the list; want 3", len(th.entries), th.lru.Len())
	}
	if d := th.RetryIn("root", "a"); d != 0 {
		t.Fatalf("the least recently used record survived (delay %v)", d)
	}
	if d := th.RetryIn("root", "d"); d == 0 {
		t.Fatal("the newest record was dropped")
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.7:51234": "10.0.0.7", "[::1]:80": "::1", "pipe": "pipe"} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}
