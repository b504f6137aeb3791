package throttle

import (
	"context"
	"testing"
	"time"
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
		if got := th.Delay("root", "10.0.0.1"); got != w {
			t.Fatalf("Delay after failure %d: %v, want %v", i+1, got, w)
		}
	}
}

func TestDelayIsPerUserAndHost(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for range 5 {
		th.Failed("root", "10.0.0.1")
	}
	if th.Delay("root", "10.0.0.1") == 0 {
		t.Fatal("the guessing address is not slowed down")
	}
	if d := th.Delay("root", "10.0.0.2"); d != 0 {
		t.Fatalf("another address waits %v", d)
	}
	if d := th.Delay("alice", "10.0.0.1"); d != 0 {
		t.Fatalf("another user waits %v", d)
	}
}

func TestSuccessAndTimeForget(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newWithClock(testPolicy(), c.now)
	for range 4 {
		th.Failed("root", "h")
	}
	th.Succeeded("root", "h")
	if d := th.Delay("root", "h"); d != 0 {
		t.Fatalf("after a success the delay is %v", d)
	}
	for range 4 {
		th.Failed("root", "h")
	}
	c.t = c.t.Add(2 * time.Minute)
	if d := th.Delay("root", "h"); d != 0 {
		t.Fatalf("a record older than Forget still delays by %v", d)
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
	if d := th.Delay("root", "a"); d != 0 {
		t.Fatalf("the least recently used record survived (delay %v)", d)
	}
	if d := th.Delay("root", "d"); d == 0 {
		t.Fatal("the newest record was dropped")
	}
}

func TestWaitHonoursContext(t *testing.T) {
	th := New(Policy{Free: 0, First: time.Hour, Max: time.Hour, Forget: time.Hour, MaxEntries: 10})
	th.Failed("root", "h")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.Wait(ctx, "root", "h"); err != context.Canceled {
		t.Fatalf("Wait on a cancelled context: %v", err)
	}
	if err := th.Wait(context.Background(), "root", "other"); err != nil {
		t.Fatalf("Wait without failures: %v", err)
	}
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.7:51234": "10.0.0.7", "[::1]:80": "::1", "pipe": "pipe"} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}
