package processor

import (
	"slices"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

func tumblingSpec(ms int64) plugin.Processor {
	return plugin.Processor{Plugin: plugin.ProcessorTumblingTime, IntervalMillis: ms, MemoryLimitBytes: 1 << 20}
}

func TestTumblingTime(t *testing.T) {
	at := func(ts ...int64) []pt {
		out := make([]pt, len(ts))
		for i, x := range ts {
			out[i] = pt{t: x, v: float64(i)}
		}
		return out
	}
	cases := []struct {
		name     string
		interval int64
		pts      []pt
		want     []int64
	}{
		// IoTDB's own integration test: 1 s over points every 500 ms.
		{"iotdb example", 1000, at(1000, 1500, 2000, 2500, 3000), ints(1000, 2000, 3000)},
		{"first point passes", 1000, at(42), ints(42)},
		{"window starts at the kept point, not at a multiple", 1000, at(999, 1000, 1998, 1999, 2000), ints(999, 1999)},
		{"exactly one interval passes", 10, at(0, 9, 10, 19, 20), ints(0, 10, 20)},
		{"same time twice", 10, at(5, 5, 15, 15), ints(5, 15)},
		{"earlier by an interval passes", 10, at(100, 95, 90, 89, 80), ints(100, 90, 80)},
		{"out of order within the window", 10, at(100, 105, 92, 111, 120), ints(100, 111)},
		{"gap", 10, at(0, 1000, 1001, 1010), ints(0, 1000, 1010)},
		{"negative times", 10, at(-30, -25, -20, 0), ints(-30, -20, 0)},
		{"huge interval keeps the first only", 1<<62 + 1, at(-1<<62, 0, 1<<62), ints(-1 << 62)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := keptTimes(t, tumblingSpec(c.interval), model.Double, c.pts); !slices.Equal(got, c.want) {
				t.Errorf("kept %v, want %v", got, c.want)
			}
		})
	}
}

// TestTumblingTimeValuesIgnored: the value never matters, whatever its
// type, NaN included.
func TestTumblingTimeValuesIgnored(t *testing.T) {
	pts := []pt{{t: 0, v: 1, s: "a"}, {t: 5, v: 1, s: "a"}, {t: 10, v: 1, s: "a"}, {t: 11, v: 2, s: "b"}, {t: 20, v: nan, s: "b"}}
	for _, typ := range []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text} {
		if got := keptTimes(t, tumblingSpec(10), typ, pts); !slices.Equal(got, ints(0, 10, 20)) {
			t.Errorf("%v: kept %v", typ, got)
		}
	}
}

// tumblingRef is tumbling-time sampling over one series: keep a point when
// it is the first, or when it is at least interval away from the last kept
// point.
func tumblingRef(interval int64, pts []pt) []int {
	var kept []int
	for i, p := range pts {
		if len(kept) == 0 {
			kept = append(kept, i)
			continue
		}
		last := pts[kept[len(kept)-1]].t
		if p.t-last >= interval || last-p.t >= interval {
			kept = append(kept, i)
		}
	}
	return kept
}

func TestTumblingTimeRandom(t *testing.T) {
	for _, interval := range []int64{1, 7, 60, 1000} {
		checkRandom(t, tumblingSpec(interval), func(_ model.DataType, pts []pt) []int { return tumblingRef(interval, pts) })
	}
}
