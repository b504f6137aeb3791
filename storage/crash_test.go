package storage

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// logEntry is a stand-in for a region's Raft log entry.
type logEntry struct {
	index  uint64
	writes []SeriesWrite
	del    *[2]int64 // delete range of series 1, if a delete
}

func (le logEntry) apply(t *testing.T, r *Region) {
	t.Helper()
	if le.del != nil {
		if err := r.Delete(le.index, []uint64{1}, le.del[0], le.del[1]); err != nil {
			t.Fatalf("apply delete %d: %v", le.index, err)
		}
		return
	}
	r.Write(le.index, le.writes)
}

func pointsEntry(index uint64, from, to int64) logEntry {
	var times []int64
	var vals []any
	for ts := from; ts < to; ts++ {
		times = append(times, ts)
		vals = append(vals, float64(ts)/10)
	}
	return logEntry{index: index, writes: []SeriesWrite{{ID: 1, Times: times, Values: column(model.Double, vals...)}}}
}

// TestCloseWithoutFlush closes the engine with unflushed writes, as a crash
// would lose them, and checks that the reopened region reports the flushed
// index and serves the flushed data only.
func TestCloseWithoutFlush(t *testing.T) {
	dir := t.TempDir()
	e := openEngine(t, Config{Dir: dir})
	r := openRegion(t, e, 1)
	pointsEntry(1, 0, 100).apply(t, r)
	pointsEntry(2, 100, 200).apply(t, r)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	pointsEntry(3, 200, 300).apply(t, r)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openEngine(t, Config{Dir: dir})
	r = openRegion(t, e, 1)
	if got := r.DurableIndex(); got != 2 {
		t.Fatalf("durable index %d, want 2", got)
	}
	v := r.View()
	defer v.Close()
	got := scanAll(t, v, 1, model.Double, minTime, maxTime, 64)
	if len(got) != 200 || got[199].t != 199 {
		t.Fatalf("reopened region has %d points", len(got))
	}
}

// TestCrashRecovery takes crash images of pebble's file system (only synced
// data, or a random part of the unsynced data too), reopens them, replays
// the log from DurableIndex+1 and compares with a region that never crashed.
func TestCrashRecovery(t *testing.T) {
	log := []logEntry{
		pointsEntry(1, 0, 500),
		pointsEntry(2, 500, 1000),
		{index: 3, del: &[2]int64{100, 199}},
		pointsEntry(4, 50, 120), // out of order, over flushed data
		{index: 5, del: &[2]int64{900, 1100}},
		pointsEntry(6, 1000, 1300),
	}
	for _, unsynced := range []int{0, 50, 100} {
		t.Run("", func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			cfg := Config{Dir: "/db", ChunkPoints: 64, ChunkWindow: 400, TestingKnobs: TestingKnobs{FS: fs}}
			e := openEngine(t, cfg)
			r := openRegion(t, e, 1)
			for _, le := range log[:2] {
				le.apply(t, r)
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			for _, le := range log[2:] {
				le.apply(t, r)
			}
			want := r.View()
			defer want.Close()
			wantPoints := scanAll(t, want, 1, model.Double, minTime, maxTime, 100)

			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rand.New(rand.NewPCG(1, uint64(unsynced)))})
			cfg.TestingKnobs.FS = crashed
			e2 := openEngine(t, cfg)
			r2 := openRegion(t, e2, 1)
			durable := r2.DurableIndex()
			if durable != 2 {
				t.Fatalf("durable index %d after crash, want 2", durable)
			}
			v := r2.View()
			// The flushed points are 0..999; unsynced data that survived the
			// crash may include the later deletes of 100..199 and 900..999,
			// so at least the 800 points outside them must be there.
			if got := scanAll(t, v, 1, model.Double, 0, 999, 100); len(got) < 800 {
				t.Fatalf("flushed data lost: %d points", len(got))
			}
			v.Close()
			for _, le := range log {
				le.apply(t, r2) // entries up to durable are ignored
			}
			v = r2.View()
			defer v.Close()
			if got := scanAll(t, v, 1, model.Double, minTime, maxTime, 100); !reflect.DeepEqual(got, wantPoints) {
				t.Fatalf("after replay: %d points, want %d", len(got), len(wantPoints))
			}
		})
	}
}

func TestCorruptChunkIsAnError(t *testing.T) {
	corruptions := []struct {
		name string
		mess func([]byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"empty", func([]byte) []byte { return nil }},
		{"garbage", func(b []byte) []byte {
			for i := range b {
				b[i] = byte(i * 7)
			}
			return b
		}},
	}
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			e := openEngine(t, Config{ChunkPoints: 50, ChunkWindow: 100})
			r := openRegion(t, e, 1)
			pointsEntry(1, 0, 200).apply(t, r)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			key := chunkKey(1, 1, 50, 1)
			val, closer, err := e.db.Get(key)
			if err != nil {
				t.Fatalf("chunk key: %v", err)
			}
			bad := c.mess(append([]byte(nil), val...))
			_ = closer.Close()
			if err := e.db.Set(key, bad, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			v := r.View()
			defer v.Close()
			it := v.Scan(1, model.Double, minTime, maxTime)
			var err2 error
			for {
				times, _, err := it.Next(30)
				if err != nil || len(times) == 0 {
					err2 = err
					break
				}
			}
			it.Close()
			if !errors.Is(err2, encoding.ErrCorrupt) {
				t.Fatalf("scan error %v", err2)
			}
			if _, err := v.Stats(1, model.Double, minTime, maxTime); !errors.Is(err, encoding.ErrCorrupt) {
				t.Fatalf("stats error %v", err)
			}
			if err := r.Delete(2, []uint64{1}, 60, 70); !errors.Is(err, encoding.ErrCorrupt) {
				t.Fatalf("delete error %v", err)
			}
			// Reads that avoid the chunk still work.
			if got := scanAll(t, v, 1, model.Double, 100, 149, 100); len(got) != 50 {
				t.Fatalf("scan past the corrupt chunk: %d points", len(got))
			}
		})
	}
}

// TestFlushFailureBackPressure makes flushes fail: the frozen memtable
// stays, the next Write that fills the memtable blocks, and everything
// lands once flushes work again.
func TestFlushFailureBackPressure(t *testing.T) {
	var failing atomic.Bool
	var attempts atomic.Int32
	failing.Store(true)
	reg := prometheus.NewRegistry()
	cfg := Config{Dir: t.TempDir(), MemtableBytes: 1600, TestingKnobs: TestingKnobs{
		BeforeFlushCommit: func(uint32) error {
			attempts.Add(1)
			if failing.Load() {
				return errors.New("injected")
			}
			return nil
		},
	}}
	e, err := Open(cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r := openRegion(t, e, 1)
	pointsEntry(1, 0, 100).apply(t, r) // 1600 bytes: frozen, flush fails
	if err := r.Flush(); err == nil {
		t.Fatal("flush succeeded while failing")
	}
	for attempts.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() {
		pointsEntry(2, 100, 200).apply(t, r) // fills the next memtable: must wait
		close(done)
	}()
	// The background flusher retries; the blocked write waits for it.
	for n := attempts.Load(); attempts.Load() < n+1; {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("write did not wait for the failing flush")
	default:
	}
	failing.Store(false)
	<-done
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if r.DurableIndex() != 2 {
		t.Fatalf("durable index %d", r.DurableIndex())
	}
	v := r.View()
	defer v.Close()
	if got := scanAll(t, v, 1, model.Double, minTime, maxTime, 1000); len(got) != 200 {
		t.Fatalf("%d points after recovery", len(got))
	}
	if n := metricValue(t, e.metrics.pointsWritten); n != 200 {
		t.Fatalf("points written metric %v", n)
	}
	if n := metricValue(t, e.metrics.memtableBytes); n != 0 {
		t.Fatalf("memtable bytes metric %v after flush", n)
	}
	if n := metricValue(t, e.metrics.flushes); n < 2 {
		t.Fatalf("flushes metric %v", n)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
		if f.GetName() == "sluice_storage_disk_bytes" && f.GetMetric()[0].GetGauge().GetValue() <= 0 {
			t.Errorf("disk bytes metric is %v", f.GetMetric()[0].GetGauge().GetValue())
		}
	}
	want := []string{"sluice_storage_disk_bytes", "sluice_storage_flush_duration_seconds", "sluice_storage_flushes_total",
		"sluice_storage_memtable_bytes", "sluice_storage_points_written_total"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("metrics %v, want %v", names, want)
	}
}

func TestCloseWithOpenViews(t *testing.T) {
	e := openEngine(t, Config{})
	r := openRegion(t, e, 1)
	pointsEntry(1, 0, 10).apply(t, r)
	v := r.View()
	it := v.Scan(1, model.Double, minTime, maxTime)
	if err := e.Close(); err != nil {
		t.Fatalf("close with open views: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, _, err := it.Next(10); !errors.Is(err, ErrClosed) {
		t.Fatalf("iterator after close: %v", err)
	}
	it.Close()
	if _, err := v.Stats(1, model.Double, minTime, maxTime); !errors.Is(err, ErrClosed) {
		t.Fatalf("stats after close: %v", err)
	}
	v.Close()
	if err := r.Flush(); !errors.Is(err, ErrClosed) {
		t.Fatalf("flush after close: %v", err)
	}
	if _, err := e.Region(2); !errors.Is(err, ErrClosed) {
		t.Fatalf("region after close: %v", err)
	}
	r.Write(2, []SeriesWrite{{ID: 1, Times: []int64{1}, Values: column(model.Double, 1.0)}})
	v = r.View()
	if _, _, err := v.Scan(1, model.Double, minTime, maxTime).Next(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("scan of a view of a closed region: %v", err)
	}
	v.Close()
}

// metricValue reads a counter or gauge.
func metricValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}
