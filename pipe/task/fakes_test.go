package task

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// Test data convention: the points of log entry i have times i*100+k, so a
// point's time tells which entry wrote it (entryOf).
func entryOf(t int64) uint64 { return uint64(t / 100) }

// col is one measurement of a test tablet; a nil value is a null.
type col struct {
	name string
	typ  model.DataType
	vals []any
}

func tablet(device string, times []int64, cols ...col) *model.Tablet {
	dev, err := model.ParseFullPath(device)
	if err != nil {
		panic(err)
	}
	tb := &model.Tablet{Device: dev, Times: times}
	for _, c := range cols {
		mc := model.NewColumn(c.typ, len(c.vals))
		for _, v := range c.vals {
			mc.Append(v)
		}
		tb.Measurements = append(tb.Measurements, c.name)
		tb.Columns = append(tb.Columns, mc)
	}
	if err := tb.Validate(); err != nil {
		panic(err)
	}
	return tb
}

// writeAt returns a typical write of entry i: two rows on root.sg.d<i%3>
// (s1 INT64, s2 DOUBLE with a null) and one row outside root.sg.
func writeAt(i uint64) []*model.Tablet {
	base := int64(i) * 100
	return []*model.Tablet{
		tablet(fmt.Sprintf("root.sg.d%d", i%3), []int64{base, base + 1},
			col{"s1", model.Int64, []any{base, base + 1}},
			col{"s2", model.Double, []any{float64(base) / 2, nil}}),
		tablet("root.other.d", []int64{base + 2}, col{"s1", model.Int64, []any{base + 2}}),
	}
}

// point is one non-null value as a sink received it.
type point struct {
	Origin string
	Series string
	Time   int64
	Value  string
}

func tabletPoints(origin string, tb *model.Tablet, into map[point]int) {
	for c, m := range tb.Measurements {
		column := &tb.Columns[c]
		for r, ts := range tb.Times {
			if column.IsNull(r) {
				continue
			}
			v := column.Value(r)
			into[point{origin, tb.Device.Append(m).String(), ts, fmt.Sprintf("%T:%v", v, v)}]++
		}
	}
}

func batchPoints(bs []*pipe.Batch) map[point]int {
	out := map[point]int{}
	for _, b := range bs {
		for _, tb := range b.Tablets {
			tabletPoints(b.Origin, tb, out)
		}
	}
	return out
}

// lastEntry is the highest entry index of a batch's points.
func lastEntry(b *pipe.Batch) uint64 {
	var last uint64
	for _, tb := range b.Tablets {
		for _, ts := range tb.Times {
			last = max(last, entryOf(ts))
		}
	}
	return last
}

// expectRealtime lists the points a realtime phase must send for entries,
// given which origins are forwarded (the batch origin is the entry's, or
// local for "").
func expectRealtime(entries []Entry, f *fakeFilter, local string, forwarded func(origin string) bool) map[point]int {
	out := map[point]int{}
	for _, e := range entries {
		o := e.Origin
		if o == "" {
			o = local
		}
		if !forwarded(e.Origin) {
			continue
		}
		for _, tb := range e.Tablets {
			all := map[point]int{}
			tabletPoints(o, tb, all)
			for p := range all {
				path, _ := model.ParseFullPath(p.Series)
				if f.Matches(path) && f.InRealtime(p.Time) {
					out[p]++
				}
			}
		}
	}
	return out
}

// expectHistory lists the points a history phase sends for the data of
// entries up to index.
func expectHistory(entries []Entry, index uint64, f *fakeFilter, local string) map[point]int {
	out := map[point]int{}
	for _, e := range entries {
		if e.Index > index {
			continue
		}
		for _, tb := range e.Tablets {
			all := map[point]int{}
			tabletPoints(local, tb, all)
			for p := range all {
				path, _ := model.ParseFullPath(p.Series)
				if f.Matches(path) && f.InHistory(p.Time) {
					out[p] = 1
				}
			}
		}
	}
	return out
}

func union(ms ...map[point]int) map[point]int {
	out := map[point]int{}
	for _, m := range ms {
		for p, n := range m {
			out[p] += n
		}
	}
	return out
}

// diffPoints describes how got differs from want (counts included).
func diffPoints(got, want map[point]int) string {
	var lines []string
	for p, n := range want {
		if got[p] != n {
			lines = append(lines, fmt.Sprintf("%+v: got %d, want %d", p, got[p], n))
		}
	}
	for p, n := range got {
		if _, ok := want[p]; !ok {
			lines = append(lines, fmt.Sprintf("%+v: got %d, want 0", p, n))
		}
	}
	sort.Strings(lines)
	if len(lines) > 10 {
		lines = append(lines[:10], fmt.Sprintf("... and %d more", len(lines)-10))
	}
	return fmt.Sprint(lines)
}

// missingAtLeastOnce lists wanted points that got lacks.
func missingAtLeastOnce(got, want map[point]int) []point {
	var out []point
	for p := range want {
		if got[p] == 0 {
			out = append(out, p)
		}
	}
	return out
}

// fakeFilter selects series under a prefix, with closed time ranges for the
// two phases.
type fakeFilter struct {
	prefix   model.Path
	hist, rt [2]int64
}

func newFilter(prefix string) *fakeFilter {
	p, err := model.ParseFullPath(prefix)
	if err != nil {
		panic(err)
	}
	all := [2]int64{minTime, maxTime}
	return &fakeFilter{prefix: p, hist: all, rt: all}
}

func (f *fakeFilter) Matches(s model.Path) bool { return s.HasPrefix(f.prefix) }
func (f *fakeFilter) MayMatchDevice(d model.Path) bool {
	return d.HasPrefix(f.prefix) || f.prefix.HasPrefix(d)
}
func (f *fakeFilter) InHistory(t int64) bool  { return f.hist[0] <= t && t <= f.hist[1] }
func (f *fakeFilter) InRealtime(t int64) bool { return f.rt[0] <= t && t <= f.rt[1] }

// fakeRegion is a region whose log tests append to. Its snapshots hold the
// data of every write entry up to their index, truncated or not.
type fakeRegion struct {
	mu      sync.Mutex
	entries []Entry // write entries, ascending
	applied uint64
	first   uint64 // entries below it are truncated from the log
	snapAt  uint64 // if set, the next snapshot is taken at this index
	wake    chan struct{}

	snapErr    error
	entriesErr error

	snapshots, snapClosed int
	iters, itersClosed    int
	entriesCalls          int
	pins                  []uint64
	pinned                bool
	unpins                int

	// deposed, once set, makes VerifyLeader fail; verifies counts calls.
	deposed  bool
	verifies int
}

func newRegion() *fakeRegion { return &fakeRegion{wake: make(chan struct{})} }

// write appends one write entry of origin and returns its index.
func (r *fakeRegion) write(origin string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.appendLocked(origin)
}

func (r *fakeRegion) appendLocked(origin string) uint64 {
	r.applied++
	r.entries = append(r.entries, Entry{Index: r.applied, Origin: origin, Tablets: writeAt(r.applied), Appended: appendedAt(r.applied)})
	r.notifyLocked()
	return r.applied
}

// appendedAt is when the fake log appended entry i: a second apart.
func appendedAt(i uint64) time.Time { return time.Unix(1_700_000_000+int64(i), 0) }

// writes appends n local write entries atomically.
func (r *fakeRegion) writes(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range n {
		r.appendLocked("")
	}
}

// other appends an entry that is not a write (a schema change, say).
func (r *fakeRegion) other() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied++
	r.notifyLocked()
}

func (r *fakeRegion) notifyLocked() {
	close(r.wake)
	r.wake = make(chan struct{})
}

// truncate drops the log entries below first.
func (r *fakeRegion) truncate(first uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.first = first
}

func (r *fakeRegion) allEntries() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.entries)
}

func (r *fakeRegion) ID() uint32 { return 7 }

func (r *fakeRegion) AppliedIndex() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

func (r *fakeRegion) WaitApplied(ctx context.Context, index uint64) error {
	for {
		r.mu.Lock()
		applied, ch := r.applied, r.wake
		r.mu.Unlock()
		if applied > index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *fakeRegion) Entries(after, upTo uint64, max int) ([]Entry, uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entriesCalls++
	if r.entriesErr != nil {
		return nil, after, r.entriesErr
	}
	if after+1 < r.first {
		return nil, after, fmt.Errorf("region 7 entry %d: %w", after+1, ErrTruncated)
	}
	var out []Entry
	for _, e := range r.entries {
		if e.Index > after && e.Index <= upTo {
			out = append(out, e)
			if len(out) == max {
				return out, e.Index, nil
			}
		}
	}
	return out, upTo, nil
}

func (r *fakeRegion) VerifyLeader(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.verifies++
	if r.deposed {
		return fmt.Errorf("region 7: %w", ErrDeposed)
	}
	return nil
}

// depose makes the replica lose the lead.
func (r *fakeRegion) depose() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deposed = true
}

func (r *fakeRegion) Pin(owner string, index uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pins = append(r.pins, index)
	r.pinned = true
}

func (r *fakeRegion) Unpin(owner string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pinned = false
	r.unpins++
}

func (r *fakeRegion) Snapshot() (Snapshot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.snapErr != nil {
		return nil, r.snapErr
	}
	index := r.applied
	if r.snapAt != 0 {
		index, r.snapAt = r.snapAt, 0
	}
	s := &fakeSnapshot{r: r, index: index, data: map[string][]snapPoint{}}
	types := map[string]model.Series{}
	for _, e := range r.entries {
		if e.Index > index {
			break
		}
		for _, tb := range e.Tablets {
			for c, m := range tb.Measurements {
				path := tb.Device.Append(m)
				key := path.String()
				types[key] = model.Series{Path: path, Type: tb.Columns[c].Type, Aligned: tb.Aligned}
				for row, ts := range tb.Times {
					if !tb.Columns[c].IsNull(row) {
						s.data[key] = append(s.data[key], snapPoint{ts, tb.Columns[c].Value(row)})
					}
				}
			}
		}
	}
	for key, ser := range types {
		s.series = append(s.series, ser)
		slices.SortFunc(s.data[key], func(a, b snapPoint) int { return int(a.t - b.t) })
	}
	slices.SortFunc(s.series, func(a, b model.Series) int {
		return cmpString(a.Path.String(), b.Path.String())
	})
	r.snapshots++
	return s, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type snapPoint struct {
	t int64
	v any
}

type fakeSnapshot struct {
	r      *fakeRegion
	index  uint64
	series []model.Series
	data   map[string][]snapPoint
}

func (s *fakeSnapshot) Index() uint64          { return s.index }
func (s *fakeSnapshot) Series() []model.Series { return s.series }

func (s *fakeSnapshot) Scan(ser model.Series, lo, hi int64) (SeriesIterator, error) {
	var pts []snapPoint
	for _, p := range s.data[ser.Path.String()] {
		if lo <= p.t && p.t <= hi {
			pts = append(pts, p)
		}
	}
	s.r.mu.Lock()
	s.r.iters++
	s.r.mu.Unlock()
	return &fakeIter{r: s.r, typ: ser.Type, pts: pts}, nil
}

func (s *fakeSnapshot) Close() {
	s.r.mu.Lock()
	s.r.snapClosed++
	s.r.mu.Unlock()
}

// fakeIter returns at most 3 points per Next and reuses its buffers, as
// storage iterators do, so a task that keeps them without copying sends
// corrupted data.
type fakeIter struct {
	r     *fakeRegion
	typ   model.DataType
	pts   []snapPoint
	times []int64
	col   model.Column
}

func (it *fakeIter) Next(max int) ([]int64, model.Column, error) {
	n := min(max, 3, len(it.pts))
	it.times = it.times[:0]
	it.col.Type = it.typ
	it.col.Int64s, it.col.Float64s, it.col.Nulls = it.col.Int64s[:0], it.col.Float64s[:0], nil
	for _, p := range it.pts[:n] {
		it.times = append(it.times, p.t)
		it.col.Append(p.v)
	}
	it.pts = it.pts[n:]
	return it.times, it.col, nil
}

func (it *fakeIter) Close() {
	it.r.mu.Lock()
	it.r.itersClosed++
	it.r.mu.Unlock()
}

// script decides the fate of one Transfer call (numbered from 1): it may
// block, fail, or succeed; it calls ack to record success early (the sink
// records it anyway when script returns nil).
type script func(ctx context.Context, call int, b *pipe.Batch, ack func()) error

// fakeSink records what it is asked to transfer and what it acknowledged.
type fakeSink struct {
	inFlight int

	mu       sync.Mutex
	target   string
	script   script
	calls    int
	attempts []*pipe.Batch
	acked    []*pipe.Batch
	// handshake, if set, becomes the target id after the first success.
	handshake string
}

func (s *fakeSink) TargetClusterID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

func (s *fakeSink) InFlight() int { return s.inFlight }
func (s *fakeSink) Close() error  { return nil }

func (s *fakeSink) Transfer(ctx context.Context, b *pipe.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.calls++
	call, sc := s.calls, s.script
	s.attempts = append(s.attempts, b)
	s.mu.Unlock()
	acked := false
	ack := func() {
		if acked {
			return
		}
		acked = true
		s.mu.Lock()
		s.acked = append(s.acked, b)
		if s.handshake != "" {
			s.target = s.handshake
		}
		s.mu.Unlock()
	}
	if sc != nil {
		if err := sc(ctx, call, b, ack); err != nil {
			return err
		}
	}
	ack()
	return nil
}

func (s *fakeSink) ackedBatches() []*pipe.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acked)
}

func (s *fakeSink) attempted() []*pipe.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts)
}

// lifoGate holds transfers until group of them are waiting (or the last of
// total transfers arrived), then acknowledges them newest first.
type lifoGate struct {
	group, total int

	mu      sync.Mutex
	arrived int
	stack   []*lifoWaiter
}

type lifoWaiter struct {
	turn chan struct{}
	prev *lifoWaiter
}

func (g *lifoGate) script(ctx context.Context, _ int, _ *pipe.Batch, ack func()) error {
	w := &lifoWaiter{turn: make(chan struct{})}
	g.mu.Lock()
	if n := len(g.stack); n > 0 {
		w.prev = g.stack[n-1]
	}
	g.stack = append(g.stack, w)
	g.arrived++
	if len(g.stack) >= g.group || g.arrived == g.total {
		g.stack = nil
		close(w.turn)
	}
	g.mu.Unlock()
	select {
	case <-w.turn:
	case <-ctx.Done():
		return ctx.Err()
	}
	ack()
	if w.prev != nil {
		close(w.prev.turn)
	}
	return nil
}

// recorder collects a task's callbacks and checks the invariants that hold
// in every test: the frontier never moves back, and check (if set) holds at
// each report.
type recorder struct {
	t     *testing.T
	check func(Progress)

	mu       sync.Mutex
	progress []Progress
	errs     []error
	fatal    []bool
	points   int
	tablets  int
}

func newRecorder(t *testing.T) *recorder { return &recorder{t: t} }

func (r *recorder) callbacks() Callbacks {
	return Callbacks{
		Progress: func(p Progress) {
			r.mu.Lock()
			if n := len(r.progress); n > 0 && r.progress[n-1].HistoryDone && p.Index < r.progress[n-1].Index {
				r.t.Errorf("frontier moved back: %+v after %+v", p, r.progress[n-1])
			}
			r.progress = append(r.progress, p)
			check := r.check
			r.mu.Unlock()
			if check != nil {
				check(p)
			}
		},
		Error: func(err error, fatal bool) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.errs = append(r.errs, err)
			r.fatal = append(r.fatal, fatal)
		},
		Sent: func(points, tablets int) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.points += points
			r.tablets += tablets
		},
	}
}

func (r *recorder) last() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.progress) == 0 {
		return Progress{}
	}
	return r.progress[len(r.progress)-1]
}

// position is p without its append time, for comparisons.
func position(p Progress) Progress { return Progress{HistoryDone: p.HistoryDone, Index: p.Index} }

func (r *recorder) reports() []Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.progress)
}

// errors returns the reported transient and fatal errors.
func (r *recorder) errors() (transient, fatal []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, err := range r.errs {
		if r.fatal[i] {
			fatal = append(fatal, err)
		} else {
			transient = append(transient, err)
		}
	}
	return transient, fatal
}

// frontierCheck returns a Progress check that fails when a reported
// frontier passes a wanted point the sink has not acknowledged.
func frontierCheck(t *testing.T, s *fakeSink, want func() map[point]int) func(Progress) {
	return func(p Progress) {
		got := batchPoints(s.ackedBatches())
		for pt := range want() {
			if entryOf(pt.Time) <= p.Index && got[pt] == 0 {
				t.Errorf("frontier %d passed unacknowledged point %+v", p.Index, pt)
				return
			}
		}
	}
}

// eventually polls cond until it holds, failing the test after 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// running is a task under test.
type running struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func defaultConfig(r *fakeRegion, s *fakeSink, f Filter) Config {
	return Config{Pipe: "p", Region: r, Sink: s, Filter: f, History: true, Realtime: true,
		LocalCluster: "A", Knobs: Knobs{MaxBackoff: time.Millisecond}}
}

func start(t *testing.T, cfg Config, rec *recorder) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{t: t, cancel: cancel, done: make(chan struct{})}
	tk := New(cfg, rec.callbacks(), slog.New(slog.DiscardHandler))
	go func() {
		defer close(run.done)
		run.err = tk.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-run.done
	})
	return run
}

// wait returns Run's result once it has returned by itself.
func (r *running) wait() error {
	r.t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(5 * time.Second):
		r.t.Fatal("Run did not return")
		return nil
	}
}

// stop cancels the task and returns Run's result.
func (r *running) stop() error {
	r.t.Helper()
	r.cancel()
	return r.wait()
}

// returned reports whether Run has returned.
func (r *running) returned() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}
