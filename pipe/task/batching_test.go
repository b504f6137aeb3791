package task

import (
	"testing"
	"time"

	"github.com/sluicedb/sluice/pipe"
)

// batchingSink is a fakeSink whose attributes ask for batching.
type batchingSink struct {
	*fakeSink
	b pipe.Batching
}

func (s batchingSink) Batching() pipe.Batching { return s.b }

// TestBatchingHoldsUntilDelay: a lone write is held for the delay, the
// frontier stays below it (entries that are not writes after it included)
// until its transfer is acknowledged, and writes arriving meanwhile go in
// the same transfer.
func TestBatchingHoldsUntilDelay(t *testing.T) {
	const delay = 400 * time.Millisecond
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	f := newFilter("root.sg")
	r.writes(2)
	r.snapAt = 2
	want := func() map[point]int { return expectRealtime(after(r.allEntries(), 2), f, "A", forwardAll) }
	rec.check = frontierCheck(t, s, want)
	cfg := defaultConfig(r, s, f)
	cfg.Sink = batchingSink{s, pipe.Batching{Enabled: true, MaxDelay: delay, SizeBytes: 1 << 20}}
	cfg.History = false
	run := start(t, cfg, rec)
	eventually(t, "frontier at 2", func() bool { return rec.last().Index == 2 })

	begin := time.Now()
	r.write("")
	time.Sleep(delay / 4)
	r.other()
	r.write("")
	r.other()
	eventually(t, "frontier at 6", func() bool { return rec.last().Index == 6 })
	if took := time.Since(begin); took < delay {
		t.Errorf("held writes sent after %v, before the %v delay", took, delay)
	}
	if n := len(s.ackedBatches()); n != 1 {
		t.Errorf("%d transfers, want the two writes in one", n)
	}
	// Only entries that are not writes: nothing held, the frontier moves.
	r.other()
	eventually(t, "frontier at 7", func() bool { return rec.last().Index == 7 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want()) {
		t.Errorf("sink acknowledged: %s", diffPoints(got, want()))
	}
	checkEnd(t, r, s, rec)
}

// TestBatchingSizeSendsAtOnce: held writes reaching the size go at once,
// without waiting for the delay.
func TestBatchingSizeSendsAtOnce(t *testing.T) {
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	f := newFilter("root.sg")
	r.snapAt = 0
	cfg := defaultConfig(r, s, f)
	cfg.Sink = batchingSink{s, pipe.Batching{Enabled: true, MaxDelay: time.Hour, SizeBytes: 1}}
	cfg.History = false
	run := start(t, cfg, rec)
	r.writes(3)
	eventually(t, "frontier at 3", func() bool { return rec.last().Index == 3 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// TestBatchingStopDropsHeld: a task stopped while holding writes has not
// acknowledged them: the frontier stays below, so they are sent again.
func TestBatchingStopDropsHeld(t *testing.T) {
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	f := newFilter("root.sg")
	r.writes(2)
	r.snapAt = 2
	cfg := defaultConfig(r, s, f)
	cfg.Sink = batchingSink{s, pipe.Batching{Enabled: true, MaxDelay: time.Hour, SizeBytes: 1 << 30}}
	cfg.History = false
	run := start(t, cfg, rec)
	eventually(t, "frontier at 2", func() bool { return rec.last().Index == 2 })
	r.writes(2)
	r.other()
	time.Sleep(50 * time.Millisecond)
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if last := rec.last().Index; last != 2 {
		t.Errorf("frontier %d after stopping with writes 3-4 held, want 2", last)
	}
	if n := len(s.attempted()); n != 0 {
		t.Errorf("%d transfers of held writes", n)
	}
}
