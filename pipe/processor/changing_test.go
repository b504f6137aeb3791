package processor

import (
	"math"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

func cvSpec(dev float64, min, max int64) plugin.Processor {
	return plugin.Processor{Plugin: plugin.ProcessorChangingValue, Deviation: dev, MinInterval: min, MaxInterval: max, MemoryLimitBytes: 1 << 20}
}

func TestChangingValue(t *testing.T) {
	f := func(ts int64, v float64) pt { return pt{t: ts, v: v} }
	cases := []struct {
		name     string
		dev      float64
		min, max int64
		typ      model.DataType
		pts      []pt
		want     []int64
	}{
		{"first point passes", 1, 0, forever, model.Double, nums(3), ints(0)},
		// |1.0 - 0| = 1 is not above the deviation; 1.01 is; the last
		// passed point moves to (3, 1.01).
		{"deviation boundary", 1, 0, forever, model.Double, nums(0, 0.5, 1, 1.01, 0.02, 0), ints(0, 3, 5)},
		{"deviation 0 passes any change", 0, 0, forever, model.Int32, nums(1, 1, 2, 2, 1, 1), ints(0, 2, 4)},
		{"slow drift is caught against the last passed point", 1, 0, forever, model.Double, nums(0, 0.6, 1.2, 1.8, 2.4), ints(0, 2, 4)},
		{"out of order never passes", 0, 0, forever, model.Double, []pt{f(10, 0), f(5, 100), f(11, 0), f(12, 1)}, ints(10, 12)},
		{"same time never passes", 0, 0, forever, model.Double, []pt{f(10, 0), f(10, 100), f(11, 100)}, ints(10, 11)},
		// min 2: a change 1 or 2 ms after the last passed point is
		// ignored.
		{"min time interval", 0, 2, forever, model.Double, []pt{f(0, 0), f(1, 5), f(2, 6), f(3, 7), f(5, 8), f(6, 9)}, ints(0, 3, 6)},
		// max 10: no change, yet a point 10 ms or more after the last
		// passed one passes.
		{"max time interval", 100, 0, 10, model.Double, []pt{f(0, 0), f(9, 0), f(10, 0), f(19, 0), f(21, 0)}, ints(0, 10, 21)},
		{"max out of order still refused", 0, 0, 10, model.Double, []pt{f(100, 0), f(50, 1)}, ints(100)},
		{"min equals max", 0, 5, 5, model.Double, []pt{f(0, 0), f(5, 1), f(6, 1), f(11, 1), f(12, 1)}, ints(0, 6, 12)},
		// NaN: |x - NaN| and |NaN - x| are never above the deviation.
		{"NaN point dropped", 0, 0, forever, model.Double, nums(0, nan, 1), ints(0, 2)},
		{"NaN first point holds until max", 0, 0, 5, model.Double, nums(nan, 1, 2, 3, 4, 5, 6, 7), ints(0, 5, 6, 7)},
		{"infinity", 1e300, 0, forever, model.Double, nums(0, math.Inf(1), math.Inf(1), 0), ints(0, 1, 3)},
		// IoTDB compares a FLOAT through its decimal text: 0.2f - 0.1f
		// is 0.1 exactly (not 0.10000000149), 0.4f - 0.3f is
		// 0.10000000000000003 (not 0.0999999940).
		{"float as decimal, not above", 0.1, 0, forever, model.Float, nums(0.1, 0.2), ints(0)},
		{"float as decimal, above", 0.1, 0, forever, model.Float, nums(0.3, 0.4), ints(0, 1)},
		{"int64 beyond 2^53 compares as a double", 0, 0, forever, model.Int64, nums(1<<53, 1<<53+1), ints(0)},
		{"text", 0, 0, forever, model.Text,
			[]pt{{t: 0, s: "on"}, {t: 1, s: "on"}, {t: 2, s: "off"}, {t: 3, s: "off"}, {t: 4, s: "on"}}, ints(0, 2, 4)},
		{"text ignores the deviation", 100, 0, forever, model.Text, []pt{{t: 0, s: "1"}, {t: 1, s: "2"}}, ints(0, 1)},
		{"boolean", 0, 1, forever, model.Boolean,
			[]pt{{t: 0, b: false}, {t: 1, b: true}, {t: 2, b: true}, {t: 3, b: false}, {t: 4, b: false}, {t: 6, b: false}}, ints(0, 2, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkKept(t, cvSpec(c.dev, c.min, c.max), cvRef(c.dev, c.min, c.max, c.typ, c.pts), c.typ, c.pts, c.want)
		})
	}
}

// cvRef is changing-value sampling over a whole series: compare each point
// with the last kept one.
func cvRef(dev float64, min, max int64, typ model.DataType, pts []pt) []int {
	var kept []int
	for i, p := range pts {
		if len(kept) == 0 {
			kept = append(kept, i)
			continue
		}
		last := pts[kept[len(kept)-1]]
		dt := p.t - last.t
		var changed bool
		if isNumeric(typ) {
			changed = math.Abs(numeric(typ, p)-numeric(typ, last)) > dev
		} else {
			changed = !sameValue(typ, p, last)
		}
		if dt > min && (dt >= max || changed) {
			kept = append(kept, i)
		}
	}
	return kept
}

func TestChangingValueRandom(t *testing.T) {
	for _, c := range randomParams {
		checkRandom(t, cvSpec(c.dev, c.min, c.max), func(typ model.DataType, pts []pt) []int {
			return cvRef(c.dev, c.min, c.max, typ, pts)
		})
	}
}
