package peer

import (
	"context"
	"testing"
	"time"

	"github.com/sluicedb/sluice/status"
)

// TestStopPipeTasks: the request reaches the host with its incarnation and
// state index, the host's refusal comes back with its code, and a request
// naming no pipe is refused before the host sees it.
func TestStopPipeTasks(t *testing.T) {
	h := &host{}
	n := startNode(t, h, ServerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := n.client.StopPipeTasks(ctx, n.addr, "p1", 1700000000000, 42); err != nil {
		t.Fatalf("StopPipeTasks: %v", err)
	}
	h.mu.Lock()
	got := append([]stopCall(nil), h.stops...)
	h.stopErr = status.Errorf(status.PipeError, "metadata index 42 not reached")
	h.mu.Unlock()
	if want := (stopCall{"p1", 1700000000000, 42}); len(got) != 1 || got[0] != want {
		t.Fatalf("host saw %+v, want [%+v]", got, want)
	}

	err := n.client.StopPipeTasks(ctx, n.addr, "p1", 1700000000000, 42)
	if status.CodeOf(err) != status.PipeError {
		t.Fatalf("refusal: got %v (code %d), want code %d", err, status.CodeOf(err), status.PipeError)
	}

	err = n.client.StopPipeTasks(ctx, n.addr, "", 0, 1)
	if status.CodeOf(err) != status.IllegalParameter {
		t.Fatalf("no pipe: got %v, want code %d", err, status.IllegalParameter)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stops) != 2 {
		t.Fatalf("host saw %d calls, want 2 (the empty request refused before it)", len(h.stops))
	}
}

// TestAwaitMetadata: the request reaches the host with its state index,
// and the host's refusal comes back with its code.
func TestAwaitMetadata(t *testing.T) {
	h := &host{}
	n := startNode(t, h, ServerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.client.AwaitMetadata(ctx, n.addr, 42); err != nil {
		t.Fatalf("AwaitMetadata: %v", err)
	}
	h.mu.Lock()
	got := append([]uint64(nil), h.awaits...)
	h.awaitErr = status.Errorf(status.InternalServerError, "metadata index 43 not reached")
	h.mu.Unlock()
	if len(got) != 1 || got[0] != 42 {
		t.Fatalf("host saw %v, want [42]", got)
	}
	if err := n.client.AwaitMetadata(ctx, n.addr, 43); status.CodeOf(err) != status.InternalServerError {
		t.Fatalf("refusal: got %v (code %d), want code %d", err, status.CodeOf(err), status.InternalServerError)
	}
}
