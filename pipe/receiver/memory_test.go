package receiver

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestMemoryBudget(t *testing.T) {
	m := newMemoryBudget(100)
	ctx := context.Background()
	if err := m.acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- m.acquire(ctx, 60) }()
	select {
	case err := <-got:
		t.Fatalf("second acquire past the budget returned %v, want it to wait", err)
	case <-time.After(100 * time.Millisecond):
	}
	m.release(60)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("acquire still waiting after release")
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := m.acquire(short, 50); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire past the budget with a deadline: %v", err)
	}
	m.release(60)
	if err := m.acquire(ctx, 100); err != nil {
		t.Fatalf("the whole budget after every release: %v", err)
	}
}
