package datanode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/plugin"
	"github.com/sluicedb/sluice/pipe/sink"
	"github.com/sluicedb/sluice/pipe/task"
)

// pipeAgent runs the tasks of every RUNNING pipe on the regions this node
// leads, and commits their progress to the ConfigNode.
type pipeAgent struct {
	d       *DataNode
	sinks   *sink.Registry
	logger  *slog.Logger
	metrics *pipeMetrics
	// interval is pipe_progress_snapshot_interval_ms.
	interval time.Duration
	// stallAfter is how long a transfer may go unanswered before the pipe
	// shows it retrying.
	stallAfter time.Duration
	// slots bounds concurrently extracting tasks.
	slots chan struct{}

	// ctx is the context of every task; close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	// reconcileMu serialises reconcile and close: closed, once set, keeps
	// reconcile from starting tasks. mu guards the maps below and is never
	// held while waiting for a task.
	reconcileMu sync.Mutex
	closed      bool
	mu          sync.Mutex
	tasks       map[taskKey]*runningTask
	pending     map[pipeRef]map[uint32]confignode.Progress // progress not yet committed
	lastErr     map[string]time.Time                       // last transient error reported, by pipe
	// retrying marks pipes whose SHOW PIPES row shows a transient error;
	// the next acknowledged transfer clears it.
	retrying map[string]bool
	// reporting serialises, per pipe, deciding to show or clear a
	// transient error and writing it to the ConfigNodes, so that the
	// writes land in the order the decisions were made: a clear can never
	// overtake the "retrying" it clears.
	reporting map[string]*sync.Mutex
	// notices are exception messages to report at the next round, by pipe.
	notices map[string]string
	// stats are the running tasks' figures; rateAt is when their rates
	// were last updated.
	stats  map[taskKey]*taskStats
	rateAt time.Time
	wg     sync.WaitGroup
}

// taskKey names a task; the creation time tells a re-created pipe of the
// same name apart.
type taskKey struct {
	pipe    string
	created int64
	region  uint32
}

type runningTask struct {
	cancel context.CancelFunc
	done   chan struct{}
	sink   pipe.Sink
}

// pipeRef names one incarnation of a pipe: a pipe dropped and created again
// under the same name starts from nothing.
type pipeRef struct {
	name    string
	created int64
}

// taskBuild makes a task, its sink and the release of the sink.
type taskBuild func() (*task.Task, pipe.Sink, func())

func newPipeAgent(d *DataNode, sinks *sink.Registry, interval time.Duration, m *pipeMetrics) *pipeAgent {
	if interval <= 0 {
		interval = time.Second
	}
	stallAfter := d.cfg.PipeStallAfter
	if stallAfter <= 0 {
		stallAfter = defaultStallAfter
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &pipeAgent{d: d, sinks: sinks, ctx: ctx, cancel: cancel, slots: make(chan struct{}, max(1, d.cfg.PipeExecutorThreads)), logger: d.logger.With("component", "pipe"), metrics: m, interval: interval, stallAfter: stallAfter,
		tasks: map[taskKey]*runningTask{}, pending: map[pipeRef]map[uint32]confignode.Progress{}, lastErr: map[string]time.Time{}, retrying: map[string]bool{}, reporting: map[string]*sync.Mutex{}, notices: map[string]string{},
		stats: map[taskKey]*taskStats{}, rateAt: time.Now()}
}

// run reconciles tasks and commits progress every interval, and
// reconciles as soon as the metadata changes, until close. It stops every
// task and commits their last progress before it returns.
func (a *pipeAgent) run() {
	t := time.NewTicker(a.interval)
	defer t.Stop()
	changed := make(chan struct{}, 1)
	var watch sync.WaitGroup
	watch.Go(func() { a.watchMeta(changed) })
	defer watch.Wait()
	for {
		a.reconcile()
		a.commit()
		a.updateRates()
		a.reportNotices()
		if !a.awaitRound(t.C, changed) {
			a.stopAll()
			a.commit()
			return
		}
	}
}

// awaitRound waits for the next round, reconciling meanwhile on each
// change of the metadata (a pipe stopped, dropped or started: followed at
// once rather than at the next round); false once the agent is closed.
func (a *pipeAgent) awaitRound(tick <-chan time.Time, changed <-chan struct{}) bool {
	for {
		select {
		case <-a.ctx.Done():
			return false
		case <-changed:
			a.reconcile()
		case <-tick:
			return true
		}
	}
}

// watchMeta signals changed each time the metadata copy moves on, until
// close.
func (a *pipeAgent) watchMeta(changed chan<- struct{}) {
	for {
		if err := a.d.meta.WaitIndex(a.ctx, a.d.meta.StateIndex()+1); err != nil {
			return
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	}
}

// close stops the agent for good: no reconcile starts a task any more, and
// run stops every task, commits their progress and returns.
func (a *pipeAgent) close() {
	a.reconcileMu.Lock()
	a.closed = true
	a.reconcileMu.Unlock()
	a.cancel()
}

// reconcile starts the tasks that should run here and stops the others:
// once it returns, no task that the metadata it read does not want is
// sending. It does nothing once the agent is closed.
func (a *pipeAgent) reconcile() {
	// Held from reading the metadata to the last task started: a reconcile
	// that read an older state cannot start a task after one that read a
	// newer state stopped it.
	a.reconcileMu.Lock()
	defer a.reconcileMu.Unlock()
	if a.closed {
		return
	}
	want := map[taskKey]taskBuild{}
	pipes := a.d.meta.Pipes()
	a.releaseDropped(pipes)
	a.pinFollowers(pipes)
	for i := range pipes {
		p := &pipes[i]
		if p.State != confignode.PipeRunning {
			continue
		}
		sinkAttrs, err := a.d.openSecrets(p.Sink)
		if err != nil {
			a.fail(p.Name, err)
			continue
		}
		spec, err := plugin.Parse(p.Source, p.Processor, sinkAttrs, time.Local)
		if err != nil {
			a.fail(p.Name, err)
			continue
		}
		for _, r := range a.d.regions.all() {
			if !r.serving() {
				continue
			}
			key := taskKey{pipe: p.Name, created: p.CreationTime, region: r.id}
			want[key] = a.taskFactory(p, spec, r)
		}
	}
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
		a.metrics.forget(stop[i].pipe, stop[i].region)
		a.mu.Lock()
		delete(a.stats, stop[i])
		a.mu.Unlock()
	}
	for _, key := range start {
		t, snk, release := want[key]()
		if t == nil {
			continue
		}
		ctx, cancel := context.WithCancel(a.ctx)
		ctx = sink.WithStallWatch(ctx, a.stallAfter, func(target string, waited time.Duration) {
			a.stalled(key, &sink.StallError{Target: target, Waited: waited})
		})
		rt := &runningTask{cancel: cancel, done: make(chan struct{}), sink: snk}
		a.mu.Lock()
		a.tasks[key] = rt
		a.mu.Unlock()
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			defer close(rt.done)
			defer release()
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
}

// taskFactory prepares the task of pipe p on region r, or returns a
// factory yielding nil when its sink cannot be built (the pipe is stopped
// with the reason).
func (a *pipeAgent) taskFactory(p *confignode.Pipe, spec plugin.Spec, r *replica) taskBuild {
	return func() (*task.Task, pipe.Sink, func()) {
		snk, release, err := a.sinks.Acquire(spec.Sink)
		if err != nil {
			a.fail(p.Name, err)
			return nil, nil, nil
		}
		start := a.startProgress(p, r.id)
		name := p.Name
		ref := pipeRef{name: p.Name, created: p.CreationTime}
		key := taskKey{pipe: p.Name, created: p.CreationTime, region: r.id}
		cb := task.Callbacks{
			Progress: func(pr task.Progress) { a.record(ref, r.id, pr) },
			Error: func(err error, fatal bool) {
				a.metrics.sinkError(name, r.id)
				if fatal {
					a.fail(name, err)
					return
				}
				a.metrics.retried(name, r.id)
				a.mu.Lock()
				st := a.statsOf(key)
				st.retries++
				st.exception = "retrying: " + err.Error()
				a.mu.Unlock()
				a.transient(name, err)
			},
			Sent: func(points, tablets int) {
				a.metrics.sent(name, r.id, points, tablets)
				a.mu.Lock()
				st := a.statsOf(key)
				st.points += uint64(points)
				st.exception = ""
				a.mu.Unlock()
				a.recovered(name)
			},
		}
		t := task.New(task.Config{
			Pipe: name, Region: pipeRegion{r}, Sink: snk, Filter: spec.Source,
			History: spec.Source.HistoryEnabled, Realtime: spec.Source.RealtimeEnabled,
			ForwardPipeRequests: spec.Source.ForwardPipeRequests, LocalCluster: a.d.meta.ClusterID(),
			Start: start, Slots: a.slots,
		}, cb, a.logger)
		return t, snk, release
	}
}

// startProgress is where a task resumes: the committed frontier, or what
// this node has seen acknowledged since; a region created after the pipe
// has no history to send.
func (a *pipeAgent) startProgress(p *confignode.Pipe, region uint32) task.Progress {
	pr, ok := p.Progress[region]
	a.mu.Lock()
	if pend, ok2 := a.pending[pipeRef{p.Name, p.CreationTime}][region]; ok2 && (!pr.HistoryDone || pend.Index > pr.Index) {
		pr, ok = pend, true
	}
	a.mu.Unlock()
	if !ok && region >= p.FirstNewRegion {
		return task.Progress{HistoryDone: true, Index: 0}
	}
	return task.Progress{HistoryDone: pr.HistoryDone, Index: pr.Index}
}

func (a *pipeAgent) record(ref pipeRef, region uint32, pr task.Progress) {
	a.mu.Lock()
	defer a.mu.Unlock()
	pipeName := ref.name
	m := a.pending[ref]
	if m == nil {
		m = map[uint32]confignode.Progress{}
		a.pending[ref] = m
	}
	m[region] = confignode.Progress{HistoryDone: pr.HistoryDone, Index: pr.Index}
	a.metrics.frontier(pipeName, region, pr.Index)
	st := a.statsOf(taskKey{pipe: ref.name, created: ref.created, region: region})
	if st.known && pr.HistoryDone && st.historyDone && pr.Index > st.index {
		st.advanced += pr.Index - st.index
	}
	st.historyDone, st.index, st.known = pr.HistoryDone, pr.Index, true
}

// commit sends the pending frontiers of each pipe as one ConfigNode entry:
// a consistent cut of the pipe's progress.
func (a *pipeAgent) commit() {
	a.mu.Lock()
	pending := a.pending
	a.pending = map[pipeRef]map[uint32]confignode.Progress{}
	a.mu.Unlock()
	for ref, prog := range pending {
		name := ref.name
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := a.d.meta.CommitPipeProgress(ctx, name, ref.created, prog)
		cancel()
		if err == nil {
			// Committed: the log before the frontier is no longer needed.
			for region, p := range prog {
				if r := a.d.regions.get(region); r != nil && p.HistoryDone {
					r.group.Logs().Pin(task.Owner(name), p.Index+1)
				}
			}
		}
		if err != nil {
			a.logger.Warn("commit pipe progress", "pipe", name, "err", err)
			a.mu.Lock()
			if a.pending[ref] == nil {
				a.pending[ref] = prog
			}
			a.mu.Unlock()
		}
	}
}

// fail stops a pipe with err as its exception message.
func (a *pipeAgent) fail(name string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if rerr := a.d.meta.ReportPipeException(ctx, name, err.Error(), true); rerr != nil {
		a.logger.Error("cannot stop failed pipe", "pipe", name, "err", err, "report_err", rerr)
	}
	a.logger.Warn("pipe stopped", "pipe", name, "err", err)
}

// reportLock is the lock that orders pipe name's transient-error writes.
func (a *pipeAgent) reportLock(name string) *sync.Mutex {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.reporting[name]
	if l == nil {
		l = &sync.Mutex{}
		a.reporting[name] = l
	}
	return l
}

// transient records a retried error for SHOW PIPES, at most once a second.
func (a *pipeAgent) transient(name string, err error) {
	rl := a.reportLock(name)
	rl.Lock()
	defer rl.Unlock()
	a.mu.Lock()
	if time.Since(a.lastErr[name]) < time.Second {
		a.mu.Unlock()
		return
	}
	a.lastErr[name] = time.Now()
	a.retrying[name] = true
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := fmt.Sprintf("retrying: %v", err)
	if rerr := a.d.meta.ReportPipeException(ctx, name, msg, false); rerr != nil && !errors.Is(rerr, context.Canceled) {
		a.logger.Warn("report pipe error", "pipe", name, "err", rerr)
	}
}

// defaultStallAfter is how long a transfer may go unanswered before its
// pipe shows it retrying.
const defaultStallAfter = 5 * time.Second

// stalled hears from the watchdog that a transfer of task key has had no
// answer for a while: it counts as a sink error and a retry, and the pipe
// shows it as retrying until a transfer succeeds again. The transfer
// itself waits on up to pipe_sink_timeout_ms.
func (a *pipeAgent) stalled(key taskKey, err *sink.StallError) {
	a.mu.Lock()
	if a.tasks[key] == nil {
		a.mu.Unlock()
		return // stopped meanwhile: its series are gone
	}
	st := a.statsOf(key)
	st.retries++
	st.exception = "retrying: " + err.Error()
	// Counted under the lock that saw the task running: its series are
	// forgotten only after it has left the table.
	a.metrics.sinkError(key.pipe, key.region)
	a.metrics.retried(key.pipe, key.region)
	a.mu.Unlock()
	a.logger.Warn("pipe sink not answering", "pipe", key.pipe, "region", key.region, "target", err.Target, "waited", err.Waited)
	a.transient(key.pipe, err)
}

// queueException has msg shown as the pipe's ExceptionMessage at the
// agent's next round; it does not block.
func (a *pipeAgent) queueException(name, msg string) {
	a.mu.Lock()
	a.notices[name] = msg
	a.mu.Unlock()
}

// reportNotices commits the queued exception messages. They stay shown
// until another error replaces them or the pipe is started again.
func (a *pipeAgent) reportNotices() {
	a.mu.Lock()
	notices := a.notices
	a.notices = map[string]string{}
	a.mu.Unlock()
	for name, msg := range notices {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.d.meta.ReportPipeException(ctx, name, msg, false); err != nil {
			a.logger.Warn("report pipe notice", "pipe", name, "err", err)
		}
		cancel()
	}
}

// recovered clears a pipe's shown transient error once transfers succeed
// again.
func (a *pipeAgent) recovered(name string) {
	rl := a.reportLock(name)
	rl.Lock()
	defer rl.Unlock()
	a.mu.Lock()
	was := a.retrying[name]
	delete(a.retrying, name)
	a.mu.Unlock()
	if !was {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.d.meta.ReportPipeException(ctx, name, "", false); err != nil {
		a.logger.Warn("clear pipe error", "pipe", name, "err", err)
	}
}

// running counts the tasks of the pipe incarnation (name, created) in the
// table.
func (a *pipeAgent) running(name string, created int64) int {
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
func (a *pipeAgent) stopAll() {
	a.mu.Lock()
	tasks := a.tasks
	a.tasks = map[taskKey]*runningTask{}
	a.mu.Unlock()
	for _, rt := range tasks {
		rt.cancel()
	}
	a.wg.Wait()
}

// pendingEntries is how many log entries of region a pipe has not yet seen
// acknowledged, for SHOW PIPES' RemainingEventCount. A pipe without a
// realtime phase has nothing left once its history is sent.
func (a *pipeAgent) pendingEntries(p *confignode.Pipe) int64 {
	realtime := true
	if spec, err := plugin.Parse(p.Source, p.Processor, p.Sink, time.Local); err == nil {
		realtime = spec.Source.RealtimeEnabled
	}
	var n int64
	for _, r := range a.d.regions.all() {
		pr := a.startProgress(p, r.id)
		if pr.HistoryDone && !realtime {
			continue
		}
		if applied := r.fsm.AppliedIndex(); applied > pr.Index {
			n += int64(applied - pr.Index)
		}
	}
	return n
}

// releaseDropped removes the log pins of pipes that no longer exist, and
// forgets their transient-error bookkeeping. A stopped pipe keeps its pins,
// so that START resumes from its frontier.
func (a *pipeAgent) releaseDropped(pipes []confignode.Pipe) {
	exists := make(map[string]bool, len(pipes))
	names := make(map[string]bool, len(pipes))
	for _, p := range pipes {
		exists[task.Owner(p.Name)] = true
		names[p.Name] = true
	}
	a.mu.Lock()
	for name := range a.lastErr {
		if !names[name] {
			delete(a.lastErr, name)
			delete(a.retrying, name)
			delete(a.reporting, name)
		}
	}
	a.mu.Unlock()
	for _, r := range a.d.regions.all() {
		for _, owner := range r.group.Logs().Owners() {
			if strings.HasPrefix(owner, task.Owner("")) && !exists[owner] {
				r.group.Logs().Unpin(owner)
			}
		}
	}
}

// pinFollowers keeps, on the replicas this node hosts but does not lead,
// the log entries past each pipe's committed frontier, as the leader's task
// does: when leadership moves here, the task resumes from the log instead
// of resending the region's data.
func (a *pipeAgent) pinFollowers(pipes []confignode.Pipe) {
	for _, r := range a.d.regions.all() {
		if r.group.IsLeader() {
			continue
		}
		for i := range pipes {
			if pr := a.startProgress(&pipes[i], r.id); pr.HistoryDone {
				r.group.Logs().Pin(task.Owner(pipes[i].Name), pr.Index+1)
			}
		}
	}
}

// formatSeconds renders an estimate as SHOW PIPES prints it: "Unknown"
// when negative (no rate to divide by).
func formatSeconds(seconds float64) string {
	if seconds < 0 {
		return "Unknown"
	}
	return fmt.Sprintf("%.2f", seconds)
}
