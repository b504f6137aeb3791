package storage

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
)

func TestTypesRoundTrip(t *testing.T) {
	for _, flushed := range []bool{false, true} {
		for _, typ := range allTypes {
			t.Run(fmt.Sprintf("%s/flushed=%v", typ, flushed), func(t *testing.T) {
				e := openEngine(t, Config{ChunkPoints: 7, ChunkWindow: 50})
				r := openRegion(t, e, 1)
				var want []point
				for batch := range 4 {
					var times []int64
					var vals []any
					for i := range 30 {
						ts := int64(batch*30 + i)
						times = append(times, ts)
						if i%5 == 4 {
							vals = append(vals, nil) // absent row
							continue
						}
						vals = append(vals, valueFor(typ, ts))
						want = append(want, point{ts, valueFor(typ, ts)})
					}
					r.Write(uint64(batch+1), []SeriesWrite{{ID: 9, Times: times, Values: column(typ, vals...)}})
				}
				if flushed {
					if err := r.Flush(); err != nil {
						t.Fatal(err)
					}
				}
				v := r.View()
				defer v.Close()
				for _, batch := range []int{1, 5, 1000} {
					if got := scanAll(t, v, 9, typ, minTime, maxTime, batch); !reflect.DeepEqual(got, want) {
						t.Fatalf("batch %d: got %v\nwant %v", batch, got, want)
					}
				}
				if got := scanAll(t, v, 9, typ, 31, 44, 3); !reflect.DeepEqual(got, filterRange(want, 31, 44)) {
					t.Fatalf("range scan: got %v", got)
				}
				ts, val, ok, err := v.Last(9, typ)
				if err != nil || !ok || ts != want[len(want)-1].t || !reflect.DeepEqual(val, want[len(want)-1].v) {
					t.Fatalf("last: %d %v %v %v", ts, val, ok, err)
				}
				if got := scanAll(t, v, 9, otherType(typ), minTime, maxTime, 10); len(got) != 0 {
					t.Fatalf("scan with another type returned %d points", len(got))
				}
			})
		}
	}
}

func otherType(t model.DataType) model.DataType { return (t + 1) % 6 }

func filterRange(ps []point, lo, hi int64) []point {
	var out []point
	for _, p := range ps {
		if p.t >= lo && p.t <= hi {
			out = append(out, p)
		}
	}
	return out
}

func TestOutOfOrderAndDuplicates(t *testing.T) {
	tests := []struct {
		name  string
		flush []bool // flush after each write
	}{
		{"memtable", []bool{false, false, false}},
		{"chunks", []bool{true, true, true}},
		{"mixed", []bool{true, false, false}},
		{"mixed late", []bool{false, true, false}},
	}
	writes := [][]point{
		{{10, 1.0}, {5, 2.0}, {10, 3.0}, {20, 4.0}},
		{{5, 5.0}, {15, 6.0}, {1, 7.0}},
		{{20, 8.0}, {1, 9.0}, {1, 10.0}, {30, 11.0}},
	}
	want := []point{{1, 10.0}, {5, 5.0}, {10, 3.0}, {15, 6.0}, {20, 8.0}, {30, 11.0}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := openEngine(t, Config{})
			r := openRegion(t, e, 1)
			for i, ps := range writes {
				col := model.NewColumn(model.Double, len(ps))
				var times []int64
				for _, p := range ps {
					times = append(times, p.t)
					col.Append(p.v)
				}
				r.Write(uint64(i+1), []SeriesWrite{{ID: 1, Times: times, Values: col}})
				if tt.flush[i] {
					if err := r.Flush(); err != nil {
						t.Fatal(err)
					}
				}
			}
			v := r.View()
			defer v.Close()
			if got := scanAll(t, v, 1, model.Double, minTime, maxTime, 2); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
			st, err := v.Stats(1, model.Double, minTime, maxTime)
			if err != nil {
				t.Fatal(err)
			}
			wantStats := Stats{Count: 6, Sum: 43, Min: 3.0, Max: 11.0, FirstTime: 1, FirstValue: 10.0, LastTime: 30, LastValue: 11.0}
			if !reflect.DeepEqual(st, wantStats) {
				t.Fatalf("stats %+v\nwant %+v", st, wantStats)
			}
			if ts, val, ok, err := v.Last(1, model.Double); err != nil || !ok || ts != 30 || val != 11.0 {
				t.Fatalf("last %d %v %v %v", ts, val, ok, err)
			}
		})
	}
}

func TestDeleteAcrossMemtableAndChunks(t *testing.T) {
	e := openEngine(t, Config{ChunkPoints: 10, ChunkWindow: 1000})
	r := openRegion(t, e, 1)
	write := func(index uint64, id uint64, from, to int64) {
		var times []int64
		var vals []any
		for ts := from; ts < to; ts++ {
			times = append(times, ts)
			vals = append(vals, ts)
		}
		r.Write(index, []SeriesWrite{{ID: id, Times: times, Values: column(model.Int64, vals...)}})
	}
	write(1, 1, 0, 100)
	write(2, 2, 0, 100)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	write(3, 1, 100, 150)
	write(4, 2, 100, 150)
	before := r.View()
	defer before.Close()

	if err := r.Delete(5, []uint64{1}, 45, 120); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(6, []uint64{2}, minTime, maxTime); err != nil {
		t.Fatal(err)
	}
	check := func(v *View) {
		t.Helper()
		got := scanAll(t, v, 1, model.Int64, minTime, maxTime, 17)
		if len(got) != 150-76 || got[44].t != 44 || got[45].t != 121 {
			t.Fatalf("series 1 after delete: %d points", len(got))
		}
		if got := scanAll(t, v, 2, model.Int64, minTime, maxTime, 17); len(got) != 0 {
			t.Fatalf("dropped series has %d points", len(got))
		}
		st, err := v.Stats(1, model.Int64, minTime, maxTime)
		if err != nil || st.Count != 74 {
			t.Fatalf("stats after delete: %+v %v", st, err)
		}
	}
	after := r.View()
	check(after)
	after.Close()
	if got := scanAll(t, before, 1, model.Int64, minTime, maxTime, 50); len(got) != 150 {
		t.Fatalf("view before the delete sees %d points", len(got))
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if r.DurableIndex() != 6 {
		t.Fatalf("durable index %d after flush, want 6", r.DurableIndex())
	}
	v := r.View()
	check(v)
	v.Close()
}

func TestReplayedEntriesAreIgnored(t *testing.T) {
	e := openEngine(t, Config{})
	r := openRegion(t, e, 1)
	r.Write(5, []SeriesWrite{{ID: 1, Times: []int64{1}, Values: column(model.Int64, int64(1))}})
	r.Write(5, []SeriesWrite{{ID: 1, Times: []int64{2}, Values: column(model.Int64, int64(2))}})
	r.Write(3, []SeriesWrite{{ID: 1, Times: []int64{3}, Values: column(model.Int64, int64(3))}})
	if err := r.Delete(4, []uint64{1}, minTime, maxTime); err != nil {
		t.Fatal(err)
	}
	v := r.View()
	defer v.Close()
	if got := scanAll(t, v, 1, model.Int64, minTime, maxTime, 10); !reflect.DeepEqual(got, []point{{1, int64(1)}}) {
		t.Fatalf("got %v", got)
	}
	if v.Index() != 5 {
		t.Fatalf("view index %d", v.Index())
	}
}

func TestMetaAndDropRegion(t *testing.T) {
	e := openEngine(t, Config{})
	r := openRegion(t, e, 7)
	other := openRegion(t, e, 8)
	for _, k := range []string{"b", "a", "c"} {
		if err := r.PutMeta([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.PutMeta([]byte("x"), []byte("y")); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteMeta([]byte("b")); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := r.Metas(func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, []string{"a=va", "c=vc"}) {
		t.Fatalf("metas %v %v", got, err)
	}
	stop := errors.New("stop")
	if err := r.Metas(func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("metas error %v", err)
	}

	r.Write(1, []SeriesWrite{{ID: 1, Times: []int64{1}, Values: column(model.Text, "x")}})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := e.DropRegion(7); err != nil {
		t.Fatal(err)
	}
	if err := r.PutMeta([]byte("a"), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("put on dropped region: %v", err)
	}
	r = openRegion(t, e, 7)
	if r.DurableIndex() != 0 {
		t.Fatalf("recreated region has durable index %d", r.DurableIndex())
	}
	n := 0
	_ = r.Metas(func(k, v []byte) error { n++; return nil })
	v := r.View()
	defer v.Close()
	if got := scanAll(t, v, 1, model.Text, minTime, maxTime, 10); n != 0 || len(got) != 0 {
		t.Fatalf("dropped region has %d metas, %d points", n, len(got))
	}
	var kept [][]byte
	_ = other.Metas(func(k, v []byte) error { kept = append(kept, bytes.Clone(v)); return nil })
	if len(kept) != 1 || string(kept[0]) != "y" {
		t.Fatalf("other region metas %q", kept)
	}
}
