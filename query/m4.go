package query

import (
	"math"
	"strconv"
	"strings"
)

// m4Spec is M4's windows: of size points each (by points), or of interval
// ms (by time) from begin up to end (exclusive); each window starts step
// after the one before.
type m4Spec struct {
	byTime     bool
	size, step int64
	begin, end int64
	beginSet   bool
}

// m4Windows reads M4's attributes: windowSize[, slidingStep] or
// timeInterval[, slidingStep, displayWindowBegin, displayWindowEnd].
func m4Windows(s *fnCall) (*m4Spec, error) {
	if err := s.onlyAttrs(func(k string) bool {
		switch k {
		case "windowSize", "timeInterval", "slidingStep", "displayWindowBegin", "displayWindowEnd":
			return true
		}
		return false
	}); err != nil {
		return nil, err
	}
	num := func(key string, positive bool) (int64, bool, error) {
		v, ok := s.attrs[key]
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || (positive && n <= 0) {
			return 0, false, s.fail("attribute %q must be a positive integer, got %q", key, v)
		}
		return n, true, nil
	}
	size, bySize, err := num("windowSize", true)
	if err != nil {
		return nil, err
	}
	interval, byTime, err := num("timeInterval", true)
	if err != nil {
		return nil, err
	}
	if bySize == byTime {
		return nil, s.fail("give exactly one of the attributes windowSize and timeInterval: %s", exprString(s.e))
	}
	w := &m4Spec{byTime: byTime, size: size, end: math.MaxInt64}
	if byTime {
		w.size = interval
		if _, set := s.attrs["displayWindowBegin"]; set {
			if w.begin, _, err = num("displayWindowBegin", false); err != nil {
				return nil, s.fail("attribute %q must be an integer, got %q", "displayWindowBegin", s.attrs["displayWindowBegin"])
			}
			w.beginSet = true
		}
		if _, set := s.attrs["displayWindowEnd"]; set {
			if w.end, _, err = num("displayWindowEnd", false); err != nil {
				return nil, s.fail("attribute %q must be an integer, got %q", "displayWindowEnd", s.attrs["displayWindowEnd"])
			}
		}
	} else if _, set := s.attrs["displayWindowBegin"]; set {
		return nil, s.fail("displayWindowBegin and displayWindowEnd go with timeInterval, not windowSize")
	} else if _, set := s.attrs["displayWindowEnd"]; set {
		return nil, s.fail("displayWindowBegin and displayWindowEnd go with timeInterval, not windowSize")
	}
	w.step = w.size
	if step, ok, err := num("slidingStep", true); err != nil {
		return nil, err
	} else if ok {
		w.step = step
	}
	return w, nil
}

// choose keeps, in each window, the first and last points and the points
// of the smallest and largest values (the earliest of equal ones).
func (w *m4Spec) choose(ts []int64, vs []value) map[int64]value {
	out := map[int64]value{}
	pick := func(lo, hi int) { // points [lo, hi)
		if lo >= hi {
			return
		}
		bottom, top := lo, lo
		for i := lo + 1; i < hi; i++ {
			if compareValues(vs[i], vs[bottom]) < 0 {
				bottom = i
			}
			if compareValues(vs[i], vs[top]) > 0 {
				top = i
			}
		}
		for _, i := range []int{lo, hi - 1, bottom, top} {
			out[ts[i]] = vs[i]
		}
	}
	if !w.byTime {
		for start := int64(0); start < int64(len(ts)); start += w.step {
			pick(int(start), int(min(start+w.size, int64(len(ts)))))
		}
		return out
	}
	if len(ts) == 0 {
		return out
	}
	begin := w.begin
	if !w.beginSet {
		begin = ts[0]
	}
	i := 0
	for start := begin; start < w.end && start <= ts[len(ts)-1]; start = saturatingAdd(start, w.step) {
		stop := min(saturatingAdd(start, w.size), w.end)
		for i < len(ts) && ts[i] < start {
			i++
		}
		j := i
		for j < len(ts) && ts[j] < stop {
			j++
		}
		pick(i, j)
		if start > math.MaxInt64-w.step {
			break
		}
	}
	return out
}
