package receiver

import (
	"context"
	"sync"
)

// memoryBudget bounds the bytes that transfers being decoded take
// together, so that many concurrent large transfers wait for each other
// instead of adding up.
type memoryBudget struct {
	mu   sync.Mutex
	free int64
	wait chan struct{} // closed by the next release; nil when nobody waits
}

func newMemoryBudget(n int64) *memoryBudget { return &memoryBudget{free: n} }

// acquire takes n bytes, waiting until they are free or ctx is done.
func (m *memoryBudget) acquire(ctx context.Context, n int64) error {
	for {
		m.mu.Lock()
		if n <= m.free {
			m.free -= n
			m.mu.Unlock()
			return nil
		}
		if m.wait == nil {
			m.wait = make(chan struct{})
		}
		w := m.wait
		m.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release returns n bytes and wakes the waiters.
func (m *memoryBudget) release(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.free += n
	if m.wait != nil {
		close(m.wait)
		m.wait = nil
	}
}
