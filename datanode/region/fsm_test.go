package region

import (
	"log/slog"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage"
)

func openFSM(t testing.TB, dir string) (*FSM, *storage.Engine, *prometheus.Registry) {
	t.Helper()
	return openFSMWith(t, storage.Config{Dir: dir})
}

// openFSMWith opens an engine of cfg and the state machine of its region 1.
func openFSMWith(t testing.TB, cfg storage.Config) (*FSM, *storage.Engine, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	eng, err := storage.Open(cfg, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := eng.Region(1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFSM(1, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f, eng, reg
}

func pointsWritten(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "sluice_storage_points_written_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no sluice_storage_points_written_total")
	return 0
}

func writeEntry(index uint64, ts int64) *raft.Log {
	tb := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"}, Times: []int64{ts},
		Columns: []model.Column{{Type: model.Int64, Int64s: []int64{ts * 10}}}}
	return &raft.Log{Index: index, Type: raft.LogCommand,
		Data: WriteCommand([]*model.Tablet{tb}, WriteOptions{Database: "root.sg", AutoCreate: true})}
}

// TestReplayOnlyPastDurableIndex applies writes, makes part of them durable,
// "crashes", and replays the whole log as Raft does at start: only the
// entries past the durable index reach the memtable again, and every write
// is readable.
func TestReplayOnlyPastDurableIndex(t *testing.T) {
	dir := t.TempDir()
	f, eng, _ := openFSM(t, dir)
	for i := uint64(1); i <= 3; i++ {
		if resp := f.Apply(writeEntry(i, int64(i))); resp != nil {
			t.Fatalf("apply %d: %v", i, resp)
		}
	}
	if _, err := f.Snapshot(); err != nil { // flushes: durable index 3
		t.Fatal(err)
	}
	if resp := f.Apply(writeEntry(4, 4)); resp != nil {
		t.Fatal(resp)
	}
	if err := eng.Close(); err != nil { // no flush: entry 4 lives only in the log
		t.Fatal(err)
	}

	f, eng, reg := openFSM(t, dir)
	defer eng.Close()
	if got := f.AppliedIndex(); got != 3 {
		t.Fatalf("reopened at index %d, want the durable index 3", got)
	}
	for i := uint64(1); i <= 4; i++ {
		if resp := f.Apply(writeEntry(i, int64(i))); resp != nil {
			t.Fatalf("replay %d: %v", i, resp)
		}
	}
	if got := pointsWritten(t, reg); got != 1 {
		t.Fatalf("replay wrote %v points into the memtable, want 1 (entry 4 only)", got)
	}
	entries := f.Match(model.Path{"root", "**"})
	if len(entries) != 1 || entries[0].ID != 1 {
		t.Fatalf("schema after replay = %+v", entries)
	}
	v := f.View()
	defer v.Close()
	it := v.Scan(entries[0].ID, model.Int64, -1<<63, 1<<63-1)
	defer it.Close()
	times, vals, err := it.Next(100)
	if err != nil || len(times) != 4 || vals.Int64s[3] != 40 {
		t.Fatalf("after replay: times %v values %v err %v", times, vals.Int64s, err)
	}
}

func TestRefusedWriteLeavesNoTrace(t *testing.T) {
	f, eng, reg := openFSM(t, t.TempDir())
	defer eng.Close()
	if resp := f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: CreateSeriesCommand([]model.Series{
		{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32, Database: "root.sg"}})}); resp != nil {
		t.Fatal(resp)
	}
	// Entry 2 writes a new device and then mistypes s: nothing of it lands.
	good := &model.Tablet{Device: model.Path{"root", "sg", "e"}, Measurements: []string{"x"}, Times: []int64{1},
		Columns: []model.Column{{Type: model.Double, Float64s: []float64{1}}}}
	bad := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"}, Times: []int64{1},
		Columns: []model.Column{{Type: model.Int64, Int64s: []int64{1}}}}
	resp := f.Apply(&raft.Log{Index: 2, Type: raft.LogCommand,
		Data: WriteCommand([]*model.Tablet{good, bad}, WriteOptions{Database: "root.sg", AutoCreate: true})})
	if resp == nil {
		t.Fatal("mistyped write accepted")
	}
	if got := f.Match(model.Path{"root", "sg", "e", "*"}); len(got) != 0 {
		t.Fatalf("refused write created %v", got)
	}
	if got := pointsWritten(t, reg); got != 0 {
		t.Fatalf("refused write stored %v points", got)
	}
}
