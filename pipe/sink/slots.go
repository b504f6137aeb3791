package sink

import (
	"context"
	"sync"

	"github.com/sluicedb/sluice/pipe"
)

// slotConn is a connection a slotPool holds: a pointer, nil standing for
// a slot whose connection is not open yet, that can be closed.
type slotConn interface {
	comparable
	close()
}

// slotPool is the connection slots of a sink that keeps its connections
// open between transfers. A transfer takes an idle slot, waiting while all
// are busy, and puts it back when done, so the number of slots bounds the
// transfers in flight; a slot opens its connection lazily. The pool tracks
// every open connection, idle or busy, so Close can end the transfers in
// progress, and counts them in the sink's metrics.
type slotPool[C slotConn] struct {
	m         *sinkMetrics
	slots     chan C        // idle slots
	done      chan struct{} // closed by close
	closeOnce sync.Once

	mu     sync.Mutex
	open   map[C]struct{} // every connection, idle or busy
	closed bool
}

// newSlotPool returns a pool of n slots, none of them connected yet.
func newSlotPool[C slotConn](n int, m *sinkMetrics) *slotPool[C] {
	p := &slotPool[C]{m: m, slots: make(chan C, n), done: make(chan struct{}), open: map[C]struct{}{}}
	var none C
	for range n {
		p.slots <- none
	}
	return p
}

// transfer runs send for b on an idle slot, which send may connect
// (connectSlot) or empty (drop, then set to nil), puts the slot back and
// counts send's outcome in the sink's metrics. It waits for a slot until
// ctx ends or the pool is closed (ErrClosed). A batch without tablets or
// series schema has nothing to apply: it is not worth a connection and
// returns nil at once.
func (p *slotPool[C]) transfer(ctx context.Context, b *pipe.Batch, send func(ctx context.Context, slot *C, b *pipe.Batch) error) error {
	if len(b.Tablets) == 0 && len(b.Schema) == 0 {
		return nil
	}
	var c C
	select {
	case c = <-p.slots:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.done:
		return ErrClosed
	}
	err := send(ctx, &c, b)
	p.slots <- c
	p.m.done(err)
	return err
}

// connectSlot returns the slot's connection, first filling the slot with
// one from dial when it has none; fresh reports a new connection.
func connectSlot[C slotConn](ctx context.Context, slot *C, dial func(context.Context) (C, error)) (c C, fresh bool, err error) {
	var none C
	if *slot != none {
		return *slot, false, nil
	}
	if c, err = dial(ctx); err != nil {
		return none, false, err
	}
	*slot = c
	return c, true, nil
}

// count is how many connections are open, idle or busy.
func (p *slotPool[C]) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.open)
}

func (p *slotPool[C]) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// track records a new connection; it refuses (and closes c) once the pool
// is closed.
func (p *slotPool[C]) track(c C) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.close()
		return false
	}
	p.open[c] = struct{}{}
	p.m.connOpened()
	return true
}

// drop closes c and forgets it.
func (p *slotPool[C]) drop(c C) {
	p.mu.Lock()
	if _, ok := p.open[c]; ok {
		delete(p.open, c)
		p.m.connClosed()
	}
	p.mu.Unlock()
	c.close()
}

// close closes every connection: transfers in progress fail, and later
// ones, and those waiting for a slot, return ErrClosed. It is idempotent.
func (p *slotPool[C]) close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		open := p.open
		p.open = map[C]struct{}{}
		p.mu.Unlock()
		close(p.done)
		for c := range open {
			c.close()
			p.m.connClosed()
		}
	})
}
