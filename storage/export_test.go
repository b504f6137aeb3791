package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/model"
)

// regionState is everything a region holds, as read back.
type regionState struct {
	Durable uint64
	Metas   []string
	Points  map[string][]point // "id/type" -> points
}

func readState(t testing.TB, r *Region, ids []uint64) regionState {
	t.Helper()
	s := regionState{Durable: r.DurableIndex(), Points: make(map[string][]point)}
	if err := r.Metas(func(k, v []byte) error {
		s.Metas = append(s.Metas, string(k)+"="+string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	v := r.View()
	defer v.Close()
	for _, id := range ids {
		for _, typ := range allTypes {
			if ps := scanAll(t, v, id, typ, minTime, maxTime, 1000); len(ps) > 0 {
				s.Points[fmt.Sprintf("%d/%s", id, typ)] = ps
			}
		}
	}
	return s
}

// fillSource writes several series of every type over 10 indexes, flushing
// after index 5 (chunks) and leaving the rest in the memtable, with metas
// and a delete in the middle of a flushed series.
func fillSource(t testing.TB, r *Region) {
	t.Helper()
	for i := uint64(1); i <= 10; i++ {
		var ws []SeriesWrite
		for id := uint64(1); id <= 6; id++ {
			typ := allTypes[id-1]
			var times []int64
			var vals []any
			for j := range 20 {
				ts := int64(i)*100 + int64(j)*3 - int64(id)
				times = append(times, ts)
				vals = append(vals, valueFor(typ, ts))
			}
			ws = append(ws, SeriesWrite{ID: id, Times: times, Values: column(typ, vals...)})
		}
		r.Write(i, ws)
		if i == 5 {
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := r.Delete(6, []uint64{2}, 150, 250); err != nil {
				t.Fatal(err)
			}
		}
		if i == 6 {
			for _, k := range []string{"dev/root.a", "dev/root.b", "next-series-id"} {
				if err := r.PutMeta([]byte(k), []byte("meta of "+k)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	r.Advance(12) // an entry that wrote nothing here
}

func exportBytes(t testing.TB, r *Region) ([]byte, uint64) {
	t.Helper()
	exp, err := r.Export(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	var buf bytes.Buffer
	n, err := exp.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != exp.Size() || int64(buf.Len()) != exp.Size() {
		t.Fatalf("WriteTo wrote %d bytes (buffer %d), Size %d", n, buf.Len(), exp.Size())
	}
	return buf.Bytes(), exp.Index()
}

func TestExportImportRoundTrip(t *testing.T) {
	ids := []uint64{1, 2, 3, 4, 5, 6, 40}
	src := openRegion(t, openEngine(t, Config{ChunkPoints: 16, ChunkWindow: 500}), 3)
	fillSource(t, src)
	want := readState(t, src, ids)

	stream, index := exportBytes(t, src)
	if index != 12 || src.DurableIndex() != 12 {
		t.Fatalf("export index %d, source durable %d, want 12 (the last applied)", index, src.DurableIndex())
	}
	want.Durable = 12
	// Read gives the same bytes as WriteTo, in any read size.
	exp, err := src.Export(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.LimitReader(oneByteReader{exp}, 1<<30))
	exp.Close()
	if err != nil || !bytes.Equal(got, stream) {
		t.Fatalf("Read gave %d bytes (err %v), WriteTo %d", len(got), err, len(stream))
	}

	// The target region has other data, at a higher index, flushed and not.
	dir := t.TempDir()
	dstEngine := openEngine(t, Config{Dir: dir})
	dst := openRegion(t, dstEngine, 9)
	dst.Write(50, []SeriesWrite{{ID: 40, Times: []int64{1, 2}, Values: column(model.Int64, int64(1), int64(2))}})
	if err := dst.PutMeta([]byte("dev/root.old"), []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := dst.Flush(); err != nil {
		t.Fatal(err)
	}
	dst.Write(51, []SeriesWrite{{ID: 1, Times: []int64{-5}, Values: column(model.Boolean, true)}})

	if err := dst.Import(bytes.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, dst, ids); !reflect.DeepEqual(got, want) {
		t.Fatalf("imported state differs\ngot  %+v\nwant %+v", got, want)
	}
	// The imported index is the last applied: older writes are ignored,
	// newer ones land.
	dst.Write(12, []SeriesWrite{{ID: 40, Times: []int64{7}, Values: column(model.Int64, int64(7))}})
	dst.Write(13, []SeriesWrite{{ID: 40, Times: []int64{8}, Values: column(model.Int64, int64(8))}})
	v := dst.View()
	if got := scanAll(t, v, 40, model.Int64, minTime, maxTime, 10); !reflect.DeepEqual(got, []point{{8, int64(8)}}) {
		t.Fatalf("writes after import: %v", got)
	}
	v.Close()

	// The import is durable: a reopened engine holds it (not the unflushed
	// write at 13).
	if err := dstEngine.Close(); err != nil {
		t.Fatal(err)
	}
	dst = openRegion(t, openEngine(t, Config{Dir: dir}), 9)
	if got := readState(t, dst, ids); !reflect.DeepEqual(got, want) {
		t.Fatalf("state after reopen differs\ngot  %+v\nwant %+v", got, want)
	}
	// Exporting the import gives the same stream.
	if again, _ := exportBytes(t, dst); !bytes.Equal(again, stream) {
		t.Fatal("re-export of the imported region differs")
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 7 {
		p = p[:7]
	}
	return o.r.Read(p)
}

func TestImportRefusesBadStreams(t *testing.T) {
	src := openRegion(t, openEngine(t, Config{}), 1)
	src.Write(4, []SeriesWrite{{ID: 1, Times: []int64{1, 2, 3}, Values: column(model.Double, 1.5, 2.5, 3.5)}})
	if err := src.PutMeta([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	stream, _ := exportBytes(t, src)

	flip := func(i int) []byte {
		b := bytes.Clone(stream)
		b[i] ^= 0x10
		return b
	}
	tests := []struct {
		name   string
		stream []byte
	}{
		{"empty", nil},
		{"magic", flip(0)},
		{"version", flip(4)},
		{"index", flip(7)},
		{"record tag", flip(exportHeaderLen)},
		{"record key", flip(exportHeaderLen + 3)},
		{"record value", flip(len(stream) - 30)},
		{"trailer count", flip(len(stream) - 5)},
		{"trailer crc", flip(len(stream) - 1)},
		{"trailing data", append(bytes.Clone(stream), 0)},
		{"duplicate record", dupFirstRecord(t, stream)},
	}
	for cut := range len(stream) {
		tests = append(tests, struct {
			name   string
			stream []byte
		}{fmt.Sprintf("truncated at %d", cut), stream[:cut]})
	}
	e := openEngine(t, Config{})
	dst := openRegion(t, e, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst.Write(dst.DurableIndex()+100, []SeriesWrite{{ID: 1, Times: []int64{9}, Values: column(model.Double, 9.0)}})
			if err := dst.Flush(); err != nil {
				t.Fatal(err)
			}
			err := dst.Import(bytes.NewReader(tt.stream))
			if !errors.Is(err, ErrBadExport) {
				t.Fatalf("Import = %v, want ErrBadExport", err)
			}
			// Refused: the region is empty at index 0.
			if got := readState(t, dst, []uint64{1}); got.Durable != 0 || len(got.Metas) != 0 || len(got.Points) != 0 {
				t.Fatalf("after a refused import: %+v", got)
			}
		})
	}
	if err := dst.Import(bytes.NewReader(stream)); err != nil {
		t.Fatalf("import after refusals: %v", err)
	}
	if got := readState(t, dst, []uint64{1}); got.Durable != 4 || len(got.Points["1/DOUBLE"]) != 3 {
		t.Fatalf("after a good import: %+v", got)
	}
}

// dupFirstRecord repeats the first record, fixing up the trailer count, so
// that only the key order check can catch it.
func dupFirstRecord(t *testing.T, stream []byte) []byte {
	t.Helper()
	body := stream[exportHeaderLen:]
	kl := int(body[1]) // short keys: one-byte lengths
	vl := int(body[2+kl])
	rec := body[:2+kl+1+vl+4]
	out := append(bytes.Clone(stream[:exportHeaderLen]), rec...)
	out = append(out, body[:len(body)-int(trailerLen(2))]...)
	return appendTrailer(out, 3)
}

func TestExportHoldsLockForCapture(t *testing.T) {
	r := openRegion(t, openEngine(t, Config{}), 1)
	r.Write(1, []SeriesWrite{{ID: 1, Times: []int64{1}, Values: column(model.Int32, int32(1))}})
	var hold lockRecorder
	exp, err := r.Export(&hold)
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Close()
	if hold.locks != 1 || hold.held {
		t.Fatalf("hold locked %d times, still held %v", hold.locks, hold.held)
	}
	if exp.Index() != 1 || r.DurableIndex() != 1 {
		t.Fatalf("export index %d, durable %d: Export did not flush", exp.Index(), r.DurableIndex())
	}
}

type lockRecorder struct {
	locks int
	held  bool
}

func (l *lockRecorder) Lock()   { l.locks++; l.held = true }
func (l *lockRecorder) Unlock() { l.held = false }

// TestExportClosedByEngine closes the engine under a half-read export: the
// export stops with ErrClosed and pebble reports no leaked iterator.
func TestExportClosedByEngine(t *testing.T) {
	e, err := Open(Config{Dir: t.TempDir()}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r := openRegion(t, e, 1)
	for i := range 200 {
		r.Write(uint64(i+1), []SeriesWrite{{ID: uint64(i), Times: []int64{1}, Values: column(model.Text, string(make([]byte, 1000)))}})
	}
	exp, err := r.Export(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, exp, 100); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("engine close: %v", err)
	}
	if _, err := io.Copy(io.Discard, exp); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close = %v, want ErrClosed", err)
	}
	if err := exp.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := r.Import(bytes.NewReader(nil)); !errors.Is(err, ErrClosed) {
		t.Fatalf("import into a closed region = %v", err)
	}
}

// FuzzImport feeds Import arbitrary streams: it never panics, and a stream
// it refuses leaves the region empty.
func FuzzImport(f *testing.F) {
	e := openEngine(f, Config{Dir: "fuzz", TestingKnobs: TestingKnobs{FS: vfs.NewMem()}})
	src := openRegion(f, e, 1)
	src.Write(3, []SeriesWrite{{ID: 7, Times: []int64{1, 5}, Values: column(model.Text, "a", "bc")}})
	if err := src.PutMeta([]byte("m"), []byte("x")); err != nil {
		f.Fatal(err)
	}
	stream, _ := exportBytes(f, src)
	f.Add(stream)
	f.Add(stream[:len(stream)/2])
	f.Add([]byte(exportMagic))
	dst := openRegion(f, e, 2)
	f.Fuzz(func(t *testing.T, b []byte) {
		err := dst.Import(bytes.NewReader(b))
		if err != nil {
			if s := readState(t, dst, []uint64{7}); s.Durable != 0 || len(s.Metas) != 0 || len(s.Points) != 0 {
				t.Fatalf("refused import left %+v", s)
			}
			return
		}
		again, _ := exportBytes(t, dst)
		if len(again) > len(b) {
			t.Fatalf("accepted %d bytes, re-export has %d", len(b), len(again))
		}
	})
}

// BenchmarkExportImport exports a region of regular series in chunks and
// imports it into another engine, reporting MB/s of stream and points/s.
func BenchmarkExportImport(b *testing.B) {
	const points = 4_000_000
	src := scanFixtureSeries(b, points, 40)
	dst := openRegion(b, openEngine(b, Config{}), 2)
	var stream bytes.Buffer
	var exportTime, importTime time.Duration
	b.ResetTimer()
	for range b.N {
		stream.Reset()
		start := time.Now()
		exp, err := src.Export(nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := exp.WriteTo(&stream); err != nil {
			b.Fatal(err)
		}
		exp.Close()
		exportTime += time.Since(start)
		start = time.Now()
		if err := dst.Import(bytes.NewReader(stream.Bytes())); err != nil {
			b.Fatal(err)
		}
		importTime += time.Since(start)
	}
	b.StopTimer()
	mb := float64(stream.Len()) * float64(b.N) / 1e6
	b.ReportMetric(mb/exportTime.Seconds(), "export-MB/s")
	b.ReportMetric(mb/importTime.Seconds(), "import-MB/s")
	b.ReportMetric(float64(points)*float64(b.N)/exportTime.Seconds(), "export-points/s")
	b.ReportMetric(float64(points)*float64(b.N)/importTime.Seconds(), "import-points/s")
	b.ReportMetric(float64(stream.Len())/points, "stream-bytes/point")
}

// scanFixtureSeries writes n points spread over the given number of
// regular series, flushed into chunks.
func scanFixtureSeries(b *testing.B, n, series int) *Region {
	b.Helper()
	r := openRegion(b, openEngine(b, Config{}), 1)
	batches := walkBatches(7, n/benchRows/series)
	times := make([]int64, benchRows)
	ws := make([]SeriesWrite, series)
	for i, vals := range batches {
		for j := range times {
			times[j] = benchStart + int64(i*benchRows+j)*1000
		}
		for s := range ws {
			ws[s] = SeriesWrite{ID: uint64(s), Times: times, Values: model.Column{Type: model.Double, Float64s: vals}}
		}
		r.Write(uint64(i+1), ws)
	}
	if err := r.Flush(); err != nil {
		b.Fatal(err)
	}
	return r
}
