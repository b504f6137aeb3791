package task

import (
	"context"
	"sync"
	"time"

	"github.com/sluicedb/sluice/pipe"
)

// window keeps up to the sink's InFlight transfers outstanding and reports
// the commit frontier: the index below which every batch is acknowledged,
// however the transfers complete.
type window struct {
	t          *Task
	onFrontier func(frontier uint64, appended time.Time)
	cancel     context.CancelFunc // stops the task's phase on a failed transfer
	sem        chan struct{}
	wg         sync.WaitGroup

	mu      sync.Mutex
	pending []*slot // in send order
	err     error

	// report serialises advance so that frontiers are reported in the
	// order they were reached, never backwards.
	report sync.Mutex
}

type slot struct {
	index    uint64
	appended time.Time // of the last write up to index
	done     bool
}

func newWindow(t *Task, cancel context.CancelFunc, onFrontier func(uint64, time.Time)) *window {
	return &window{t: t, cancel: cancel, onFrontier: onFrontier, sem: make(chan struct{}, max(1, t.cfg.Sink.InFlight()))}
}

// send transfers b in the background; index is the frontier once b and
// everything sent before it are acknowledged, and appended when the last
// write up to index was appended to the log.
func (w *window) send(ctx context.Context, b *pipe.Batch, index uint64, appended time.Time) error {
	if err := w.failed(); err != nil {
		return err
	}
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := w.failed(); err != nil {
		// A transfer failed while we waited: send nothing after it.
		<-w.sem
		return err
	}
	s := &slot{index: index, appended: appended}
	w.mu.Lock()
	w.pending = append(w.pending, s)
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		err := w.t.transfer(ctx, b)
		w.mu.Lock()
		if err != nil {
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
			// Record the failure before freeing the slot, so that no
			// later batch starts (sync sinks apply in write order).
			w.cancel()
			<-w.sem
			return
		}
		s.done = true
		w.mu.Unlock()
		<-w.sem
		w.advance()
	}()
	return nil
}

// skip moves the frontier past entries that needed no transfer.
func (w *window) skip(index uint64, appended time.Time) {
	w.mu.Lock()
	w.pending = append(w.pending, &slot{index: index, appended: appended, done: true})
	w.mu.Unlock()
	w.advance()
}

func (w *window) advance() {
	w.report.Lock()
	defer w.report.Unlock()
	w.mu.Lock()
	var frontier uint64
	var appended time.Time
	moved := false
	for len(w.pending) > 0 && w.pending[0].done {
		frontier, appended, moved = w.pending[0].index, w.pending[0].appended, true
		w.pending = w.pending[1:]
	}
	w.mu.Unlock()
	if moved {
		w.onFrontier(frontier, appended)
	}
}

// cause prefers the transfer failure that cancelled the phase over the
// cancellation itself.
func (w *window) cause(err error) error {
	if ferr := w.failed(); ferr != nil {
		return ferr
	}
	return err
}

func (w *window) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// drain waits for every outstanding transfer.
func (w *window) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		<-done
		return ctx.Err()
	}
	return w.failed()
}

// stop cancels outstanding transfers and waits for their goroutines.
func (w *window) stop() {
	w.cancel()
	w.wg.Wait()
}
