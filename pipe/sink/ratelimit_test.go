package sink

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/clientwire"
)

// fakeClock is a clock whose sleeps advance it at once and are recorded.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) < float64(time.Millisecond)
}

func TestRateLimiter(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	l := newRateLimiterClock(2000, c.now, c.sleep)
	// The bucket starts full: the first 2000 bytes pass at once.
	if err := l.wait(t.Context(), 2000); err != nil || c.slept != 0 {
		t.Fatalf("first second's bytes: err %v, slept %v", err, c.slept)
	}
	// Ten more transfers of 1000 bytes at 2000 B/s take 5 s.
	for range 10 {
		if err := l.wait(t.Context(), 1000); err != nil {
			t.Fatal(err)
		}
	}
	if !near(c.slept, 5*time.Second) {
		t.Fatalf("slept %v, want 5s", c.slept)
	}
	// Idle time refills the bucket, but never past one second's worth.
	c.advance(time.Hour)
	c.slept = 0
	if err := l.wait(t.Context(), 3000); err != nil {
		t.Fatal(err)
	}
	if !near(c.slept, 500*time.Millisecond) {
		t.Fatalf("after idling, 3000 bytes slept %v, want 500ms", c.slept)
	}
	// A transfer larger than the bucket is not refused, it waits its debt.
	c.slept = 0
	if err := l.wait(t.Context(), 10000); err != nil || !near(c.slept, 5*time.Second) {
		t.Fatalf("10000 bytes: err %v, slept %v, want 5s", err, c.slept)
	}
	// A cancelled wait returns the context's error.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.wait(ctx, 1); err != context.Canceled {
		t.Fatalf("cancelled wait: %v", err)
	}
}

func TestRateLimiterUnlimited(t *testing.T) {
	if l := newRateLimiter(0); l != nil {
		t.Fatalf("rate 0 made a limiter")
	}
	var l *rateLimiter
	if err := l.wait(t.Context(), 1<<30); err != nil {
		t.Fatal(err)
	}
}

// TestLegacyRateLimit transfers through a legacy sink limited to 500 bytes
// per second and checks that it waited as long as the bytes it sent
// require.
func TestLegacyRateLimit(t *testing.T) {
	be, srv := startClientRPC(t)
	attrs := legacyAttrs(srv.Addr().String())
	attrs["rate-limit-bytes-per-second"] = "500"
	s, err := New(attrs, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ls := s.(*legacySink)
	if ls.a.rateLimit != 500 {
		t.Fatalf("rate limit %d, want 500", ls.a.rateLimit)
	}
	c := &fakeClock{t: time.Unix(1000, 0)}
	ls.limit = newRateLimiterClock(500, c.now, c.sleep)

	b := richBatch()
	total := 0
	for run := range alignmentRuns(b.Tablets) {
		_, size, err := clientwire.InsertTabletsReq(run, run[0].Aligned)
		if err != nil {
			t.Fatal(err)
		}
		total += size
	}
	const rounds = 4
	if rounds*total <= 2*500 {
		t.Fatalf("batch of %d bytes too small to be limited", total)
	}
	for range rounds {
		if err := s.Transfer(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(be.take()); got != 3*rounds {
		t.Fatalf("%d inserts, want %d", got, 3*rounds)
	}
	// The bucket starts with one second's worth; the rest waits.
	want := time.Duration(float64(rounds*total-500) / 500 * float64(time.Second))
	if !near(c.slept, want) {
		t.Fatalf("slept %v for %d bytes at 500 B/s, want %v", c.slept, rounds*total, want)
	}
}

func TestRateLimitAttribute(t *testing.T) {
	attrs := legacyAttrs("127.0.0.1:1")
	attrs["rate-limit-bytes-per-second"] = "-5"
	if _, err := New(attrs, Config{}, nil); err == nil {
		t.Fatal("negative rate limit accepted")
	}
}
