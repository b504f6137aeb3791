package task

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// Filter selects what a pipe's source extracts.
type Filter interface {
	// Matches reports whether series is in the pipe's pattern.
	Matches(series model.Path) bool
	// MayMatchDevice reports whether any series of device may match.
	MayMatchDevice(device model.Path) bool
	// InHistory and InRealtime report whether a point's time is in the
	// historical or realtime range.
	InHistory(t int64) bool
	InRealtime(t int64) bool
}

// Processor filters the tablets a task sends; pipe/processor implements
// it.
type Processor interface {
	// Process returns what of tb to send: tb itself, a new tablet, or nil
	// for nothing. It must not modify tb, and it sees the task's tablets
	// one at a time, in the order the task reads them.
	Process(tb *model.Tablet) *model.Tablet
}

// Progress is a task's commit frontier: once HistoryDone, every write of the
// region up to Index has been acknowledged by the sink.
type Progress struct {
	HistoryDone bool
	Index       uint64
	// Appended is when the last write up to Index was appended to the
	// region's log, zero when unknown (history): how far behind the
	// log's head the task is.
	Appended time.Time
}

// Config is one task's definition.
type Config struct {
	Pipe   string
	Region Region
	Sink   pipe.Sink
	Filter Filter
	// History and Realtime enable the two phases.
	History, Realtime bool
	// ForwardPipeRequests also sends writes that arrived through a pipe
	// (never back to the cluster they came from).
	ForwardPipeRequests bool
	// Schema carries the series schema of the region (source.inclusion
	// schema.timeseries.ordinary): the historical phase sends the
	// matching series of the snapshot before any point, the realtime
	// phase the series of creation and ALTER TIMESERIES entries, in log
	// order with the writes. A transfer carrying schema is acknowledged
	// before any later one starts, so that even a parallel sink applies
	// a series before its points.
	Schema bool
	// NoData leaves the points out (source.inclusion without data.insert).
	NoData bool
	// LocalCluster is this cluster's id, the origin of local writes.
	LocalCluster string
	// Start is the committed progress to resume from.
	Start Progress
	// BatchPoints caps the points of one transfer; default 65536.
	BatchPoints int
	// RetryBudget is how long transient failures are retried before the
	// pipe stops; default 10 minutes.
	RetryBudget time.Duration
	// Processor, when set, samples what the task sends (a sampling
	// PROCESSOR plugin): every tablet the task extracts, from the
	// historical snapshot and from the realtime log alike, goes through it
	// before batching. Its state is the task's: give each task its own,
	// so that a task started again samples afresh. Nil sends everything.
	Processor Processor
	// Slots, when set, bounds how many tasks of the node extract and
	// batch at once (pipe_subtask_executor_max_thread_num): a task holds a
	// slot while it reads a series or a run of log entries.
	Slots chan struct{}
	// Knobs adjust timings in tests.
	Knobs Knobs
}

// Knobs are testing hooks.
type Knobs struct {
	// MaxBackoff caps the retry backoff; default 500ms, so that a
	// receiver back from an outage hears from the task within half a
	// second (a refused dial costs next to nothing).
	MaxBackoff time.Duration
}

// Callbacks tell the task's owner what happens.
type Callbacks struct {
	// Progress is called as the commit frontier advances.
	Progress func(Progress)
	// Error is called for each failed transfer that will be retried
	// (fatal false), and once with the error that ends the task (fatal
	// true). Like Progress and Sent, it may be called concurrently.
	Error func(err error, fatal bool)
	// Sent is called after each acknowledged batch.
	Sent func(points, tablets int)
}

// Task is a pipe's runtime on one region.
type Task struct {
	cfg    Config
	cb     Callbacks
	logger *slog.Logger
	owner  string
}

// New returns a task; Run executes it.
func New(cfg Config, cb Callbacks, logger *slog.Logger) *Task {
	if cfg.BatchPoints <= 0 {
		cfg.BatchPoints = 1 << 16
	}
	if cfg.RetryBudget <= 0 {
		cfg.RetryBudget = 10 * time.Minute
	}
	if cfg.Knobs.MaxBackoff <= 0 {
		cfg.Knobs.MaxBackoff = 500 * time.Millisecond
	}
	return &Task{cfg: cfg, cb: cb, owner: Owner(cfg.Pipe),
		logger: logger.With("pipe", cfg.Pipe, "region", cfg.Region.ID())}
}

// errFatal wraps the error that ended a task.
type errFatal struct{ err error }

func (e errFatal) Error() string { return e.err.Error() }
func (e errFatal) Unwrap() error { return e.err }

// Run executes the task until ctx ends, its replica stops leading the
// region (it then returns nil), or an unrecoverable error occurs, which it
// returns (after reporting it through Callbacks.Error).
//
// The task pins the region's log at its start position and at each snapshot
// it sends; moving the pin forward as progress is committed, and releasing
// it when the pipe is dropped, is the owner's job (Owner names the pin), so
// that a stopped pipe resumes from where it stopped, like a replication
// slot.
func (t *Task) Run(ctx context.Context) error {
	prog := t.cfg.Start
	catchUp := false
	for ctx.Err() == nil {
		if !prog.HistoryDone {
			p, err := t.history(ctx, catchUp)
			if err != nil {
				return t.end(ctx, err)
			}
			prog = p
			t.cb.Progress(prog)
		}
		if !t.cfg.Realtime {
			// Nothing will read the log: do not hold it.
			t.cfg.Region.Unpin(t.owner)
			<-ctx.Done()
			return nil
		}
		err := t.realtime(ctx, prog.Index)
		if errors.Is(err, ErrTruncated) {
			// The log lost what we need (after a restart, say): resend a
			// fresh snapshot, then tail from there. At-least-once holds.
			t.logger.Warn("pipe log position truncated, resending a snapshot", "index", prog.Index)
			prog, catchUp = Progress{}, true
			continue
		}
		return t.end(ctx, err)
	}
	return nil
}

func (t *Task) end(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return nil
	}
	if errors.Is(err, ErrDeposed) {
		// Not a failure of the pipe: the new leader's task carries on.
		t.logger.Info("pipe task stopped: the region's leadership moved", "err", err)
		return nil
	}
	// Reported here, once, whatever ended the task (a sink or a region
	// failure), rather than by each failing transfer.
	t.cb.Error(err, true)
	return err
}

// Owner is the name under which a pipe's tasks pin region logs.
func Owner(pipe string) string { return "pipe/" + pipe }

// history sends the snapshot's matching points and returns the progress
// that starts the realtime phase just after the snapshot. A catch-up
// snapshot replaces log entries that were lost: it also carries the points
// of the realtime range, whether or not the historical phase is enabled.
func (t *Task) history(ctx context.Context, catchUp bool) (Progress, error) {
	snap, err := t.cfg.Region.Snapshot()
	if err != nil {
		return Progress{}, err
	}
	defer snap.Close()
	index := snap.Index()
	t.cfg.Region.Pin(t.owner, index+1)
	keep := t.cfg.Filter.InHistory
	switch {
	case catchUp && t.cfg.History:
		keep = func(ts int64) bool { return t.cfg.Filter.InHistory(ts) || t.cfg.Filter.InRealtime(ts) }
	case catchUp:
		keep = t.cfg.Filter.InRealtime
	case !t.cfg.History:
		return Progress{HistoryDone: true, Index: index}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	w := newWindow(t, cancel, func(uint64, time.Time) {})
	defer w.stop()
	b := newBuilder(t.cfg.BatchPoints, t.cfg.Processor)
	if t.cfg.Schema {
		if err := t.sendSnapshotSchema(ctx, w, b, snap, index); err != nil {
			return Progress{}, err
		}
	}
	for _, s := range snap.Series() {
		if !t.cfg.Filter.Matches(s.Path) {
			continue
		}
		if err := t.acquire(ctx); err != nil {
			return Progress{}, w.cause(err)
		}
		err := t.sendSeries(ctx, w, b, snap, s, keep, index)
		t.release()
		if err != nil {
			return Progress{}, err
		}
	}
	if b.pending() {
		if err := w.send(ctx, b.batch(t.cfg.LocalCluster), index, time.Time{}); err != nil {
			return Progress{}, w.cause(err)
		}
	}
	if err := w.drain(ctx); err != nil {
		return Progress{}, w.cause(err)
	}
	return Progress{HistoryDone: true, Index: index}, nil
}

// sendSnapshotSchema sends the schema of the snapshot's matching series
// and waits until it is acknowledged, so that no point of the historical
// phase, whichever transfer carries it, can reach the receiver before its
// series.
func (t *Task) sendSnapshotSchema(ctx context.Context, w *window, b *builder, snap Snapshot, index uint64) error {
	for _, s := range snap.Series() {
		if t.cfg.Filter.Matches(s.Path) {
			b.addSchema(s)
		}
		if err := t.sendIfFull(ctx, w, b, index); err != nil {
			return err
		}
	}
	if b.pending() {
		if err := w.send(ctx, b.batch(t.cfg.LocalCluster), index, time.Time{}); err != nil {
			return w.cause(err)
		}
	}
	return w.cause(w.drain(ctx))
}

// acquire takes an executor slot, if slots are bounded.
func (t *Task) acquire(ctx context.Context) error {
	if t.cfg.Slots == nil {
		return nil
	}
	select {
	case t.cfg.Slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Task) release() {
	if t.cfg.Slots != nil {
		<-t.cfg.Slots
	}
}

// sendSeries scans one series of the snapshot into batches.
func (t *Task) sendSeries(ctx context.Context, w *window, b *builder, snap Snapshot, s model.Series, keep func(int64) bool, index uint64) error {
	if t.cfg.NoData {
		return nil
	}
	it, err := snap.Scan(s, minTime, maxTime)
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		times, vals, err := it.Next(4096)
		if err != nil {
			return err
		}
		if len(times) == 0 {
			return nil
		}
		b.addSeries(s, times, &vals, keep)
		if err := t.sendIfFull(ctx, w, b, index); err != nil {
			return err
		}
	}
}

// sendIfFull sends what a historical phase's builder holds once it is full.
func (t *Task) sendIfFull(ctx context.Context, w *window, b *builder, index uint64) error {
	if !b.full() {
		return nil
	}
	if err := w.send(ctx, b.batch(t.cfg.LocalCluster), index, time.Time{}); err != nil {
		return w.cause(err)
	}
	return nil
}

const (
	minTime = -1 << 63
	maxTime = 1<<63 - 1
)

// realtime tails the region's log after index and sends matching writes.
//
// With the sink's batching enabled (pipe.Batching), matching writes are
// held across reads of the log until they take Batching.SizeBytes (or
// BatchPoints) or the oldest has waited Batching.MaxDelay. The frontier
// never passes a held write: entries read after it that need no transfer
// only raise the index its batch will acknowledge, and it moves once that
// transfer is acknowledged.
func (t *Task) realtime(ctx context.Context, index uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	w := newWindow(t, cancel, func(frontier uint64, appended time.Time) {
		t.cb.Progress(Progress{HistoryDone: true, Index: frontier, Appended: appended})
	})
	defer w.stop()
	batching := t.batching()
	after := index
	t.cfg.Region.Pin(t.owner, after+1)
	b := newBuilder(t.cfg.BatchPoints, t.cfg.Processor)
	if batching.Enabled {
		b.maxBytes = batching.SizeBytes
	}
	origin := ""
	var heldSince time.Time // when the oldest held write was read
	var appended time.Time  // when the last write read was appended
	flush := func(upTo uint64) error {
		if !b.pending() {
			w.skip(upTo, appended)
			return nil
		}
		heldSince = time.Time{}
		batch := b.batch(origin)
		if err := w.send(ctx, batch, upTo, appended); err != nil || len(batch.Schema) == 0 {
			return err
		}
		// Series schema is a barrier: a parallel sink must not apply a
		// later batch, with the series' first points, before it.
		return w.drain(ctx)
	}
	for {
		if t.cfg.Region.AppliedIndex() <= after {
			if err := t.waitApplied(ctx, after, heldSince, batching.MaxDelay); err != nil {
				if !errors.Is(err, errHoldExpired) {
					return w.cause(err)
				}
				if err := flush(after); err != nil {
					return w.cause(err)
				}
				continue
			}
		}
		if err := t.acquire(ctx); err != nil {
			return w.cause(err)
		}
		entries, last, err := t.cfg.Region.Entries(after, t.cfg.Region.AppliedIndex(), 256)
		t.release()
		if err != nil {
			return w.cause(err)
		}
		for _, e := range entries {
			if e.Schema != nil && !t.cfg.Schema {
				continue
			}
			o := e.Origin
			if o == "" {
				o = t.cfg.LocalCluster
			}
			if b.pending() && o != origin {
				if err := flush(after); err != nil {
					return w.cause(err)
				}
			}
			origin = o
			if t.forward(e.Origin) {
				t.extract(b, e)
			}
			if b.pending() && heldSince.IsZero() {
				heldSince = time.Now()
			}
			after, appended = e.Index, e.Appended
			if b.full() {
				if err := flush(after); err != nil {
					return w.cause(err)
				}
			}
		}
		after = max(after, last)
		if b.pending() && batching.Enabled && time.Since(heldSince) < batching.MaxDelay {
			continue // held: the batch will acknowledge up to after
		}
		if err := flush(after); err != nil {
			return w.cause(err)
		}
	}
}

// extract adds what the task carries of a log entry to b: the matching
// series of a schema change, or the matching points of a write.
func (t *Task) extract(b *builder, e Entry) {
	for _, s := range e.Schema {
		if t.cfg.Filter.Matches(s.Path) {
			b.addSchema(s)
		}
	}
	if t.cfg.NoData {
		return
	}
	for _, tb := range e.Tablets {
		b.addTablet(tb, t.cfg.Filter)
	}
}

// errHoldExpired ends a wait for new log entries when held writes are due.
var errHoldExpired = errors.New("held writes are due")

// waitApplied waits for the region to apply past after; while writes are
// held (heldSince set), only until the oldest has waited delay, then it
// returns errHoldExpired.
func (t *Task) waitApplied(ctx context.Context, after uint64, heldSince time.Time, delay time.Duration) error {
	if heldSince.IsZero() {
		return t.cfg.Region.WaitApplied(ctx, after)
	}
	due := heldSince.Add(delay)
	if !time.Now().Before(due) {
		return errHoldExpired
	}
	wctx, cancel := context.WithDeadline(ctx, due)
	defer cancel()
	err := t.cfg.Region.WaitApplied(wctx, after)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return errHoldExpired
	}
	return err
}

// batching is the sink's batching, disabled for sinks that do not batch.
func (t *Task) batching() pipe.Batching {
	if b, ok := t.cfg.Sink.(pipe.Batcher); ok {
		return b.Batching()
	}
	return pipe.Batching{}
}

// forward reports whether writes of origin (empty: local writes) are sent.
func (t *Task) forward(origin string) bool {
	if origin == "" || origin == t.cfg.LocalCluster {
		return true
	}
	if !t.cfg.ForwardPipeRequests {
		return false
	}
	return origin != t.cfg.Sink.TargetClusterID()
}

// transfer sends one batch, retrying transient failures with capped
// exponential backoff until the retry budget is spent.
func (t *Task) transfer(ctx context.Context, b *pipe.Batch) error {
	backoff := min(100*time.Millisecond, t.cfg.Knobs.MaxBackoff)
	var first time.Time
	for {
		// A batch of writes that came from the sink's own cluster is never
		// sent back; the target's id is known once a handshake happened.
		if b.Origin != t.cfg.LocalCluster && b.Origin == t.cfg.Sink.TargetClusterID() {
			return nil
		}
		// Fenced: checked before every attempt, retries too, since a
		// backoff is long enough for an election.
		if err := t.cfg.Region.VerifyLeader(ctx); err != nil {
			return err
		}
		err := t.cfg.Sink.Transfer(ctx, b)
		if err == nil {
			t.cb.Sent(b.Points(), len(b.Tablets))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, pipe.ErrFatal) {
			return errFatal{err}
		}
		if first.IsZero() {
			first = time.Now()
		} else if time.Since(first) > t.cfg.RetryBudget {
			err = fmt.Errorf("gave up after retrying for %s: %w", t.cfg.RetryBudget, err)
			return errFatal{err}
		}
		t.cb.Error(err, false)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, t.cfg.Knobs.MaxBackoff)
	}
}
