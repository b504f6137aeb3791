package processor

import (
	"math"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

func sdtSpec(dev float64, min, max int64) plugin.Processor {
	return plugin.Processor{Plugin: plugin.ProcessorSDT, Deviation: dev, MinInterval: min, MaxInterval: max, MemoryLimitBytes: 1 << 20}
}

const forever = math.MaxInt64

// The expected points below are worked out by hand from IoTDB's
// SwingingDoorTrendingFilter; the comments carry the arithmetic.
func TestSDT(t *testing.T) {
	cases := []struct {
		name     string
		dev      float64
		min, max int64
		typ      model.DataType
		pts      []pt
		want     []int64
	}{
		{"first point passes", 1, 0, forever, model.Double, nums(3), ints(0)},
		// pivot (0,0). t1: upper stays MIN_VALUE (-0.5 is below it),
		// lower 1.5. t2: upper 0/2 is not above MIN_VALUE, lower 1. t3:
		// upper 2/3, lower 1. t4: upper 5/4 > lower 1: passes, pivot
		// (3,3), doors 1.25/1.75. t5: upper 3/2, lower 1.75. t6: 3.5/3
		// and 5.5/3 change nothing. t7: lower 5/4 < upper 1.5: passes,
		// pivot (6,7.5), doors 0.75/1.25. t8: lower 0.5/2 < upper 0.75:
		// passes.
		{"doors", 1, 0, forever, model.Double, nums(0, 0.5, 1, 3, 6, 7, 7.5, 7, 7), ints(0, 4, 7, 8)},
		// Deviation 0: the upper door starts at the smallest positive
		// double, so the flat line closes it at once (MIN_VALUE > 0),
		// then the doors are both 0 and stay open.
		{"flat, deviation 0", 0, 0, forever, model.Double, nums(5, 5, 5, 5, 5), ints(0, 1)},
		// A straight rising line with deviation 0: both slopes 1, never
		// crossing.
		{"rising line, deviation 0", 0, 0, forever, model.Int64, nums(0, 1, 2, 3, 4, 5), ints(0)},
		// A falling line: lower -1 is below the upper door's MIN_VALUE
		// at once; then both doors are -1 (from the old pivot) and the
		// line keeps within them.
		{"falling line, deviation 0", 0, 0, forever, model.Int32, nums(0, -1, -2, -3, -4), ints(0, 1)},
		// The boundary: doors meeting (upper == lower) do not cross.
		{"doors meet", 1, 0, forever, model.Double, nums(0, 2, 4, 6), ints(0)},
		{"same time as the pivot", 1, 0, forever, model.Double, []pt{{t: 0, v: 0}, {t: 0, v: 100}, {t: 1, v: 0.5}}, ints(0)},
		// min 2: points within 2 ms of the pivot are ignored outright.
		{"min time interval", 0.1, 2, forever, model.Double, []pt{{t: 0, v: 0}, {t: 1, v: 100}, {t: 2, v: -100}, {t: 3, v: 0}}, ints(0)},
		// max 10, deviation 100: nothing crosses the doors, the
		// interval forces t10 and t25.
		{"max time interval", 100, 0, 10, model.Double, []pt{{t: 0, v: 0}, {t: 5, v: 1}, {t: 10, v: 2}, {t: 12, v: 3}, {t: 25, v: 0}}, ints(0, 10, 25)},
		// max 10, deviation 0. t5: doors 1/1. t10 forced: pivot (10,10)
		// but the last read point stays (5,5). t11: lower -1 under
		// MIN_VALUE: passes, and the pivot becomes (5,5). t12 from
		// (5,5): upper 3/7 > lower -1: passes.
		{"max leaves the last read point", 0, 0, 10, model.Double, []pt{{t: 0, v: 0}, {t: 5, v: 5}, {t: 10, v: 10}, {t: 11, v: 9}, {t: 12, v: 8}}, ints(0, 10, 11, 12)},
		// Out of order, deviation 1. t5 after t10: dt -5 flips the
		// slopes, upper 0.2 > lower -0.2: passes, pivot (10,0). t11:
		// doors stay crossed: passes, pivot (5,0), doors -1/1. t12
		// from (5,0): -1/7 and 1/7: open.
		{"out of order", 1, 0, forever, model.Double, []pt{{t: 10, v: 0}, {t: 5, v: 0}, {t: 11, v: 0}, {t: 12, v: 0}}, ints(10, 5, 11)},
		// A NaN slope moves no door. t2: 2 and 3. t3: upper 19/3 >
		// lower 3: passes.
		{"NaN read", 1, 0, forever, model.Double, nums(0, nan, 5, 20), ints(0, 3)},
		// t2 closes the doors (lower -49.5 < MIN_VALUE) and makes the
		// NaN read at t1 the pivot: from then on every slope is NaN and
		// nothing passes.
		{"NaN pivot", 1, 0, forever, model.Double, nums(0, nan, -100, 0, 1000, -1000), ints(0, 2)},
		{"NaN pivot until max", 1, 0, 5, model.Double, nums(0, nan, -100, 0, 1000, -1000, 7, 8), ints(0, 2, 6)},
		{"text", 0, 0, forever, model.Text,
			[]pt{{t: 0, s: "a"}, {t: 1, s: "a"}, {t: 2, s: "b"}, {t: 2, s: "c"}, {t: 3, s: "b"}, {t: 4, s: "a"}, {t: 5, s: "a"}}, ints(0, 2, 4)},
		{"boolean", 0, 0, forever, model.Boolean,
			[]pt{{t: 0, b: true}, {t: 1, b: true}, {t: 2, b: false}, {t: 3, b: false}, {t: 4, b: true}}, ints(0, 2, 4)},
		{"text min and max", 0, 1, 3, model.Text,
			[]pt{{t: 0, s: "a"}, {t: 1, s: "b"}, {t: 2, s: "a"}, {t: 4, s: "a"}, {t: 5, s: "b"}, {t: 6, s: "c"}}, ints(0, 4, 6)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkKept(t, sdtSpec(c.dev, c.min, c.max), sdtRef(c.dev, c.min, c.max, c.typ, c.pts), c.typ, c.pts, c.want)
		})
	}
}

// sdtRef runs IoTDB's swinging door over a whole series, written out over
// indices: pivot is the stored point, read the last read one.
func sdtRef(dev float64, min, max int64, typ model.DataType, pts []pt) []int {
	if len(pts) == 0 {
		return nil
	}
	kept := []int{0}
	pivot, read := 0, 0
	upper, lower := 4.9e-324, math.MaxFloat64
	for i := 1; i < len(pts); i++ {
		dt := pts[i].t - pts[pivot].t
		gap := dt
		if gap < 0 {
			gap = -gap
		}
		if gap <= min {
			continue
		}
		if gap >= max {
			kept = append(kept, i)
			pivot, upper, lower = i, 4.9e-324, math.MaxFloat64
			continue
		}
		if !isNumeric(typ) {
			if !sameValue(typ, pts[i], pts[pivot]) {
				kept = append(kept, i)
				pivot, upper, lower = i, 4.9e-324, math.MaxFloat64
			}
			continue
		}
		rise := numeric(typ, pts[i]) - numeric(typ, pts[pivot])
		up, down := (rise-dev)/float64(dt), (rise+dev)/float64(dt)
		// Java's comparisons, false for NaN (math.Max and math.Min would
		// let an infinity win over a NaN door).
		if up > upper {
			upper = up
		}
		if down < lower {
			lower = down
		}
		if upper > lower {
			kept = append(kept, i)
			pivot, upper, lower = read, up, down
		}
		read = i
	}
	return kept
}

func TestSDTRandom(t *testing.T) {
	for _, c := range randomParams {
		checkRandom(t, sdtSpec(c.dev, c.min, c.max), func(typ model.DataType, pts []pt) []int {
			return sdtRef(c.dev, c.min, c.max, typ, pts)
		})
	}
}
