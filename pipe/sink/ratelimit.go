package sink

import (
	"context"
	"sync"
	"time"
)

// rateLimiter is a token bucket over transferred bytes: it fills at rate
// bytes per second up to one second's worth. A transfer takes its size from
// the bucket, which may go into debt for a transfer larger than the bucket;
// the transfer then waits until the debt is paid. Waiting transfers queue
// behind each other's debts, so the long-run rate is rate whatever the
// concurrency. A nil *rateLimiter is unlimited.
type rateLimiter struct {
	rate  float64 // bytes per second
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// newRateLimiter limits to bytesPerSecond with the wall clock; nil for 0,
// unlimited.
func newRateLimiter(bytesPerSecond int64) *rateLimiter {
	if bytesPerSecond <= 0 {
		return nil
	}
	return newRateLimiterClock(bytesPerSecond, time.Now, sleepCtx)
}

// newRateLimiterClock is newRateLimiter with an injected clock. The bucket
// starts full.
func newRateLimiterClock(bytesPerSecond int64, now func() time.Time, sleep func(context.Context, time.Duration) error) *rateLimiter {
	r := float64(bytesPerSecond)
	return &rateLimiter{rate: r, now: now, sleep: sleep, tokens: r, last: now()}
}

// wait takes n bytes from the bucket, sleeping until the bucket is out of
// debt; it returns ctx's error if ctx ends first.
func (l *rateLimiter) wait(ctx context.Context, n int) error {
	if l == nil || n <= 0 {
		return nil
	}
	l.mu.Lock()
	now := l.now()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.rate, l.tokens+elapsed.Seconds()*l.rate)
		l.last = now
	}
	l.tokens -= float64(n)
	debt := -l.tokens
	l.mu.Unlock()
	if debt <= 0 {
		return nil
	}
	return l.sleep(ctx, time.Duration(debt/l.rate*float64(time.Second)))
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
