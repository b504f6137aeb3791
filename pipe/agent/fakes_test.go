package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/task"
	"github.com/sluicedb/sluice/snapshot"
	"github.com/sluicedb/sluice/sql/ast"
)

// fakeMeta is a metadata copy whose pipes the test sets.
type fakeMeta struct {
	mu      sync.Mutex
	pipes   []confignode.Pipe
	index   uint64
	changed chan struct{} // closed and replaced on each change
	reports []exceptionReport
	commits []commitCall
	// failCommits fails that many progress commits.
	failCommits int
	// onCommit, if set, runs at each progress commit.
	onCommit func()
	// behind are committed changes the copy does not reflect until Sync.
	behind []func(ps []confignode.Pipe)
	syncs  int
}

type exceptionReport struct {
	pipe, message string
	stop          bool
}

type commitCall struct {
	pipe     string
	progress map[uint32]confignode.Progress
}

func newMeta(pipes ...confignode.Pipe) *fakeMeta {
	return &fakeMeta{pipes: pipes, index: 1, changed: make(chan struct{})}
}

func (m *fakeMeta) Pipes() []confignode.Pipe {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]confignode.Pipe, len(m.pipes))
	for i, p := range m.pipes {
		out[i] = p
		out[i].Progress = map[uint32]confignode.Progress{}
		for r, pr := range p.Progress {
			out[i].Progress[r] = pr
		}
	}
	return out
}

func (m *fakeMeta) ClusterID() string { return "source" }

func (m *fakeMeta) StateIndex() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.index
}

func (m *fakeMeta) WaitIndex(ctx context.Context, min uint64) error {
	for {
		m.mu.Lock()
		idx, ch := m.index, m.changed
		m.mu.Unlock()
		if idx >= min {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// change applies fn to the pipes as a new metadata index.
func (m *fakeMeta) change(fn func(ps []confignode.Pipe)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m.pipes)
	m.index++
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *fakeMeta) setState(name, state string) {
	m.change(func(ps []confignode.Pipe) {
		for i := range ps {
			if ps[i].Name == name {
				ps[i].State = state
			}
		}
	})
}

// commitBehind commits a change that the copy reflects only after Sync.
func (m *fakeMeta) commitBehind(fn func(ps []confignode.Pipe)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.behind = append(m.behind, fn)
}

func (m *fakeMeta) Sync(context.Context) error {
	m.mu.Lock()
	behind := m.behind
	m.behind = nil
	m.syncs++
	m.mu.Unlock()
	for _, fn := range behind {
		m.change(fn)
	}
	return nil
}

func (m *fakeMeta) syncCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.syncs
}

func (m *fakeMeta) ReportPipeException(_ context.Context, name, message string, stop bool) error {
	m.mu.Lock()
	m.reports = append(m.reports, exceptionReport{name, message, stop})
	m.mu.Unlock()
	if stop {
		m.setState(name, confignode.PipeStopped)
	}
	return nil
}

// FailPipe stops the pipe, unless its definition changed since (created,
// revision), as the ConfigNodes do.
func (m *fakeMeta) FailPipe(_ context.Context, name string, created int64, revision uint64, message string) error {
	m.mu.Lock()
	current := false
	for _, p := range m.pipes {
		current = current || (p.Name == name && p.CreationTime == created && p.Revision == revision)
	}
	if current {
		m.reports = append(m.reports, exceptionReport{name, message, true})
	}
	m.mu.Unlock()
	if current {
		m.setState(name, confignode.PipeStopped)
	}
	return nil
}

var errNoLeader = errors.New("no ConfigNode leader")

// CommitPipeProgress makes fakeMeta the snapshot.Store of the tests.
func (m *fakeMeta) CommitPipeProgress(_ context.Context, name string, created int64, progress map[uint32]confignode.Progress) error {
	m.mu.Lock()
	hook := m.onCommit
	if m.failCommits > 0 {
		m.failCommits--
		m.mu.Unlock()
		return errNoLeader
	}
	m.commits = append(m.commits, commitCall{name, progress})
	m.mu.Unlock()
	if hook != nil {
		hook()
	}
	m.change(func(ps []confignode.Pipe) {
		for i := range ps {
			if ps[i].Name != name || ps[i].CreationTime != created {
				continue
			}
			if ps[i].Progress == nil {
				ps[i].Progress = map[uint32]confignode.Progress{}
			}
			for r, np := range progress {
				if op := ps[i].Progress[r]; np.HistoryDone && (!op.HistoryDone || np.Index > op.Index) {
					ps[i].Progress[r] = np
				}
			}
		}
	})
	return nil
}

func (m *fakeMeta) committed() []commitCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]commitCall(nil), m.commits...)
}

func (m *fakeMeta) exceptions() []exceptionReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]exceptionReport(nil), m.reports...)
}

// runningPipe is a RUNNING pipe to a do-nothing sink whose regions all
// start at the beginning of their log.
func runningPipe(name string) confignode.Pipe {
	return confignode.Pipe{Name: name, CreationTime: 1, State: confignode.PipeRunning,
		Sink: []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}}
}

// fakeRegion is a hosted replica whose log holds one point per entry.
type fakeRegion struct {
	id      uint32
	mu      sync.Mutex
	serving bool
	applied uint64
	wake    chan struct{} // closed and replaced on each write
	pins    map[string]uint64
	waiting int // tasks inside WaitApplied
	// appendedAgo is how long before it is read each entry was appended.
	appendedAgo time.Duration
}

func newRegion(id uint32, serving bool) *fakeRegion {
	return &fakeRegion{id: id, serving: serving, wake: make(chan struct{}), pins: map[string]uint64{}}
}

func (r *fakeRegion) ID() uint32 { return r.id }

func (r *fakeRegion) Serving() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.serving
}

func (r *fakeRegion) setServing(s bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.serving = s
}

func (r *fakeRegion) VerifyLeader(ctx context.Context) error {
	if !r.Serving() {
		return fmt.Errorf("region %d: %w", r.id, task.ErrDeposed)
	}
	return ctx.Err()
}

func (r *fakeRegion) UnackedAge(uint64, uint64, time.Time) float64 { return 0 }

func (r *fakeRegion) AppliedIndex() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

// write appends n entries.
func (r *fakeRegion) write(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied += uint64(n)
	close(r.wake)
	r.wake = make(chan struct{})
}

func (r *fakeRegion) WaitApplied(ctx context.Context, index uint64) error {
	r.mu.Lock()
	r.waiting++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.waiting--
		r.mu.Unlock()
	}()
	for {
		r.mu.Lock()
		applied, wake := r.applied, r.wake
		r.mu.Unlock()
		if applied > index {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

func (r *fakeRegion) tasksWaiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiting
}

// Entries returns one write of one point per index: root.sg.d.s at time
// index.
func (r *fakeRegion) Entries(after, upTo uint64, max int) ([]task.Entry, uint64, error) {
	var out []task.Entry
	last := after
	r.mu.Lock()
	appended := time.Now().Add(-r.appendedAgo)
	r.mu.Unlock()
	for i := after + 1; i <= upTo && len(out) < max; i++ {
		dev, _ := model.ParseFullPath("root.sg.d")
		col := model.NewColumn(model.Int64, 1)
		col.Append(int64(i))
		tb := &model.Tablet{Device: dev, Times: []int64{int64(i)}, Measurements: []string{"s"}, Columns: []model.Column{col}}
		out = append(out, task.Entry{Index: i, Tablets: []*model.Tablet{tb}, Appended: appended})
		last = i
	}
	return out, last, nil
}

func (r *fakeRegion) Snapshot() (task.Snapshot, error) {
	return emptySnapshot{index: r.AppliedIndex()}, nil
}

func (r *fakeRegion) Pin(owner string, index uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pins[owner] = index
}

func (r *fakeRegion) Unpin(owner string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.pins, owner)
}

func (r *fakeRegion) pin(owner string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pins[owner]
}

// Owners, IsLeader and Log make fakeRegion a snapshot.Replica too.
func (r *fakeRegion) Owners() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for o := range r.pins {
		out = append(out, o)
	}
	return out
}

func (r *fakeRegion) IsLeader() bool    { return r.Serving() }
func (r *fakeRegion) Log() snapshot.Log { return r }

type emptySnapshot struct{ index uint64 }

func (s emptySnapshot) Index() uint64          { return s.index }
func (s emptySnapshot) Series() []model.Series { return nil }
func (s emptySnapshot) Scan(model.Series, int64, int64) (task.SeriesIterator, error) {
	return nil, errors.New("no series")
}
func (s emptySnapshot) Close() {}

type fakeRegions []*fakeRegion

func (rs fakeRegions) All() []Region {
	out := make([]Region, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

type replicaList []*fakeRegion

func (rs replicaList) All() []snapshot.Replica {
	out := make([]snapshot.Replica, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// fakeSink acknowledges every transfer, counting the points, unless gate
// holds it or fatal is set.
type fakeSink struct {
	mu      sync.Mutex
	points  map[int64]int // by time: how often each point was sent
	fatal   error
	gate    chan struct{} // when set, a transfer waits for it to close
	entered chan struct{} // signalled when a transfer starts
}

func newSink() *fakeSink {
	return &fakeSink{points: map[int64]int{}, entered: make(chan struct{}, 100)}
}

func (s *fakeSink) Transfer(ctx context.Context, b *pipe.Batch) error {
	s.mu.Lock()
	gate, fatal := s.gate, s.fatal
	s.mu.Unlock()
	select {
	case s.entered <- struct{}{}:
	default:
	}
	if fatal != nil {
		return fatal
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tb := range b.Tablets {
		for _, ts := range tb.Times {
			s.points[ts]++
		}
	}
	return nil
}

func (s *fakeSink) TargetClusterID() string { return "target" }
func (s *fakeSink) InFlight() int           { return 1 }
func (s *fakeSink) Close() error            { return nil }

// sent returns how many distinct points arrived and how many twice or more.
func (s *fakeSink) sent() (unique, dups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.points {
		unique++
		if n > 1 {
			dups += n - 1
		}
	}
	return unique, dups
}

// fakeSinks hands out one sink and counts acquisitions not released;
// last is the attributes of the latest.
type fakeSinks struct {
	sink *fakeSink
	mu   sync.Mutex
	held int
	last map[string]string
}

func (f *fakeSinks) Acquire(attrs map[string]string) (pipe.Sink, func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held++
	f.last = attrs
	var once sync.Once
	return f.sink, func() {
		once.Do(func() {
			f.mu.Lock()
			f.held--
			f.mu.Unlock()
		})
	}, nil
}

func (f *fakeSinks) acquired() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// fixture is an agent over fakes, its Frontiers committing to meta.
type fixture struct {
	meta      *fakeMeta
	regions   fakeRegions
	sinks     *fakeSinks
	frontiers *snapshot.Frontiers
	agent     *Agent
}

func newFixture(t *testing.T, meta *fakeMeta, regions ...*fakeRegion) *fixture {
	t.Helper()
	return newFixtureWith(t, Config{Interval: time.Hour}, meta, regions...)
}

func newFixtureWith(t *testing.T, cfg Config, meta *fakeMeta, regions ...*fakeRegion) *fixture {
	t.Helper()
	f := &fixture{meta: meta, regions: regions, sinks: &fakeSinks{sink: newSink()}}
	logger := slog.New(slog.DiscardHandler)
	f.frontiers = snapshot.New(snapshot.Config{Interval: time.Hour}, meta, replicaList(regions), logger)
	f.agent = New(cfg, meta, fakeRegions(regions), f.sinks, f.frontiers, logger, prometheus.NewRegistry())
	t.Cleanup(func() {
		f.agent.Close()
		f.frontiers.Close()
	})
	return f
}

// waitFor polls cond until it holds, failing the test after 5s.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFrontier waits until the frontier of pipe p on region reaches index.
func (f *fixture) waitFrontier(t *testing.T, region uint32, index uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("frontier %d recorded", index), func() (bool, string) {
		pr := f.frontiers.Resume(&f.meta.Pipes()[0], region)
		return pr.Index >= index, fmt.Sprintf("%+v", pr)
	})
}

// hold makes the sink's transfers wait until the returned function is
// called.
func (s *fakeSink) hold() (release func()) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.gate = gate
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.gate = nil
			s.mu.Unlock()
			close(gate)
		})
	}
}

func (s *fakeSink) received(ts int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.points[ts]
}

func (f *fixture) waitSent(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d points sent", n), func() (bool, string) {
		u, d := f.sinks.sink.sent()
		return u >= n, fmt.Sprintf("%d sent, %d duplicates", u, d)
	})
}
