package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedb/sluice/pipe"
)

// A planned move of a region's leadership (a DataNode shutting down, or
// handing a region back to its preferred replica) need not resend
// anything: the old leader stops the region's tasks and lets their
// transfers in flight be answered, commits the frontiers they reached, and
// only then moves the leadership. The new leader, before it starts a task,
// brings its metadata copy up to the ConfigNode leader's index
// (Metadata.Sync), so that it resumes from exactly that frontier rather
// than from an older one its copy may still hold.

// defaultSyncTimeout bounds bringing the metadata copy up to date before
// tasks start; past it they start from the copy as it is (at least once
// still holds).
const defaultSyncTimeout = 2 * time.Second

// defaultDrainTimeout bounds how long a task stopped for a hand-over waits
// for its transfers in flight.
const defaultDrainTimeout = 2 * time.Second

// HandOver moves the leadership of regions away from this node without
// resending: it stops their tasks, waits until their transfers in flight
// are answered (abandoning those still unanswered after
// Config.DrainTimeout or when ctx ends), commits the frontiers reached
// through the Frontiers, and then calls transfer for each region,
// concurrently. The transfer happens even if the commit failed: the new
// leader then resends from the last committed frontier, at least once, as
// after a crash. Until HandOver returns, no task of these regions starts
// here; afterwards, Reconcile runs them again if this node still leads.
// It returns the commit's and the transfers' errors.
func (a *Agent) HandOver(ctx context.Context, regions []uint32, transfer func(ctx context.Context, region uint32) error) error {
	stopping := a.beginHandOver(regions)
	defer a.endHandOver(regions)
	a.drain(ctx, stopping)
	var errs []error
	if err := a.frontiers.Commit(ctx); err != nil {
		errs = append(errs, fmt.Errorf("commit pipe progress before moving leadership: %w", err))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range regions {
		wg.Go(func() {
			if err := transfer(ctx, id); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("region %d: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// beginHandOver keeps tasks of regions from starting and takes their
// running tasks out of the table.
func (a *Agent) beginHandOver(regions []uint32) map[taskKey]*runningTask {
	// Under reconcileMu: no reconcile under way can start a task of these
	// regions once this returns.
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	moving := make(map[uint32]bool, len(regions))
	for _, id := range regions {
		a.handovers[id]++
		moving[id] = true
	}
	stopping := map[taskKey]*runningTask{}
	for key, rt := range a.tasks {
		if moving[key.region] {
			stopping[key] = rt
			delete(a.tasks, key)
		}
	}
	return stopping
}

func (a *Agent) endHandOver(regions []uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range regions {
		if a.handovers[id]--; a.handovers[id] <= 0 {
			delete(a.handovers, id)
		}
	}
}

// handingOver reports whether region's leadership is being handed over.
func (a *Agent) handingOver(region uint32) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handovers[region] > 0
}

// drain stops tasks, letting their transfers in flight finish within
// DrainTimeout and ctx, and waits until they have ended.
func (a *Agent) drain(ctx context.Context, tasks map[taskKey]*runningTask) {
	for _, rt := range tasks {
		rt.stop()
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.DrainTimeout)
	defer cancel()
	for key, rt := range tasks {
		select {
		case <-rt.done:
		case <-ctx.Done():
			a.logger.Warn("pipe task's transfers unanswered at a leadership hand-over: abandoned, they will be sent again",
				"pipe", key.pipe, "region", key.region)
			rt.abandon()
			<-rt.done
		}
		a.forgetTask(key)
	}
}

// drainable is a task's sink whose transfers end with inFlight rather than
// with the task's context: a task stopped for a hand-over sends nothing
// more, but what it has sent is answered and counted in its frontier.
type drainable struct {
	pipe.Sink
	inFlight context.Context
}

// Transfer implements pipe.Sink.
func (d drainable) Transfer(ctx context.Context, b *pipe.Batch) error {
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	unwatch := context.AfterFunc(d.inFlight, cancel)
	defer unwatch()
	return d.Sink.Transfer(tctx, b)
}

// Batching passes on the sink's batch parameters (pipe.Batcher), which
// the embedded interface would hide from the task.
func (d drainable) Batching() pipe.Batching {
	if b, ok := d.Sink.(pipe.Batcher); ok {
		return b.Batching()
	}
	return pipe.Batching{}
}
