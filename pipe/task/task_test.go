package task

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/pipe"
)

// after returns the entries with index > i.
func after(es []Entry, i uint64) []Entry {
	var out []Entry
	for _, e := range es {
		if e.Index > i {
			out = append(out, e)
		}
	}
	return out
}

func forwardAll(string) bool { return true }

// checkEnd checks what every task leaves behind once Run has returned:
// every snapshot and iterator closed, Sent totals matching the acks. (Its
// pin stays: the owner moves it as progress commits and releases it when
// the pipe is dropped.)
func checkEnd(t *testing.T, r *fakeRegion, s *fakeSink, rec *recorder) {
	t.Helper()
	r.mu.Lock()
	if r.snapClosed != r.snapshots || r.itersClosed != r.iters {
		t.Errorf("closed %d of %d snapshots, %d of %d iterators", r.snapClosed, r.snapshots, r.itersClosed, r.iters)
	}
	r.mu.Unlock()
	points, tablets := 0, 0
	for _, b := range s.ackedBatches() {
		points += b.Points()
		tablets += len(b.Tablets)
	}
	rec.mu.Lock()
	if rec.points != points || rec.tablets != tablets {
		t.Errorf("Sent reported %d points, %d tablets; sink acknowledged %d, %d", rec.points, rec.tablets, points, tablets)
	}
	rec.mu.Unlock()
}

// checkPins checks that the task pinned the log from its start position
// (just after the snapshot) and never past what it was told was the end.
func checkPins(t *testing.T, r *fakeRegion, first, last uint64) {
	t.Helper()
	r.mu.Lock()
	pins := slices.Clone(r.pins)
	r.mu.Unlock()
	if len(pins) == 0 || pins[0] != first || pins[len(pins)-1] > last || !slices.IsSorted(pins) {
		t.Errorf("pins %v, want a non-decreasing run from %d, at most %d", pins, first, last)
	}
}

func TestHistoryThenRealtime(t *testing.T) {
	tests := []struct {
		name        string
		inFlight    int
		batchPoints int
		hist, rt    [2]int64
	}{
		{name: "async", inFlight: 4, batchPoints: 4, hist: [2]int64{minTime, maxTime}, rt: [2]int64{minTime, maxTime}},
		{name: "sync", inFlight: 1, batchPoints: 3, hist: [2]int64{minTime, maxTime}, rt: [2]int64{minTime, maxTime}},
		{name: "one batch", inFlight: 2, hist: [2]int64{minTime, maxTime}, rt: [2]int64{minTime, maxTime}},
		// History sends entries 2-3 only, though 4-5 are in the realtime
		// range; realtime sends 6-11 and one row of 12, though none is in the
		// history range: each phase applies its own range.
		{name: "time ranges", inFlight: 4, batchPoints: 5, hist: [2]int64{200, 399}, rt: [2]int64{200, 1200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: tc.inFlight}, newRecorder(t)
			f := newFilter("root.sg")
			f.hist, f.rt = tc.hist, tc.rt
			r.writes(8)
			r.snapAt = 5
			want := func() map[point]int {
				es := r.allEntries()
				return union(expectHistory(es, 5, f, "A"), expectRealtime(after(es, 5), f, "A", forwardAll))
			}
			rec.check = frontierCheck(t, s, want)
			cfg := defaultConfig(r, s, f)
			cfg.BatchPoints = tc.batchPoints
			run := start(t, cfg, rec)

			eventually(t, "frontier at 8", func() bool { return rec.last().Index == 8 })
			r.writes(3)
			eventually(t, "frontier at 11", func() bool { return rec.last().Index == 11 })
			r.writes(3)
			eventually(t, "frontier at 14", func() bool { return rec.last().Index == 14 })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}

			if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want()) {
				t.Errorf("sink received (want exactly once): %s", diffPoints(got, want()))
			}
			if ps := rec.reports(); position(ps[0]) != (Progress{HistoryDone: true, Index: 5}) || position(ps[len(ps)-1]) != (Progress{HistoryDone: true, Index: 14}) {
				t.Errorf("progress %v, want {true 5} first and {true 14} last", ps)
			}
			if tr, fa := rec.errors(); len(tr)+len(fa) > 0 {
				t.Errorf("errors reported in a fault-free run: %v %v", tr, fa)
			}
			for _, b := range s.ackedBatches() {
				if b.Origin != "A" {
					t.Errorf("batch origin %q, want local A", b.Origin)
				}
				if tc.batchPoints > 0 && lastEntry(b) > 5 && b.Points() > tc.batchPoints+3 {
					t.Errorf("realtime batch of %d points, cap %d plus one entry", b.Points(), tc.batchPoints)
				}
			}
			checkPins(t, r, 6, 15)
			checkEnd(t, r, s, rec)
		})
	}
}

func mapsEqual(a, b map[point]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPhaseSwitches(t *testing.T) {
	t.Run("history disabled", func(t *testing.T) {
		r, s, rec := newRegion(), &fakeSink{inFlight: 4}, newRecorder(t)
		f := newFilter("root.sg")
		r.writes(8)
		r.snapAt = 5
		cfg := defaultConfig(r, s, f)
		cfg.History = false
		run := start(t, cfg, rec)
		r.writes(2)
		eventually(t, "frontier at 10", func() bool { return rec.last().Index == 10 })
		if err := run.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		want := expectRealtime(after(r.allEntries(), 5), f, "A", forwardAll)
		if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want) {
			t.Errorf("sink received: %s", diffPoints(got, want))
		}
		if ps := rec.reports(); position(ps[0]) != (Progress{HistoryDone: true, Index: 5}) {
			t.Errorf("first progress %+v, want the snapshot's index 5", ps[0])
		}
		checkPins(t, r, 6, 11)
		checkEnd(t, r, s, rec)
	})
	t.Run("realtime disabled", func(t *testing.T) {
		r, s, rec := newRegion(), &fakeSink{inFlight: 4}, newRecorder(t)
		f := newFilter("root.sg")
		r.writes(8)
		r.snapAt = 5
		cfg := defaultConfig(r, s, f)
		cfg.Realtime = false
		run := start(t, cfg, rec)
		eventually(t, "history done", func() bool { return rec.last().HistoryDone })
		// Nothing will read the log: it must not stay pinned.
		eventually(t, "log unpinned", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return !r.pinned
		})
		r.writes(2)
		if run.returned() {
			t.Fatal("Run returned before its context ended")
		}
		if err := run.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		want := expectHistory(r.allEntries(), 5, f, "A")
		if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want) {
			t.Errorf("sink received: %s", diffPoints(got, want))
		}
		if ps := rec.reports(); len(ps) != 1 || position(ps[0]) != (Progress{HistoryDone: true, Index: 5}) {
			t.Errorf("progress %v, want only {true 5}", ps)
		}
		checkEnd(t, r, s, rec)
	})
}

var errReset = errors.New("connection reset")

// failCalls fails the listed Transfer calls with a transient error.
func failCalls(calls ...int) script {
	return func(_ context.Context, call int, _ *pipe.Batch, _ func()) error {
		if slices.Contains(calls, call) {
			return fmt.Errorf("call %d: %w", call, errReset)
		}
		return nil
	}
}

func TestTransientErrorsRetried(t *testing.T) {
	tests := []struct {
		name     string
		inFlight int
		script   script
		failures int
	}{
		{name: "history batch fails twice", inFlight: 1, script: failCalls(1, 2), failures: 2},
		{name: "sync sink", inFlight: 1, script: failCalls(2, 5, 6, 9), failures: 4},
		{name: "async sink", inFlight: 4, script: failCalls(3, 4, 5, 8, 13), failures: 5},
		{name: "async sink, every other call", inFlight: 3, script: func(_ context.Context, call int, _ *pipe.Batch, _ func()) error {
			if call%2 == 0 && call < 40 {
				return errReset
			}
			return nil
		}, failures: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: tc.inFlight, script: tc.script}, newRecorder(t)
			f := newFilter("root.sg")
			r.writes(8)
			r.snapAt = 5
			want := func() map[point]int {
				es := r.allEntries()
				return union(expectHistory(es, 5, f, "A"), expectRealtime(after(es, 5), f, "A", forwardAll))
			}
			rec.check = frontierCheck(t, s, want)
			cfg := defaultConfig(r, s, f)
			cfg.BatchPoints = 3
			run := start(t, cfg, rec)
			r.writes(6)
			eventually(t, "frontier at 14", func() bool { return rec.last().Index == 14 })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want()) {
				t.Errorf("sink acknowledged: %s", diffPoints(got, want()))
			}
			transient, fatal := rec.errors()
			if len(fatal) > 0 {
				t.Errorf("fatal errors %v", fatal)
			}
			if tc.failures >= 0 && len(transient) != tc.failures {
				t.Errorf("%d transient errors reported, want %d: %v", len(transient), tc.failures, transient)
			}
			for _, err := range transient {
				if !errors.Is(err, errReset) {
					t.Errorf("reported %v, want the sink's error", err)
				}
			}
			checkEnd(t, r, s, rec)
		})
	}
}

func TestFatalErrors(t *testing.T) {
	errLogin := fmt.Errorf("login refused: %w", pipe.ErrFatal)
	errDisk := errors.New("read log: disk on fire")
	tests := []struct {
		name    string
		setup   func(r *fakeRegion, s *fakeSink, cfg *Config)
		want    error // Run's error wraps it
		wantAny error // and this one, if set
		// Realtime entries beyond afterFatal must not have been attempted
		// (0: no check).
		afterFatal uint64
	}{
		{name: "fatal in history", want: errLogin, wantAny: pipe.ErrFatal, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			s.script = func(_ context.Context, call int, _ *pipe.Batch, _ func()) error {
				if call == 2 {
					return errLogin
				}
				return nil
			}
		}},
		{name: "fatal in realtime, async", want: errLogin, wantAny: pipe.ErrFatal, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			s.inFlight = 4
			s.script = func(_ context.Context, _ int, b *pipe.Batch, _ func()) error {
				if lastEntry(b) == 8 {
					return errLogin
				}
				return nil
			}
		}},
		{name: "fatal in realtime, sync: nothing sent after it", want: errLogin, wantAny: pipe.ErrFatal, afterFatal: 8,
			setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
				s.script = func(_ context.Context, _ int, b *pipe.Batch, _ func()) error {
					if lastEntry(b) == 8 {
						return errLogin
					}
					return nil
				}
			}},
		{name: "fatal after transient failures", want: errLogin, wantAny: pipe.ErrFatal, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			s.inFlight = 2
			s.script = func(_ context.Context, call int, b *pipe.Batch, _ func()) error {
				switch {
				case call < 4:
					return errReset
				case lastEntry(b) >= 7:
					return errLogin
				}
				return nil
			}
		}},
		{name: "retry budget spent", want: errReset, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			cfg.RetryBudget = 20 * time.Millisecond
			s.inFlight = 3
			s.script = func(_ context.Context, _ int, b *pipe.Batch, _ func()) error {
				if lastEntry(b) > 5 {
					return errReset
				}
				return nil
			}
		}},
		{name: "snapshot fails", want: errDisk, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			r.snapErr = errDisk
		}},
		{name: "log read fails", want: errDisk, setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
			r.entriesErr = errDisk
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: 1}, newRecorder(t)
			f := newFilter("root.sg")
			r.writes(12)
			r.snapAt = 5
			want := func() map[point]int {
				es := r.allEntries()
				return union(expectHistory(es, 5, f, "A"), expectRealtime(after(es, 5), f, "A", forwardAll))
			}
			rec.check = frontierCheck(t, s, want)
			cfg := defaultConfig(r, s, f)
			cfg.BatchPoints = 2
			tc.setup(r, s, &cfg)
			run := start(t, cfg, rec)

			err := run.wait()
			if !errors.Is(err, tc.want) || (tc.wantAny != nil && !errors.Is(err, tc.wantAny)) {
				t.Fatalf("Run = %v, want an error wrapping %v", err, tc.want)
			}
			_, fatal := rec.errors()
			if len(fatal) != 1 || !errors.Is(fatal[0], tc.want) || fatal[0].Error() != err.Error() {
				t.Errorf("fatal errors reported %v, want exactly Run's error %v", fatal, err)
			}
			if tc.want == errReset && !strings.Contains(err.Error(), "gave up") {
				t.Errorf("Run = %v, want it to say the retries gave up", err)
			}
			if tc.afterFatal > 0 {
				attempts := s.attempted()
				for i, b := range attempts {
					if lastEntry(b) == tc.afterFatal {
						for _, later := range attempts[i+1:] {
							if lastEntry(later) > tc.afterFatal {
								t.Errorf("batch up to entry %d sent after the fatal failure", lastEntry(later))
							}
						}
						break
					}
				}
			}
			checkEnd(t, r, s, rec)
		})
	}
}

func TestOutOfOrderAcks(t *testing.T) {
	for _, group := range []int{2, 4} {
		t.Run(fmt.Sprintf("in flight %d", group), func(t *testing.T) {
			gate := &lifoGate{group: group, total: 20} // entries 6-25, one batch each
			r, s, rec := newRegion(), &fakeSink{inFlight: group, script: gate.script}, newRecorder(t)
			f := newFilter("root.sg")
			r.writes(15)
			r.snapAt = 5
			want := func() map[point]int { return expectRealtime(after(r.allEntries(), 5), f, "A", forwardAll) }
			rec.check = frontierCheck(t, s, want)
			cfg := defaultConfig(r, s, f)
			cfg.History = false
			cfg.BatchPoints = 1 // one batch per entry
			run := start(t, cfg, rec)
			r.writes(10)
			eventually(t, "frontier at 25", func() bool { return rec.last().Index == 25 })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			acked := s.ackedBatches()
			if got := batchPoints(acked); !mapsEqual(got, want()) {
				t.Errorf("sink acknowledged: %s", diffPoints(got, want()))
			}
			if slices.IsSortedFunc(acked, func(a, b *pipe.Batch) int { return int(lastEntry(a)) - int(lastEntry(b)) }) {
				t.Error("acknowledgements came in order: the test does not exercise reordering")
			}
			checkPins(t, r, 6, 26)
			checkEnd(t, r, s, rec)
		})
	}
}

func TestSyncSinkOrder(t *testing.T) {
	tests := []struct {
		name   string
		script script
	}{
		{name: "fault-free"},
		{name: "transient failures", script: failCalls(1, 3, 4, 10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: 1, script: tc.script}, newRecorder(t)
			f := newFilter("root.sg")
			r.writes(3)
			origins := []string{"", "B", "B", "", "C", "", "", "B"}
			for _, o := range origins {
				r.write(o)
			}
			r.snapAt = 3
			cfg := defaultConfig(r, s, f)
			cfg.History = false
			cfg.ForwardPipeRequests = true
			cfg.BatchPoints = 4
			run := start(t, cfg, rec)
			r.writes(4)
			eventually(t, "frontier at 15", func() bool { return rec.last().Index == 15 })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			var prev int64 = -1
			for _, b := range s.ackedBatches() {
				for _, tb := range b.Tablets {
					for _, ts := range tb.Times {
						if ts < prev {
							t.Fatalf("point at %d applied after one at %d: out of write order", ts, prev)
						}
						prev = ts
					}
				}
			}
			want := expectRealtime(after(r.allEntries(), 3), f, "A", forwardAll)
			if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want) {
				t.Errorf("sink acknowledged: %s", diffPoints(got, want))
			}
			checkEnd(t, r, s, rec)
		})
	}
}

func TestOrigins(t *testing.T) {
	// Entries 4.. by origin; the local cluster is A, the sink's target T.
	origins := []string{"", "B", "T", "A", "T", "B", "", "T", "T"}
	const last = 12
	tests := []struct {
		name      string
		forward   bool
		inFlight  int
		handshake bool // the target's id is learnt at the first transfer
		sent      []string
	}{
		{name: "local only", forward: false, inFlight: 4, sent: []string{"A"}},
		{name: "forward", forward: true, inFlight: 4, sent: []string{"A", "B"}},
		{name: "forward, sync", forward: true, inFlight: 1, sent: []string{"A", "B"}},
		{name: "forward, target learnt at handshake", forward: true, inFlight: 1, handshake: true, sent: []string{"A", "B"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: tc.inFlight, target: "T"}, newRecorder(t)
			if tc.handshake {
				s.target, s.handshake = "", "T"
			}
			f := newFilter("root.sg")
			r.writes(3)
			for _, o := range origins {
				r.write(o)
			}
			r.snapAt = 3
			forwarded := func(o string) bool {
				return o == "" || o == "A" || (tc.forward && o != "T")
			}
			want := func() map[point]int { return expectRealtime(after(r.allEntries(), 3), f, "A", forwarded) }
			rec.check = frontierCheck(t, s, want)
			cfg := defaultConfig(r, s, f)
			cfg.History = false
			cfg.ForwardPipeRequests = tc.forward
			cfg.BatchPoints = 2
			run := start(t, cfg, rec)
			eventually(t, "frontier past the skipped entries", func() bool { return rec.last().Index == last })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want()) {
				t.Errorf("sink acknowledged: %s", diffPoints(got, want()))
			}
			seen := map[string]bool{}
			for _, b := range s.attempted() {
				seen[b.Origin] = true
			}
			if seen["T"] || seen[""] {
				t.Errorf("batches sent with origins %v: never T (the target) nor empty", seen)
			}
			for _, o := range tc.sent {
				if !seen[o] {
					t.Errorf("no batch of origin %s sent", o)
				}
			}
			checkPins(t, r, 4, last+1)
			checkEnd(t, r, s, rec)
		})
	}
}

func TestTruncatedLog(t *testing.T) {
	t.Run("resume from a truncated position", func(t *testing.T) {
		r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
		f := newFilter("root.sg")
		r.writes(8)
		r.truncate(5)
		cfg := defaultConfig(r, s, f)
		cfg.Start = Progress{HistoryDone: true, Index: 2}
		run := start(t, cfg, rec)
		eventually(t, "snapshot resent", func() bool { return rec.last().Index == 8 })
		r.writes(2)
		eventually(t, "frontier at 10", func() bool { return rec.last().Index == 10 })
		if err := run.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		es := r.allEntries()
		want := union(expectHistory(es, 8, f, "A"), expectRealtime(after(es, 8), f, "A", forwardAll))
		if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want) {
			t.Errorf("sink acknowledged: %s", diffPoints(got, want))
		}
		if ps := rec.reports(); position(ps[0]) != (Progress{HistoryDone: true, Index: 8}) {
			t.Errorf("progress %v, want the fresh snapshot's {true 8} first", ps)
		}
		checkEnd(t, r, s, rec)
	})
	t.Run("truncated while tailing", func(t *testing.T) {
		r, s, rec := newRegion(), &fakeSink{inFlight: 4}, newRecorder(t)
		f := newFilter("root.sg")
		r.writes(8)
		r.snapAt = 5
		cfg := defaultConfig(r, s, f)
		run := start(t, cfg, rec)
		eventually(t, "frontier at 8", func() bool { return rec.last().Index == 8 })
		r.mu.Lock()
		r.first = 11
		for range 4 {
			r.appendLocked("")
		}
		r.mu.Unlock()
		eventually(t, "frontier at 12", func() bool { return rec.last().Index == 12 })
		r.writes(1)
		eventually(t, "frontier at 13", func() bool { return rec.last().Index == 13 })
		if err := run.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		es := r.allEntries()
		want := union(expectHistory(es, 12, f, "A"), expectRealtime(after(es, 12), f, "A", forwardAll))
		if missing := missingAtLeastOnce(batchPoints(s.ackedBatches()), want); len(missing) > 0 {
			t.Errorf("points lost: %v", missing)
		}
		r.mu.Lock()
		snaps := r.snapshots
		r.mu.Unlock()
		if snaps != 2 {
			t.Errorf("%d snapshots taken, want 2 (one resent)", snaps)
		}
		checkEnd(t, r, s, rec)
	})
}

func TestEntriesOtherThanWrites(t *testing.T) {
	// The log holds entries that are not writes (schema changes,
	// deletions); Region.Entries leaves them out. The frontier must still
	// pass them, and the task must not spin on them.
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	f := newFilter("root.sg")
	r.writes(5)
	r.write("")
	r.other()
	r.write("")
	r.other()
	r.other()
	cfg := defaultConfig(r, s, f)
	cfg.History = false
	r.snapAt = 5
	run := start(t, cfg, rec)
	eventually(t, "frontier at 10", func() bool { return rec.last().Index == 10 })
	r.other()
	eventually(t, "frontier at 11", func() bool { return rec.last().Index == 11 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	r.mu.Lock()
	calls := r.entriesCalls
	r.mu.Unlock()
	if calls > 10 {
		t.Errorf("Entries called %d times for 3 wake-ups", calls)
	}
	want := expectRealtime(after(r.allEntries(), 5), f, "A", forwardAll)
	if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want) {
		t.Errorf("sink acknowledged: %s", diffPoints(got, want))
	}
	checkEnd(t, r, s, rec)
}

// TestProgressCarriesAppendTime: a realtime frontier reports when the last
// write up to it was appended, so the agent can tell a task catching up
// from one at the head of the log; entries that are not writes leave it
// at the write before them.
func TestProgressCarriesAppendTime(t *testing.T) {
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	cfg := defaultConfig(r, s, newFilter("root.sg"))
	cfg.History = false
	r.writes(3)
	r.other()
	r.snapAt = 1 // realtime from entry 2
	run := start(t, cfg, rec)
	eventually(t, "frontier at 4", func() bool { return rec.last().Index == 4 })
	if got := rec.last().Appended; !got.Equal(appendedAt(3)) {
		t.Errorf("frontier 4 reports appended %v, want %v (write 3's)", got, appendedAt(3))
	}
	r.write("")
	eventually(t, "frontier at 5", func() bool { return rec.last().Index == 5 })
	if got := rec.last().Appended; !got.Equal(appendedAt(5)) {
		t.Errorf("frontier 5 reports appended %v, want %v", got, appendedAt(5))
	}
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *fakeRegion, s *fakeSink, cfg *Config)
		// ready reports that the task is where the test cancels it.
		ready func(r *fakeRegion, s *fakeSink, rec *recorder) bool
	}{
		{name: "tailing an idle log",
			ready: func(r *fakeRegion, s *fakeSink, rec *recorder) bool { return rec.last().Index == 8 }},
		{name: "history only, done",
			setup: func(r *fakeRegion, s *fakeSink, cfg *Config) { cfg.Realtime = false },
			ready: func(r *fakeRegion, s *fakeSink, rec *recorder) bool { return rec.last().HistoryDone }},
		{name: "transfers blocked in history",
			setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
				s.inFlight = 3
				s.script = func(ctx context.Context, _ int, _ *pipe.Batch, _ func()) error {
					<-ctx.Done()
					return ctx.Err()
				}
			},
			ready: func(r *fakeRegion, s *fakeSink, rec *recorder) bool { return len(s.attempted()) == 3 }},
		{name: "transfers blocked in realtime",
			setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
				s.inFlight = 2
				s.script = func(ctx context.Context, _ int, b *pipe.Batch, _ func()) error {
					if lastEntry(b) > 5 {
						<-ctx.Done()
						return ctx.Err()
					}
					return nil
				}
			},
			ready: func(r *fakeRegion, s *fakeSink, rec *recorder) bool {
				n := 0
				for _, b := range s.attempted() {
					if lastEntry(b) > 5 {
						n++
					}
				}
				return n == 2
			}},
		{name: "backing off",
			setup: func(r *fakeRegion, s *fakeSink, cfg *Config) {
				cfg.Knobs.MaxBackoff = time.Hour
				s.script = func(context.Context, int, *pipe.Batch, func()) error { return errReset }
			},
			ready: func(r *fakeRegion, s *fakeSink, rec *recorder) bool { tr, _ := rec.errors(); return len(tr) > 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: 1}, newRecorder(t)
			f := newFilter("root.sg")
			r.writes(8)
			r.snapAt = 5
			cfg := defaultConfig(r, s, f)
			cfg.BatchPoints = 2
			if tc.setup != nil {
				tc.setup(r, s, &cfg)
			}
			run := start(t, cfg, rec)
			eventually(t, "task ready", func() bool { return tc.ready(r, s, rec) })
			if err := run.stop(); err != nil {
				t.Fatalf("Run = %v, want nil once cancelled", err)
			}
			if _, fatal := rec.errors(); len(fatal) > 0 {
				t.Errorf("cancellation reported as fatal: %v", fatal)
			}
			checkEnd(t, r, s, rec)
			goleak.VerifyNone(t)
		})
	}
}
