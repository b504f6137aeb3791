package storage

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// refModel is the expected content of a region: series -> time -> value.
type refModel map[uint64]map[int64]any

func (m refModel) clone() refModel {
	out := make(refModel, len(m))
	for id, pts := range m {
		out[id] = maps.Clone(pts)
	}
	return out
}

func (m refModel) points(id uint64, lo, hi int64) []point {
	var out []point
	for ts, v := range m[id] {
		if ts >= lo && ts <= hi {
			out = append(out, point{ts, v})
		}
	}
	slices.SortFunc(out, func(a, b point) int { return int(a.t - b.t) })
	return out
}

func typeOf(id uint64) model.DataType { return model.DataType(id % 6) }

// TestRandomAgainstModel drives a region with random out-of-order writes,
// deletes, flushes (explicit and background) and views, and checks every
// read against a map model, including views taken in the past.
func TestRandomAgainstModel(t *testing.T) {
	for seed := range uint64(3) {
		t.Run("", func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 99))
			dir := t.TempDir()
			cfg := Config{Dir: dir, MemtableBytes: 6 << 10, ChunkPoints: 16, ChunkWindow: 300}
			e := openEngine(t, cfg)
			r := openRegion(t, e, 3)
			ref := refModel{}
			type oldView struct {
				v   *View
				ref refModel
			}
			var views []oldView
			index := uint64(0) // of the last Write or Delete
			for step := range 400 {
				switch op := rnd.IntN(20); {
				case op < 14:
					index++
					var writes []SeriesWrite
					for _, id := range rnd.Perm(12)[:1+rnd.IntN(4)] {
						sid := uint64(id)
						typ := typeOf(sid)
						n := 1 + rnd.IntN(40)
						base := rnd.Int64N(3000) - 500
						var times []int64
						var vals []any
						// Half the writes ascend, as a client's or a pipe
						// transfer's do: the memtable then tracks that their
						// times are distinct (until two of them overlap).
						ascending := rnd.IntN(2) == 0
						next := base
						for range n {
							ts := base + rnd.Int64N(60)
							if ascending {
								ts, next = next, next+1+rnd.Int64N(3)
							}
							times = append(times, ts)
							if rnd.IntN(10) == 0 {
								vals = append(vals, nil)
								continue
							}
							v := valueFor(typ, rnd.Int64N(1000))
							vals = append(vals, v)
							if ref[sid] == nil {
								ref[sid] = map[int64]any{}
							}
							ref[sid][ts] = v
						}
						writes = append(writes, SeriesWrite{ID: sid, Times: times, Values: column(typ, vals...)})
					}
					r.Write(index, writes)
				case op < 16:
					index++
					ids := []uint64{uint64(rnd.IntN(12)), uint64(rnd.IntN(12))}
					lo := rnd.Int64N(3000) - 500
					hi := lo + rnd.Int64N(400)
					if rnd.IntN(4) == 0 {
						lo, hi = math.MinInt64, math.MaxInt64
					}
					if err := r.Delete(index, ids, lo, hi); err != nil {
						t.Fatalf("step %d: delete: %v", step, err)
					}
					for _, id := range ids {
						for ts := range ref[id] {
							if ts >= lo && ts <= hi {
								delete(ref[id], ts)
							}
						}
					}
				case op < 17:
					if err := r.Flush(); err != nil {
						t.Fatalf("step %d: flush: %v", step, err)
					}
					if r.DurableIndex() != index {
						t.Fatalf("step %d: durable index %d after flush, want %d", step, r.DurableIndex(), index)
					}
				case op < 19:
					views = append(views, oldView{r.View(), ref.clone()})
				default:
					checkRegion(t, r, ref, rnd)
				}
			}
			for _, ov := range views {
				checkView(t, ov.v, ov.ref, rnd)
				ov.v.Close()
			}
			checkRegion(t, r, ref, rnd)

			// Everything flushed survives a restart.
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e = openEngine(t, cfg)
			r = openRegion(t, e, 3)
			if r.DurableIndex() != index {
				t.Fatalf("durable index %d after reopen, want %d", r.DurableIndex(), index)
			}
			checkRegion(t, r, ref, rnd)
		})
	}
}

func checkRegion(t *testing.T, r *Region, ref refModel, rnd *rand.Rand) {
	t.Helper()
	v := r.View()
	defer v.Close()
	checkView(t, v, ref, rnd)
}

func checkView(t *testing.T, v *View, ref refModel, rnd *rand.Rand) {
	t.Helper()
	for id := range uint64(12) {
		typ := typeOf(id)
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		for round := range 3 {
			if round > 0 {
				lo = rnd.Int64N(3000) - 500
				hi = lo + rnd.Int64N(600)
			}
			want := ref.points(id, lo, hi)
			got := scanAll(t, v, id, typ, lo, hi, 1+rnd.IntN(50))
			if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
				t.Fatalf("view %d series %d [%d, %d]: got %d points, want %d\ngot  %v\nwant %v",
					v.Index(), id, lo, hi, len(got), len(want), head(got), head(want))
			}
			st, err := v.Stats(id, typ, lo, hi)
			if err != nil {
				t.Fatalf("stats: %v", err)
			}
			checkStats(t, typ, st, want)
		}
		ts, val, ok, err := v.Last(id, typ)
		want := ref.points(id, math.MinInt64, math.MaxInt64)
		if err != nil || ok != (len(want) > 0) {
			t.Fatalf("last of series %d: ok %v err %v, want %d points", id, ok, err, len(want))
		}
		if ok && (ts != want[len(want)-1].t || !reflect.DeepEqual(val, want[len(want)-1].v)) {
			t.Fatalf("last of series %d: %d %v, want %v", id, ts, val, want[len(want)-1])
		}
	}
}

// checkStats compares Stats with the aggregates of the scanned points.
func checkStats(t *testing.T, typ model.DataType, st Stats, pts []point) {
	t.Helper()
	times := make([]int64, 0, len(pts))
	col := model.NewColumn(typ, len(pts))
	for _, p := range pts {
		times = append(times, p.t)
		col.Append(p.v)
	}
	want := statsOf(encoding.Summarize(times, &col))
	if math.Abs(st.Sum-want.Sum) > 1e-9*math.Max(1, math.Abs(want.Sum)) {
		t.Fatalf("stats sum %v, want %v", st.Sum, want.Sum)
	}
	st.Sum = want.Sum
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats %+v\nwant  %+v", st, want)
	}
}

func head[T any](s []T) []T { return s[:min(len(s), 10)] }

// TestConcurrentReadsDuringWrites reads views while a writer appends and
// background flushes run; each view must see exactly the writes up to its
// index.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	e := openEngine(t, Config{MemtableBytes: 8 << 10, ChunkPoints: 64})
	r := openRegion(t, e, 1)
	const series, perWrite, writes = 4, 10, 300
	stop := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				v := r.View()
				want := int64(v.Index()) * perWrite
				for id := range uint64(series) {
					st, err := v.Stats(id, model.Int64, minTime, maxTime)
					if err == nil && st.Count != want {
						err = fmt.Errorf("view %d series %d: count %d, want %d", v.Index(), id, st.Count, want)
					}
					if err == nil && want > 0 && st.LastTime != want-1 {
						err = fmt.Errorf("view %d series %d: last time %d", v.Index(), id, st.LastTime)
					}
					if err != nil {
						v.Close()
						errs <- err
						return
					}
				}
				v.Close()
			}
		}()
	}
	for i := range int64(writes) {
		var ws []SeriesWrite
		for id := range uint64(series) {
			var times []int64
			var vals []any
			for j := range int64(perWrite) {
				times = append(times, i*perWrite+j)
				vals = append(vals, i)
			}
			ws = append(ws, SeriesWrite{ID: id, Times: times, Values: column(model.Int64, vals...)})
		}
		r.Write(uint64(i+1), ws)
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
