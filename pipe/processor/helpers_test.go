package processor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

// pt is one point of a series in the tests; v is the value of numeric
// series, s of TEXT ones, b of BOOLEAN ones.
type pt struct {
	t int64
	v float64
	s string
	b bool
}

var device = model.Path{"root", "sg", "d1"}

// tablet builds a one-series tablet of typ from points.
func tablet(m string, typ model.DataType, pts []pt) *model.Tablet {
	tb := &model.Tablet{Device: device, Measurements: []string{m}, Columns: []model.Column{model.NewColumn(typ, len(pts))}}
	for _, p := range pts {
		tb.Times = append(tb.Times, p.t)
		tb.Columns[0].Append(goValue(typ, p))
	}
	return tb
}

func goValue(typ model.DataType, p pt) any {
	switch typ {
	case model.Boolean:
		return p.b
	case model.Int32:
		return int32(p.v)
	case model.Int64:
		return int64(p.v)
	case model.Float:
		return float32(p.v)
	case model.Double:
		return p.v
	case model.Text:
		return p.s
	}
	panic("BUG: type")
}

// points lists the (time, value) pairs of measurement m in tb, row order,
// nulls skipped; values as Go values.
func points(tb *model.Tablet, m string) (times []int64, vals []any) {
	if tb == nil {
		return nil, nil
	}
	c := slices.Index(tb.Measurements, m)
	if c < 0 {
		return nil, nil
	}
	for r, t := range tb.Times {
		if v := tb.Columns[c].Value(r); v != nil {
			times = append(times, t)
			vals = append(vals, v)
		}
	}
	return times, vals
}

// keptTimes runs pts through a fresh processor of spec, one tablet, and
// returns the times that pass.
func keptTimes(t *testing.T, spec plugin.Processor, typ model.DataType, pts []pt) []int64 {
	t.Helper()
	p := New(spec)
	out := p.Process(tablet("s", typ, pts))
	times, _ := points(out, "s")
	return times
}

func ints(ts ...int64) []int64 { return ts }

// randomParams are the deviation and time bounds the random tests of SDT
// and changing-value run under.
var randomParams = []struct {
	dev      float64
	min, max int64
}{{0, 0, forever}, {0.5, 0, forever}, {2, 0, forever}, {1, 3, 40}, {0.25, 0, 25}, {10, 1, 1}}

// checkKept checks a hand-worked case: the processor of spec keeps the
// points at times want, and so does the reference, which kept the points
// at indices ref.
func checkKept(t *testing.T, spec plugin.Processor, ref []int, typ model.DataType, pts []pt, want []int64) {
	t.Helper()
	if got := keptTimes(t, spec, typ, pts); !slices.Equal(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	var refTimes []int64
	for _, i := range ref {
		refTimes = append(refTimes, pts[i].t)
	}
	if !slices.Equal(refTimes, want) {
		t.Errorf("reference kept %v, want %v", refTimes, want)
	}
}

// nums makes points at times 0, 1, 2, ... of values vs.
func nums(vs ...float64) []pt {
	out := make([]pt, len(vs))
	for i, v := range vs {
		out[i] = pt{t: int64(i), v: v}
	}
	return out
}

// randomSeries makes n points of a noisy walk with what trips samplers:
// repeated values and times, steps back in time, NaN, infinities, runs on
// the deviation's boundary.
func randomSeries(r *rand.Rand, n int, dev float64) []pt {
	out := make([]pt, 0, n)
	t, v := int64(r.IntN(100)), 0.0
	for range n {
		switch k := r.IntN(40); {
		case k == 0:
			t -= int64(r.IntN(50)) // out of order
		case k == 1: // same time
		case k < 5:
			t += int64(r.IntN(200)) // a gap
		default:
			t += 1 + int64(r.IntN(10))
		}
		switch k := r.IntN(60); {
		case k == 0:
			v = math.NaN()
		case k == 1:
			v = math.Inf(1 - 2*r.IntN(2))
		case k < 10:
			// unchanged
		case k < 15:
			v = math.Round(v) + dev*float64(r.IntN(3)-1) // exactly on the boundary
		case math.IsNaN(v) || math.IsInf(v, 0):
			v = r.NormFloat64()
		default:
			v += r.NormFloat64() * dev
			if r.IntN(4) == 0 {
				v = math.Round(v*4) / 4 // values that repeat
			}
		}
		out = append(out, pt{t: t, v: v, s: string(rune('a' + r.IntN(3))), b: r.IntN(3) == 0})
	}
	return out
}

// checkRandom runs random series of every type through one processor, as
// the measurements of one device sharing their times, in tablets of random
// length with random nulls, and compares what passes of each series with
// ref run over that series alone (nulls left out).
func checkRandom(t *testing.T, spec plugin.Processor, ref func(typ model.DataType, pts []pt) []int) {
	t.Helper()
	types := []model.DataType{model.Double, model.Float, model.Int32, model.Int64, model.Text, model.Boolean}
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 1 + r.IntN(500)
		times := randomSeries(r, n, 1)
		series := make([][]pt, len(types)) // with the rows' times
		nulls := make([][]bool, len(types))
		for i, typ := range types {
			series[i] = randomSeries(r, n, spec.Deviation+0.5)
			nulls[i] = make([]bool, n)
			for j := range series[i] {
				series[i][j].t = times[j].t
				nulls[i][j] = r.IntN(8) == 0
				if typ == model.Int32 || typ == model.Int64 {
					v := series[i][j].v
					if math.IsNaN(v) || math.IsInf(v, 0) {
						v = 7
					}
					series[i][j].v = math.Round(v * 3)
				}
			}
		}
		p := New(spec)
		got := make([][]int64, len(types))
		for lo := 0; lo < n; {
			hi := min(n, lo+1+r.IntN(50))
			tb := &model.Tablet{Device: device, Aligned: r.IntN(2) == 0}
			for j := lo; j < hi; j++ {
				tb.Times = append(tb.Times, times[j].t)
			}
			for i, typ := range types {
				col := model.NewColumn(typ, hi-lo)
				for j := lo; j < hi; j++ {
					if nulls[i][j] {
						col.Append(nil)
					} else {
						col.Append(goValue(typ, series[i][j]))
					}
				}
				tb.Measurements = append(tb.Measurements, measurement(i))
				tb.Columns = append(tb.Columns, col)
			}
			out := p.Process(tb)
			for i := range types {
				ts, _ := points(out, measurement(i))
				got[i] = append(got[i], ts...)
			}
			lo = hi
		}
		for i, typ := range types {
			var present []pt
			for j, p := range series[i] {
				if !nulls[i][j] {
					present = append(present, p)
				}
			}
			var want []int64
			for _, j := range ref(typ, present) {
				want = append(want, present[j].t)
			}
			if !slices.Equal(got[i], want) {
				t.Fatalf("%+v, seed %d, %v: kept %d points, reference %d\n got %v\nwant %v", spec, seed, typ, len(got[i]), len(want), got[i], want)
			}
		}
	}
}

func measurement(i int) string { return "s" + string(rune('0'+i)) }

// numeric is a point's value as IoTDB compares it, worked out from
// scratch: Double.parseDouble(value.toString()), where a FLOAT prints its
// shortest decimal as Java's Float.toString does (fmt prints a float32
// so), read back as a double.
func numeric(typ model.DataType, p pt) float64 {
	switch typ {
	case model.Int32:
		return float64(int32(p.v))
	case model.Int64:
		return float64(int64(p.v))
	case model.Float:
		d, err := strconv.ParseFloat(fmt.Sprint(float32(p.v)), 64)
		if err != nil {
			panic(err)
		}
		return d
	}
	return p.v
}

func isNumeric(typ model.DataType) bool { return typ != model.Text && typ != model.Boolean }

// sameValue compares TEXT and BOOLEAN points.
func sameValue(typ model.DataType, a, b pt) bool {
	if typ == model.Text {
		return a.s == b.s
	}
	return a.b == b.b
}

var nan = math.NaN()
