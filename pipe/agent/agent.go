package agent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/task"
	"github.com/sluicedb/sluice/snapshot"
	"github.com/sluicedb/sluice/sql/ast"
)

// Metadata is the cluster metadata as the agent reads it and reports to it
// (confignode.Meta).
type Metadata interface {
	// Pipes lists the pipes of the local metadata copy.
	Pipes() []confignode.Pipe
	// ClusterID is this cluster's id, the origin of local writes.
	ClusterID() string
	// StateIndex is the index the local copy reflects; WaitIndex blocks
	// until it reaches min or ctx ends.
	StateIndex() uint64
	WaitIndex(ctx context.Context, min uint64) error
	// Sync brings the local copy up to the ConfigNode leader's index, so
	// that it reflects every change committed before the call.
	Sync(ctx context.Context) error
	// ReportPipeException records a pipe's latest error (empty clears it);
	// stop also stops the pipe.
	ReportPipeException(ctx context.Context, name, message string, stop bool) error
	// FailPipe stops the pipe with message, unless it has changed since
	// the definition (created, revision) that failed.
	FailPipe(ctx context.Context, name string, created int64, revision uint64, message string) error
}

// Region is a data region hosted here, as the agent and its tasks see it.
type Region interface {
	task.Region
	// Serving reports whether this replica leads the region and may serve.
	Serving() bool
	// UnackedAge is how many seconds ago the oldest write after frontier
	// (up to applied) was appended to the log, 0 when none is known.
	UnackedAge(frontier, applied uint64, now time.Time) float64
}

// Regions lists the regions this node hosts.
type Regions interface {
	All() []Region
}

// Sinks hands out sink instances, shared by pipes with equal sink
// attributes (sink.Registry).
type Sinks interface {
	// Acquire returns the sink for attrs and the function releasing it.
	Acquire(attrs map[string]string) (pipe.Sink, func(), error)
}

// Config configures an Agent.
type Config struct {
	// Interval is how often the agent reconciles its tasks, updates their
	// rates and reports queued notices, besides reconciling on each
	// metadata change; default 1s.
	Interval time.Duration
	// StallAfter is how long a transfer may go unanswered before the pipe
	// shows it retrying; default 5s.
	StallAfter time.Duration
	// Slots bounds how many tasks extract at once
	// (pipe_subtask_executor_max_thread_num); at least 1.
	Slots int
	// DrainTimeout bounds how long the tasks stopped for a leadership
	// hand-over wait for their transfers in flight; default 2s.
	DrainTimeout time.Duration
	// SyncTimeout bounds bringing the metadata copy up to date before
	// tasks start; default 2s.
	SyncTimeout time.Duration
	// OpenSecrets opens the sealed secrets of a pipe's sink attributes;
	// nil takes them as they are.
	OpenSecrets func(attrs []ast.Attribute) ([]ast.Attribute, error)
}

// defaultStallAfter is how long a transfer may go unanswered before its
// pipe shows it retrying.
const defaultStallAfter = 5 * time.Second

// Agent runs the tasks of every RUNNING pipe on the regions this node
// leads.
type Agent struct {
	cfg       Config
	meta      Metadata
	regions   Regions
	sinks     Sinks
	frontiers *snapshot.Frontiers
	logger    *slog.Logger
	metrics   *metrics
	// slots bounds concurrently extracting tasks.
	slots chan struct{}

	// ctx is the context of every task; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	// reconcileMu serialises reconcile and Close: closed, once set, keeps
	// reconcile from starting tasks. mu guards the maps below and is never
	// held while waiting for a task.
	reconcileMu sync.Mutex
	closed      bool
	mu          sync.Mutex
	tasks       map[taskKey]*runningTask
	lastErr     map[string]time.Time // last transient error reported, by pipe
	// retrying marks pipes whose SHOW PIPES row shows a transient error;
	// the next acknowledged transfer clears it.
	retrying map[string]bool
	// reporting serialises, per pipe, deciding to show or clear a
	// transient error and writing it to the ConfigNodes, so that the
	// writes land in the order the decisions were made: a clear can never
	// overtake the "retrying" it clears.
	reporting map[string]*sync.Mutex
	// handovers counts, by region, the hand-overs under way: no task of
	// the region starts meanwhile.
	handovers map[uint32]int
	// notices are exception messages to report at the next round, by pipe.
	notices map[string]string
	// stats are the running tasks' figures; rateAt is when their rates
	// were last updated.
	stats  map[taskKey]*taskStats
	rateAt time.Time

	// serving is the regions served at the last poll; run's alone.
	serving map[uint32]bool

	tasksWG   sync.WaitGroup // the tasks' goroutines
	loopWG    sync.WaitGroup // run and its metadata watch
	closeOnce sync.Once
}

// taskKey names a task; the creation time tells a re-created pipe of the
// same name apart, and the revision an altered one: a task runs one
// definition, and ALTER PIPE replaces it with a task of the new one.
type taskKey struct {
	pipe     string
	created  int64
	revision uint64
	region   uint32
}

// keyOf is the key of pipe p's task on region.
func keyOf(p *confignode.Pipe, region uint32) taskKey {
	return taskKey{pipe: p.Name, created: p.CreationTime, revision: p.Revision, region: region}
}

func (k taskKey) ref() snapshot.Ref { return snapshot.Ref{Name: k.pipe, Created: k.created} }

// New returns an agent whose tasks record their progress in frontiers;
// its metrics are registered on reg. Start runs it.
func New(cfg Config, meta Metadata, regions Regions, sinks Sinks, frontiers *snapshot.Frontiers, logger *slog.Logger, reg prometheus.Registerer) *Agent {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = defaultStallAfter
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = defaultDrainTimeout
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = defaultSyncTimeout
	}
	if cfg.OpenSecrets == nil {
		cfg.OpenSecrets = func(attrs []ast.Attribute) ([]ast.Attribute, error) { return attrs, nil }
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Agent{cfg: cfg, meta: meta, regions: regions, sinks: sinks, frontiers: frontiers,
		logger: logger.With("component", "pipe"), metrics: newMetrics(reg),
		slots: make(chan struct{}, max(1, cfg.Slots)), ctx: ctx, cancel: cancel,
		tasks: map[taskKey]*runningTask{}, lastErr: map[string]time.Time{}, retrying: map[string]bool{},
		reporting: map[string]*sync.Mutex{}, handovers: map[uint32]int{}, notices: map[string]string{},
		stats: map[taskKey]*taskStats{}, rateAt: time.Now()}
}

// Start runs the agent until Close: it reconciles its tasks every
// Interval and as soon as the metadata changes. It does not block.
func (a *Agent) Start(ctx context.Context) {
	a.loopWG.Add(1)
	go func() {
		defer a.loopWG.Done()
		a.run(ctx)
	}()
}

// Close stops the agent for good: no reconcile starts a task any more, and
// every task is stopped; it returns once they have ended. The progress
// they recorded stays in the Frontiers, whose Close commits it. It is
// idempotent.
func (a *Agent) Close() {
	a.closeOnce.Do(func() {
		a.reconcileMu.Lock()
		a.closed = true
		a.reconcileMu.Unlock()
		a.cancel()
		a.loopWG.Wait()
		a.stopAll()
	})
}

// run reconciles tasks, updates rates and reports notices every interval,
// and reconciles as soon as the metadata changes, until Close or ctx ends.
func (a *Agent) run(ctx context.Context) {
	t := time.NewTicker(a.cfg.Interval)
	defer t.Stop()
	poll := time.NewTicker(leadershipPoll)
	defer poll.Stop()
	changed := make(chan struct{}, 1)
	a.loopWG.Add(1)
	go func() {
		defer a.loopWG.Done()
		a.watchMeta(changed)
	}()
	for {
		a.Reconcile()
		a.updateRates()
		a.reportNotices()
		if !a.awaitRound(ctx, t.C, poll.C, changed) {
			return
		}
	}
}

// awaitRound waits for the next round, reconciling meanwhile on each
// change of the metadata (a pipe stopped, dropped or started: followed at
// once rather than at the next round) and when this node starts serving a
// region (checked every poll: a region whose leadership arrives here gets
// its tasks within leadershipPoll; a task whose replica lost the lead ends
// by itself, fenced, or at the next round); false once the agent is
// closed.
func (a *Agent) awaitRound(ctx context.Context, tick, poll <-chan time.Time, changed <-chan struct{}) bool {
	for {
		select {
		case <-a.ctx.Done():
			return false
		case <-ctx.Done():
			return false
		case <-changed:
			a.Reconcile()
		case <-poll:
			if a.servingGained() {
				a.Reconcile()
			}
		case <-tick:
			return true
		}
	}
}

// leadershipPoll is how often the agent checks which regions it serves.
const leadershipPoll = 100 * time.Millisecond

// servingGained reports whether this node serves a region it did not serve
// at the last call. Only run calls it.
func (a *Agent) servingGained() bool {
	now := map[uint32]bool{}
	gained := false
	for _, r := range a.regions.All() {
		if r.Serving() {
			now[r.ID()] = true
			gained = gained || !a.serving[r.ID()]
		}
	}
	a.serving = now
	return gained
}

// watchMeta signals changed each time the metadata copy moves on, until
// Close.
func (a *Agent) watchMeta(changed chan<- struct{}) {
	for {
		if err := a.meta.WaitIndex(a.ctx, a.meta.StateIndex()+1); err != nil {
			return
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	}
}
