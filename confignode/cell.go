package confignode

import (
	"context"
	"sync"
)

// stateCell holds a State that readers share and waiters watch: the state
// machine's own on a ConfigNode, a replicated copy on a DataNode.
type stateCell struct {
	mu      sync.RWMutex
	state   *State
	changed chan struct{} // closed and replaced on every change
}

// read runs fn with the state under the read lock.
func (c *stateCell) read(fn func(s *State)) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	fn(c.state)
}

// waitIndex blocks until the state reflects at least index min, or ctx ends.
func (c *stateCell) waitIndex(ctx context.Context, min uint64) error {
	for {
		c.mu.RLock()
		idx, ch := c.state.Index, c.changed
		c.mu.RUnlock()
		if idx >= min {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes waitIndex callers; mu is held for writing.
func (c *stateCell) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// replace swaps in a newer state; an older one is ignored.
func (c *stateCell) replace(s *State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != nil && s.Index < c.state.Index {
		return
	}
	c.state = s
	c.notifyLocked()
}
