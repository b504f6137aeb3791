package snapshot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
)

// Store is the ConfigNode group as progress is committed through it
// (confignode.Meta).
type Store interface {
	// CommitPipeProgress records the frontiers of the pipe incarnation
	// (name, created) in one entry, keeping for each region the furthest
	// of the committed and the given progress; progress of an incarnation
	// that no longer exists is ignored.
	CommitPipeProgress(ctx context.Context, name string, created int64, progress map[uint32]confignode.Progress) error
}

// Ref names one incarnation of a pipe: a pipe dropped and created again
// under the same name starts from nothing.
type Ref struct {
	Name    string
	Created int64
}

// Config configures a Frontiers.
type Config struct {
	// Interval is how often pending frontiers are committed
	// (pipe_progress_snapshot_interval_ms); default 1s.
	Interval time.Duration
	// CommitTimeout bounds the commit of one pipe's frontiers; default 10s.
	CommitTimeout time.Duration
}

// Frontiers holds the frontiers tasks reported and commits them.
type Frontiers struct {
	cfg      Config
	store    Store
	replicas Replicas
	logger   *slog.Logger

	// commitMu serialises commits: once Commit returns nil, everything
	// recorded before it was called is committed, and pins never move
	// back to an older commit's frontier.
	commitMu sync.Mutex
	mu       sync.Mutex
	pending  map[Ref]map[uint32]confignode.Progress
	// hurry asks the periodic committer for an early commit.
	hurry chan struct{}

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New returns a Frontiers committing through store and pinning the logs of
// replicas; Start runs its periodic commits.
func New(cfg Config, store Store, replicas Replicas, logger *slog.Logger) *Frontiers {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.CommitTimeout <= 0 {
		cfg.CommitTimeout = 10 * time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Frontiers{cfg: cfg, store: store, replicas: replicas, logger: logger,
		pending: map[Ref]map[uint32]confignode.Progress{}, hurry: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// Start commits the pending frontiers every Interval, and early when
// HurryIfBehind asks, until Close. It does not block.
func (f *Frontiers) Start(ctx context.Context) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		t := time.NewTicker(f.cfg.Interval)
		defer t.Stop()
		var last time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.ctx.Done():
				return
			case <-t.C:
			case <-f.hurry:
				// At most one early commit per hurryGap.
				select {
				case <-ctx.Done():
					return
				case <-f.ctx.Done():
					return
				case <-time.After(time.Until(last.Add(f.hurryGap()))):
				}
			}
			last = time.Now()
			_ = f.Commit(f.ctx) // failures are logged and retried next round
		}
	}()
}

// hurryGap is the least time between two commits HurryIfBehind asks for.
func (f *Frontiers) hurryGap() time.Duration { return f.cfg.Interval / 10 }

// HurryIfBehind asks for the pending frontiers to be committed within a
// tenth of the interval rather than at the next tick when appended, the
// time the write at a frontier just recorded was appended to its log, is
// more than an interval ago: the task is catching up on a backlog (after
// a leadership change or a link outage) and sends faster than the log
// grew, so a crash before the next tick would have it resend many
// intervals' worth of writes. In the steady state a frontier is a moment
// old and commits stay one per interval.
func (f *Frontiers) HurryIfBehind(appended time.Time) {
	if appended.IsZero() || time.Since(appended) <= f.cfg.Interval {
		return
	}
	select {
	case f.hurry <- struct{}{}:
	default: // one is pending already
	}
}

// Close stops the periodic commits and commits what is pending, so that
// the last progress of tasks stopped before it is kept. It is idempotent.
func (f *Frontiers) Close() {
	f.closeOnce.Do(func() {
		f.cancel()
		f.wg.Wait()
		_ = f.Commit(context.Background())
	})
}

// Record notes that the task of ref on region reached p; it is committed
// with the next Commit.
func (f *Frontiers) Record(ref Ref, region uint32, p confignode.Progress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.pending[ref]
	if m == nil {
		m = map[uint32]confignode.Progress{}
		f.pending[ref] = m
	}
	m[region] = p
}

// Resume is where the task of pipe p on region starts: the committed
// frontier, or the progress this node recorded since if it is further; a
// region created after the pipe has no history to send.
func (f *Frontiers) Resume(p *confignode.Pipe, region uint32) confignode.Progress {
	pr, ok := p.Progress[region]
	f.mu.Lock()
	if pend, ok2 := f.pending[Ref{p.Name, p.CreationTime}][region]; ok2 && (!pr.HistoryDone || pend.Index > pr.Index) {
		pr, ok = pend, true
	}
	f.mu.Unlock()
	if !ok && region >= p.FirstNewRegion {
		return confignode.Progress{HistoryDone: true}
	}
	return pr
}

// Commit sends the pending frontiers of each pipe as one entry: a
// consistent cut of the pipe's progress. After a pipe's entry is
// committed, the log pins of its regions move up to the frontiers; a
// failed entry is queued again, under any progress recorded meanwhile. It
// returns the first failure.
func (f *Frontiers) Commit(ctx context.Context) error {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	f.mu.Lock()
	pending := f.pending
	f.pending = map[Ref]map[uint32]confignode.Progress{}
	f.mu.Unlock()
	var first error
	for ref, prog := range pending {
		cctx, cancel := context.WithTimeout(ctx, f.cfg.CommitTimeout)
		err := f.store.CommitPipeProgress(cctx, ref.Name, ref.Created, prog)
		cancel()
		if err == nil {
			f.logger.Debug("pipe progress committed", "pipe", ref.Name, "frontiers", prog)
			f.advancePins(ref.Name, prog)
			continue
		}
		f.logger.Warn("commit pipe progress", "pipe", ref.Name, "err", err)
		if first == nil {
			first = err
		}
		f.requeue(ref, prog)
	}
	return first
}

// requeue puts back the progress of a failed commit, except for regions
// whose tasks have recorded newer progress meanwhile.
func (f *Frontiers) requeue(ref Ref, prog map[uint32]confignode.Progress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.pending[ref]
	if m == nil {
		f.pending[ref] = prog
		return
	}
	for region, p := range prog {
		if _, newer := m[region]; !newer {
			m[region] = p
		}
	}
}
