package processor

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

func TestNewDoNothing(t *testing.T) {
	if p := New(plugin.Processor{Plugin: plugin.ProcessorDoNothing}); p != nil {
		t.Fatalf("New(do-nothing) = %v, want nil", p)
	}
	var p *Processor
	tb := tablet("s", model.Double, nums(1, 2))
	if p.Process(tb) != tb {
		t.Error("a nil Processor must pass the tablet as it is")
	}
}

// TestProcessTablet: values that do not pass become nulls, rows and
// columns left empty go, the input is not modified, and a tablet that
// passes whole comes back as it is.
func TestProcessTablet(t *testing.T) {
	p := New(tumblingSpec(10))
	in := &model.Tablet{
		Device: device, Aligned: true, Measurements: []string{"a", "b", "c"},
		Times: []int64{0, 5, 10, 12, 20},
		Columns: []model.Column{
			{Type: model.Double, Float64s: []float64{1, 2, 3, 4, 5}},
			{Type: model.Text, Texts: []string{"", "x", "", "y", "z"}, Nulls: []bool{true, false, true, false, false}},
			{Type: model.Int32, Int32s: []int32{0, 0, 0, 0, 0}, Nulls: []bool{true, true, true, true, true}},
		},
	}
	orig := cloneTablet(in)
	out := p.Process(in)
	if !reflect.DeepEqual(in, orig) {
		t.Fatal("Process modified its input")
	}
	// a: 0, 10, 20 pass. b: first at 5, then 12 is 7 away (no), 20
	// is 15 away (yes). c: all null. Rows 0, 5, 10, 20; row 12 has
	// nothing left.
	want := &model.Tablet{
		Device: device, Aligned: true, Measurements: []string{"a", "b"},
		Times: []int64{0, 5, 10, 20},
		Columns: []model.Column{
			{Type: model.Double, Float64s: []float64{1, 2, 3, 5}, Nulls: []bool{false, true, false, false}},
			{Type: model.Text, Texts: []string{"", "x", "", "z"}, Nulls: []bool{true, false, true, false}},
		},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("Process =\n%+v\nwant\n%+v", out, want)
	}
	if err := out.Validate(); err != nil {
		t.Errorf("result does not validate: %v", err)
	}

	// The next batch: 25 is too close to 20 for a, b; nothing passes.
	next := tablet("a", model.Double, []pt{{t: 25, v: 1}})
	if got := p.Process(next); got != nil {
		t.Errorf("Process = %+v, want nil", got)
	}
	// 30 passes for a: the very tablet comes back.
	whole := tablet("a", model.Double, []pt{{t: 30, v: 1}})
	if got := p.Process(whole); got != whole {
		t.Errorf("Process = %+v, want the input", got)
	}
}

func cloneTablet(tb *model.Tablet) *model.Tablet {
	out := *tb
	out.Times = slices.Clone(tb.Times)
	out.Measurements = slices.Clone(tb.Measurements)
	out.Columns = nil
	for _, c := range tb.Columns {
		idx := make([]int, c.Len())
		for i := range idx {
			idx[i] = i
		}
		out.Columns = append(out.Columns, c.Gather(idx))
	}
	return &out
}

// TestSeriesApart: series are sampled apart, by full path, across devices
// and tablets.
func TestSeriesApart(t *testing.T) {
	p := New(cvSpec(0, 0, forever))
	d2 := model.Path{"root", "sg", "d2"}
	mk := func(dev model.Path, m string, ts int64, v float64) *model.Tablet {
		tb := tablet(m, model.Double, []pt{{t: ts, v: v}})
		tb.Device = dev
		return tb
	}
	steps := []struct {
		tb   *model.Tablet
		pass bool
	}{
		{mk(device, "s", 0, 1), true},
		{mk(d2, "s", 0, 1), true},     // another device
		{mk(device, "t", 0, 1), true}, // another measurement
		{mk(device, "s", 1, 1), false},
		{mk(d2, "s", 1, 2), true},
		{mk(device, "s", 2, 2), true},
	}
	for i, s := range steps {
		if got := p.Process(s.tb) != nil; got != s.pass {
			t.Errorf("step %d: passed %v, want %v", i, got, s.pass)
		}
	}
	if p.Series() != 3 {
		t.Errorf("Series() = %d, want 3", p.Series())
	}
}

// TestTypeChange: a series made again with another type starts over.
func TestTypeChange(t *testing.T) {
	p := New(sdtSpec(0, 0, forever))
	p.Process(tablet("s", model.Double, nums(1, 1, 1)))
	out := p.Process(tablet("s", model.Text, []pt{{t: 10, s: "a"}, {t: 11, s: "a"}}))
	if times, _ := points(out, "s"); !slices.Equal(times, ints(10)) {
		t.Errorf("kept %v, want [10]", times)
	}
}

// TestMemoryLimit: past the limit, series are forgotten and their sampling
// starts afresh (their next point passes); the state stays bounded.
func TestMemoryLimit(t *testing.T) {
	spec := tumblingSpec(1000)
	spec.MemoryLimitBytes = 10 * (stateBytes + int64(len("root.sg.d1.s00")))
	p := New(spec)
	for round := range 3 {
		passed := 0
		for i := range 20 {
			m := "s" + string(rune('0'+i/10)) + string(rune('0'+i%10))
			if p.Process(tablet(m, model.Double, []pt{{t: int64(round), v: 1}})) != nil {
				passed++
			}
		}
		if p.Series() > 10 {
			t.Fatalf("round %d: %d series held, limit 10", round, p.Series())
		}
		if passed == 0 {
			t.Errorf("round %d: nothing passed, but 20 series cannot all be remembered", round)
		}
	}
	// Under the limit, nothing is forgotten.
	q := New(tumblingSpec(1000))
	for round := range 3 {
		for i := range 20 {
			m := "s" + string(rune('0'+i/10)) + string(rune('0'+i%10))
			if q.Process(tablet(m, model.Double, []pt{{t: int64(round), v: 1}})) != nil && round > 0 {
				t.Fatalf("round %d: %s passed again", round, m)
			}
		}
	}
}

// BenchmarkProcess: the cost per point of each sampler on a noisy DOUBLE
// series in tablets of 4096 points, as the historical phase reads them.
func BenchmarkProcess(b *testing.B) {
	const n = 4096
	pts := make([]pt, n)
	for i := range pts {
		pts[i] = pt{t: int64(i) * 100, v: 10*math.Sin(float64(i)/1000) + 0.1*math.Sin(float64(i)*7.3)}
	}
	for _, c := range []struct {
		name string
		spec plugin.Processor
	}{
		{"tumbling", tumblingSpec(1000)},
		{"sdt", sdtSpec(0.5, 0, forever)},
		{"changing-value", cvSpec(0.5, 0, forever)},
	} {
		for _, typ := range []model.DataType{model.Double, model.Float} {
			b.Run(c.name+"/"+typ.String(), func(b *testing.B) {
				p := New(c.spec)
				tb := tablet("s", typ, pts)
				b.SetBytes(n) // "bytes" are points: MB/s reads as millions of points a second
				for i := 0; b.Loop(); i++ {
					// Move on in time, so that every round samples.
					for j := range tb.Times {
						tb.Times[j] += n * 100
					}
					p.Process(tb)
				}
			})
		}
	}
}
