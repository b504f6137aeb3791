package task

import (
	"maps"
	"sync"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// evenTimes is a processor that passes the points at even times, and
// records what it saw.
type evenTimes struct {
	mu         sync.Mutex
	seen       int // points
	historical bool
	realtime   bool
}

func (p *evenTimes) Process(tb *model.Tablet) *model.Tablet {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen += tb.Points()
	var rows []int
	for r, ts := range tb.Times {
		if entryOf(ts) <= 5 {
			p.historical = true
		} else {
			p.realtime = true
		}
		if ts%2 == 0 {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	out := &model.Tablet{Device: tb.Device, Aligned: tb.Aligned, Measurements: tb.Measurements}
	for _, r := range rows {
		out.Times = append(out.Times, tb.Times[r])
	}
	for c := range tb.Columns {
		out.Columns = append(out.Columns, tb.Columns[c].Gather(rows))
	}
	return out
}

// TestProcessor: both phases go through the processor, only what it
// passes is sent, and the frontier moves past what it drops.
func TestProcessor(t *testing.T) {
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	f := newFilter("root.sg")
	r.writes(8)
	r.snapAt = 5
	even := func(m map[point]int) map[point]int {
		maps.DeleteFunc(m, func(p point, _ int) bool { return p.Time%2 != 0 })
		return m
	}
	want := func() map[point]int {
		es := r.allEntries()
		return even(union(expectHistory(es, 5, f, "A"), expectRealtime(after(es, 5), f, "A", forwardAll)))
	}
	rec.check = frontierCheck(t, s, want)
	cfg := defaultConfig(r, s, f)
	cfg.BatchPoints = 3
	proc := &evenTimes{}
	cfg.Processor = proc
	run := start(t, cfg, rec)
	eventually(t, "frontier at 8", func() bool { return rec.last().Index == 8 })
	r.writes(3)
	eventually(t, "frontier at 11", func() bool { return rec.last().Index == 11 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := batchPoints(s.ackedBatches()); !mapsEqual(got, want()) {
		t.Errorf("sink received: %s", diffPoints(got, want()))
	}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !proc.historical || !proc.realtime {
		t.Errorf("processor saw historical %v, realtime %v; want both", proc.historical, proc.realtime)
	}
	if sent := len(want()); proc.seen <= sent {
		t.Errorf("processor saw %d points, %d sent: it dropped nothing", proc.seen, sent)
	}
	checkEnd(t, r, s, rec)
}

type dropAll struct{}

func (dropAll) Process(*model.Tablet) *model.Tablet { return nil }

// TestProcessorDropsAll: with nothing to send, the frontier still moves.
func TestProcessorDropsAll(t *testing.T) {
	r, s, rec := newRegion(), &fakeSink{inFlight: 2}, newRecorder(t)
	r.writes(8)
	r.snapAt = 5
	cfg := defaultConfig(r, s, newFilter("root.sg"))
	cfg.Processor = dropAll{}
	run := start(t, cfg, rec)
	eventually(t, "frontier at 8", func() bool { return position(rec.last()) == Progress{HistoryDone: true, Index: 8} })
	r.writes(2)
	eventually(t, "frontier at 10", func() bool { return rec.last().Index == 10 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := len(s.attempted()); n != 0 {
		t.Errorf("%d batches sent, want none", n)
	}
	checkEnd(t, r, s, rec)
}
