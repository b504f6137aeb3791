package agent

import (
	"context"
	"slices"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/plugin"
	"github.com/sluicedb/sluice/pipe/processor"
	"github.com/sluicedb/sluice/pipe/sink"
	"github.com/sluicedb/sluice/pipe/task"
)

// runningTask is a task in the table.
type runningTask struct {
	// stop ends the task: it sends nothing more, but the transfers it has
	// in flight go on until answered or abandoned.
	stop context.CancelFunc
	// abandon cancels the transfers in flight.
	abandon context.CancelFunc
	done    chan struct{}
	sink    pipe.Sink
}

// cancel ends the task at once, abandoning its transfers in flight.
func (rt *runningTask) cancel() {
	rt.stop()
	rt.abandon()
}

// taskBuild makes a task, its sink and the release of the sink; a nil task
// when the sink cannot be built (the pipe is stopped with the reason). The
// task's transfers in flight end with inFlight, not with the task.
type taskBuild func(inFlight context.Context) (*task.Task, pipe.Sink, func())

// Reconcile starts the tasks that should run here and stops the others:
// once it returns, no task that the metadata it read does not want is
// sending. It does nothing once the agent is closed.
func (a *Agent) Reconcile() {
	// Held from reading the metadata to the last task started: a reconcile
	// that read an older state cannot start a task after one that read a
	// newer state stopped it.
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	if a.closed {
		return
	}
	pipes := a.meta.Pipes()
	served := a.served()
	if a.startsTasks(pipes, served) {
		// The task resumes from the committed frontier: read it as of
		// now, not as of a copy that may lag behind a commit another
		// node made just before handing the region over.
		a.syncMeta()
		pipes, served = a.meta.Pipes(), a.served()
	}
	a.forgetDropped(pipes)
	a.frontiers.ReleaseDropped(pipes)
	a.frontiers.PinFollowers(pipes)
	want := a.wanted(pipes, served)
	a.mu.Lock()
	var stop []taskKey
	var stopping []*runningTask
	for key, rt := range a.tasks {
		if _, ok := want[key]; !ok {
			stop = append(stop, key)
			stopping = append(stopping, rt)
			delete(a.tasks, key)
		}
	}
	var start []taskKey
	for key := range want {
		if _, ok := a.tasks[key]; !ok {
			start = append(start, key)
		}
	}
	a.mu.Unlock()
	// Tasks call back into the agent, so wait for them without its lock.
	for i, rt := range stopping {
		rt.cancel()
		<-rt.done
		a.forgetTask(stop[i])
		if stillRunning(pipes, stop[i]) && !slices.ContainsFunc(served, func(r Region) bool { return r.ID() == stop[i].region }) {
			// Not the pipe's doing: this replica no longer serves the
			// region, whose new leader carries the pipe on.
			a.logger.Info("pipe task stopped: the region's leadership moved", "pipe", stop[i].pipe, "region", stop[i].region)
		} else if stillRunning(pipes, stop[i]) {
			a.logger.Info("pipe task restarts with the pipe's altered definition", "pipe", stop[i].pipe, "region", stop[i].region)
		}
	}
	for _, key := range start {
		a.startTask(key, want[key])
	}
}

// served lists the regions whose tasks run here: those this node leads
// and is not handing over.
func (a *Agent) served() []Region {
	var regions []Region
	for _, r := range a.regions.All() {
		if r.Serving() && !a.handingOver(r.ID()) {
			regions = append(regions, r)
		}
	}
	return regions
}

// wanted lists the tasks the metadata wants here: one per RUNNING pipe and
// served region.
func (a *Agent) wanted(pipes []confignode.Pipe, regions []Region) map[taskKey]taskBuild {
	want := map[taskKey]taskBuild{}
	for i := range pipes {
		p := &pipes[i]
		if p.State != confignode.PipeRunning {
			continue
		}
		sinkAttrs, err := a.cfg.OpenSecrets(p.Sink)
		if err != nil {
			a.fail(keyOf(p, 0), err)
			continue
		}
		spec, err := plugin.Parse(p.Source, p.Processor, sinkAttrs, time.Local)
		if err != nil {
			a.fail(keyOf(p, 0), err)
			continue
		}
		for _, r := range regions {
			want[keyOf(p, r.ID())] = a.taskFactory(p, spec, r)
		}
	}
	return want
}

// startsTasks reports whether pipes want a task on a served region that is
// not running.
func (a *Agent) startsTasks(pipes []confignode.Pipe, regions []Region) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range pipes {
		if pipes[i].State != confignode.PipeRunning {
			continue
		}
		for _, r := range regions {
			if _, ok := a.tasks[keyOf(&pipes[i], r.ID())]; !ok {
				return true
			}
		}
	}
	return false
}

// syncMeta brings the metadata copy up to the ConfigNode leader's index,
// within SyncTimeout.
func (a *Agent) syncMeta() {
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.SyncTimeout)
	defer cancel()
	if err := a.meta.Sync(ctx); err != nil && a.ctx.Err() == nil {
		a.logger.Warn("pipe tasks start from a metadata copy that may be behind: at least once, they may resend", "err", err)
	}
}

// startTask builds and runs the task key.
func (a *Agent) startTask(key taskKey, build taskBuild) {
	inFlight, abandon := context.WithCancel(a.ctx)
	t, snk, release := build(inFlight)
	if t == nil {
		abandon()
		return
	}
	ctx, stop := context.WithCancel(a.ctx)
	ctx = sink.WithStallWatch(ctx, a.cfg.StallAfter, func(target string, waited time.Duration) {
		a.stalled(key, &sink.StallError{Target: target, Waited: waited})
	})
	rt := &runningTask{stop: stop, abandon: abandon, done: make(chan struct{}), sink: snk}
	a.mu.Lock()
	a.tasks[key] = rt
	a.mu.Unlock()
	a.tasksWG.Add(1)
	go func() {
		defer a.tasksWG.Done()
		defer close(rt.done)
		defer release()
		defer abandon()
		defer stop()
		// A task that ends by itself (its pipe failed and was stopped)
		// leaves the table, so that START runs it again, and takes its
		// series along: no later reconcile stops it, so none would.
		defer func() {
			a.mu.Lock()
			if a.tasks[key] == rt {
				delete(a.tasks, key)
				delete(a.stats, key)
				a.metrics.forget(key.pipe, key.region)
			}
			a.mu.Unlock()
		}()
		if err := t.Run(ctx); err != nil {
			a.logger.Warn("pipe task stopped", "pipe", key.pipe, "region", key.region, "err", err)
		}
	}()
}

// forgetTask drops the figures of a task stopped by the agent.
func (a *Agent) forgetTask(key taskKey) {
	a.metrics.forget(key.pipe, key.region)
	a.mu.Lock()
	delete(a.stats, key)
	a.mu.Unlock()
}

// taskFactory prepares the task of pipe p on region r.
func (a *Agent) taskFactory(p *confignode.Pipe, spec plugin.Spec, r Region) taskBuild {
	return func(inFlight context.Context) (*task.Task, pipe.Sink, func()) {
		snk, release, err := a.sinks.Acquire(spec.Sink)
		if err != nil {
			a.fail(keyOf(p, r.ID()), err)
			return nil, nil, nil
		}
		start := a.frontiers.Resume(p, r.ID())
		a.adoptRetrying(p)
		a.logger.Info("pipe task starting", "pipe", p.Name, "region", r.ID(), "from_index", start.Index, "history_done", start.HistoryDone)
		name := p.Name
		key := keyOf(p, r.ID())
		cb := task.Callbacks{
			Progress: func(pr task.Progress) { a.record(key, pr) },
			Error: func(err error, fatal bool) {
				a.metrics.sinkError(name, key.region)
				if fatal {
					a.fail(key, err)
					return
				}
				a.metrics.retried(name, key.region)
				a.mu.Lock()
				st := a.statsOf(key)
				st.retries++
				st.exception = retryingPrefix + err.Error()
				a.mu.Unlock()
				a.transient(name, err)
			},
			Sent: func(points, tablets int) {
				a.metrics.sent(name, key.region, points, tablets)
				a.mu.Lock()
				st := a.statsOf(key)
				st.points += uint64(points)
				st.exception = ""
				a.mu.Unlock()
				a.recovered(name)
			},
		}
		cfg := task.Config{
			Pipe: name, Region: r, Sink: drainable{snk, inFlight}, Filter: spec.Source,
			History: spec.Source.HistoryEnabled, Realtime: spec.Source.RealtimeEnabled,
			ForwardPipeRequests: spec.Source.ForwardPipeRequests, LocalCluster: a.meta.ClusterID(),
			Schema: spec.Source.Inclusion.Schema, NoData: !spec.Source.Inclusion.Data,
			Start: task.Progress{HistoryDone: start.HistoryDone, Index: start.Index}, Slots: a.slots,
		}
		if proc := processor.New(spec.Processor); proc != nil {
			cfg.Processor = proc // one per task: sampling state is the task's own
		}
		t := task.New(cfg, cb, a.logger)
		return t, snk, release
	}
}

// record keeps the frontier task key reached, for the next commit and its
// figures.
func (a *Agent) record(key taskKey, pr task.Progress) {
	a.frontiers.Record(key.ref(), key.region, confignode.Progress{HistoryDone: pr.HistoryDone, Index: pr.Index})
	a.frontiers.HurryIfBehind(pr.Appended)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.metrics.frontier(key.pipe, key.region, pr.Index)
	st := a.statsOf(key)
	if st.known && pr.HistoryDone && st.historyDone && pr.Index > st.index {
		st.advanced += pr.Index - st.index
	}
	st.historyDone, st.index, st.known = pr.HistoryDone, pr.Index, true
}

// Running counts the tasks of the pipe incarnation (name, created) in the
// table.
func (a *Agent) Running(name string, created int64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k := range a.tasks {
		if k.pipe == name && k.created == created {
			n++
		}
	}
	return n
}

// stopAll stops every task and waits until they have ended.
func (a *Agent) stopAll() {
	a.mu.Lock()
	tasks := a.tasks
	a.tasks = map[taskKey]*runningTask{}
	a.mu.Unlock()
	for _, rt := range tasks {
		rt.cancel()
	}
	a.tasksWG.Wait()
}

// stillRunning reports whether the pipe incarnation of task key is RUNNING
// in pipes.
func stillRunning(pipes []confignode.Pipe, key taskKey) bool {
	for _, p := range pipes {
		if p.Name == key.pipe && p.CreationTime == key.created {
			return p.State == confignode.PipeRunning
		}
	}
	return false
}
