package confignode

import (
	"testing"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
)

func statsState(pipes ...*Pipe) *State {
	s := newState()
	for id := uint32(1); id <= 3; id++ {
		s.Regions[id] = &Region{ID: id, Database: "root.db"}
	}
	s.NextRegionID = 4
	for _, p := range pipes {
		s.Pipes[p.Name] = p
	}
	return s
}

func TestAggregatePipeStats(t *testing.T) {
	now := time.Now()
	created := now.Add(-time.Minute).UnixMilli()
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	running := &Pipe{Name: "a2b", CreationTime: created, State: PipeRunning, Sink: sink, FirstNewRegion: 4,
		Progress: map[uint32]Progress{1: {HistoryDone: true, Index: 100}, 2: {HistoryDone: true, Index: 50}, 3: {HistoryDone: true, Index: 10}}}
	stopped := &Pipe{Name: "stopped", CreationTime: created, State: PipeStopped, Sink: sink, FirstNewRegion: 4,
		Progress: map[uint32]Progress{1: {HistoryDone: true, Index: 90}}}
	historyOnly := &Pipe{Name: "history", CreationTime: created, State: PipeRunning, FirstNewRegion: 4, Sink: sink,
		Source:   []ast.Attribute{{Key: "realtime.enable", Value: "false"}},
		Progress: map[uint32]Progress{1: {HistoryDone: true, Index: 5}, 2: {HistoryDone: true, Index: 5}, 3: {HistoryDone: true, Index: 5}}}
	// Node 1 leads regions 1 and 2 and runs their tasks; node 2 holds a
	// follower replica of region 3, whose leader is gone (no task).
	reports := []PipeReport{
		{Applied: map[uint32]uint64{1: 120, 2: 60}, Tasks: []PipeTaskStats{
			{Pipe: "a2b", Created: created, Region: 1, HistoryDone: true, Index: 110, EventsPerSecond: 2, PointsSent: 7, Retries: 1, LagSeconds: 3},
			{Pipe: "a2b", Created: created, Region: 2, HistoryDone: true, Index: 55, EventsPerSecond: 3, PointsSent: 4, LagSeconds: 1.5,
				Exception: "retrying: no answer from 127.0.0.1:1 for 5s"},
			// A task of an earlier incarnation of the pipe is ignored.
			{Pipe: "a2b", Created: created - 1, Region: 1, HistoryDone: true, Index: 119, EventsPerSecond: 100},
		}},
		{Applied: map[uint32]uint64{3: 30, 1: 118}},
	}
	progressAt := map[string]time.Time{"a2b": now.Add(-4 * time.Second)}
	// This node started tracking before the pipes were created.
	got := aggregate(statsState(running, stopped, historyOnly), reports, progressAt, now.Add(-time.Hour), now)
	if len(got) != 3 {
		t.Fatalf("got %d pipes, want 3: %+v", len(got), got)
	}
	byName := map[string]PipeStats{}
	for _, p := range got {
		byName[p.Name] = p
	}
	a := byName["a2b"]
	// (120-110) + (60-55) + (30-10): the task frontiers where reported,
	// the committed progress where no task runs.
	if a.Remaining != 35 {
		t.Errorf("a2b remaining = %d, want 35", a.Remaining)
	}
	if a.EventsPerSecond != 5 {
		t.Errorf("a2b rate = %v, want the cluster-wide 5", a.EventsPerSecond)
	}
	if a.EstimatedSeconds != 7 {
		t.Errorf("a2b estimate = %v, want 35/5 = 7", a.EstimatedSeconds)
	}
	if a.LagSeconds != 3 || a.PointsSent != 11 || a.Retries != 1 {
		t.Errorf("a2b lag/points/retries = %v/%d/%d, want 3/11/1", a.LagSeconds, a.PointsSent, a.Retries)
	}
	if a.Exception != "retrying: no answer from 127.0.0.1:1 for 5s" {
		t.Errorf("a2b exception = %q, want the task's", a.Exception)
	}
	if a.SnapshotAgeSeconds < 3.9 || a.SnapshotAgeSeconds > 4.1 {
		t.Errorf("a2b snapshot age = %v, want 4", a.SnapshotAgeSeconds)
	}
	s := byName["stopped"]
	// Counted while stopped: region 1 from 90, regions 2 and 3 from the
	// start of their history (no progress yet).
	if s.Remaining != 30+60+30 || s.State != PipeStopped {
		t.Errorf("stopped = %+v, want remaining 120 and STOPPED", s)
	}
	if s.EstimatedSeconds != -1 || s.EventsPerSecond != 0 {
		t.Errorf("stopped estimate/rate = %v/%v, want unknown (-1) and 0", s.EstimatedSeconds, s.EventsPerSecond)
	}
	if s.SnapshotAgeSeconds < 59 {
		t.Errorf("stopped snapshot age = %v, want its age since creation (60s)", s.SnapshotAgeSeconds)
	}
	// A node that started 10 s ago (a restart) ages the pipe from then,
	// not from its creation.
	for _, p := range aggregate(statsState(running, stopped, historyOnly), reports, progressAt, now.Add(-10*time.Second), now) {
		if p.Name == "stopped" && (p.SnapshotAgeSeconds < 9.9 || p.SnapshotAgeSeconds > 10.1) {
			t.Errorf("stopped snapshot age after a restart = %v, want 10", p.SnapshotAgeSeconds)
		}
	}
	h := byName["history"]
	if h.Remaining != 0 || h.EstimatedSeconds != 0 || h.SnapshotAgeSeconds != 0 {
		t.Errorf("history-only pipe = %+v, want nothing remaining once its history is sent", h)
	}
}

func TestPipeReportsExpire(t *testing.T) {
	r := newPipeReports(50 * time.Millisecond)
	r.record(3, PipeReport{Applied: map[uint32]uint64{1: 9}})
	if got := r.fresh(); len(got) != 1 || got[0].Applied[1] != 9 {
		t.Fatalf("fresh = %+v, want the report", got)
	}
	time.Sleep(60 * time.Millisecond)
	if got := r.fresh(); len(got) != 0 {
		t.Fatalf("fresh after the deadline = %+v, want none", got)
	}
}
