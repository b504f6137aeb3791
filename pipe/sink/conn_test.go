package sink

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/netfault"
)

// silentPeer is the address of a peer that accepts and never answers.
func silentPeer(t *testing.T) string { return netfault.StartSilentPeer(t).Addr() }

// A call the peer does not answer is reported once to the stall watch
// with the peer's address, and still waits for its own timeout; a call
// without a watch reports nothing.
func TestCallStallWatch(t *testing.T) {
	target := silentPeer(t)
	type stall struct {
		target string
		waited time.Duration
	}
	stalls := make(chan stall, 4)
	ctx := WithStallWatch(context.Background(), 50*time.Millisecond, func(target string, waited time.Duration) {
		stalls <- stall{target, waited}
	})
	c, err := dialThrift(ctx, target, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	start := time.Now()
	lost, err := c.call(ctx, 400*time.Millisecond, func(ctx context.Context) error {
		_, err := c.nc.Read(make([]byte, 1)) // an answer that never comes
		return err
	})
	var te *timeoutError
	if !lost || !errors.As(err, &te) {
		t.Fatalf("call = lost %v, %v; want a lost connection and a timeout", lost, err)
	}
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Errorf("the call gave up after %s, before its 400ms timeout", waited)
	}
	select {
	case s := <-stalls:
		if s.target != target || s.waited != 50*time.Millisecond {
			t.Errorf("stall reported for %s after %s, want %s after 50ms", s.target, s.waited, target)
		}
	default:
		t.Fatal("no stall reported")
	}
	if len(stalls) != 0 {
		t.Errorf("%d more stalls reported, want one per call", len(stalls))
	}

	c2, err := dialThrift(context.Background(), target, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.close()
	_, _ = c2.call(context.Background(), 100*time.Millisecond, func(ctx context.Context) error {
		_, err := c2.nc.Read(make([]byte, 1))
		return err
	})
	if len(stalls) != 0 {
		t.Error("a call without a stall watch reported a stall")
	}
}

// A call that gets its answer while the stall is being reported returns
// only once the report is done, so its caller hears of the stall before
// the success that should clear it.
func TestCallWaitsForStallReport(t *testing.T) {
	target := silentPeer(t)
	reporting := make(chan struct{})
	var reported atomic.Bool
	ctx := WithStallWatch(context.Background(), 20*time.Millisecond, func(string, time.Duration) {
		close(reporting)
		time.Sleep(100 * time.Millisecond) // a report to the ConfigNode, say
		reported.Store(true)
	})
	c, err := dialThrift(ctx, target, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	lost, err := c.call(ctx, time.Second, func(context.Context) error {
		<-reporting // the answer comes while the stall is reported
		return nil
	})
	if lost || err != nil {
		t.Fatalf("call = lost %v, %v; want success", lost, err)
	}
	if !reported.Load() {
		t.Fatal("the call returned before the stall report it overlapped had finished")
	}
}
