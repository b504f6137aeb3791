package processor

import "math"

// changingValue is changing-value-sampling-processor's state for one
// series: the last point it passed. As IoTDB 1.3's ChangingValueFilter,
// a point, compared with the last passed one:
//   - does not pass when its time is earlier (out of order), or no more
//     than min later (so a point at the same time never passes);
//   - passes when it is max or more later;
//   - otherwise, a BOOLEAN or TEXT point passes when its value differs, a
//     numeric one when |value - last| > deviation (strictly: with the
//     default deviation 0 any change passes, an equal value does not, and
//     a NaN never compares greater, so it passes only through max).
//
// A point that passes becomes the last passed one.
type changingValue struct {
	deviation float64
	min, max  int64
	lastT     int64
	last      value
}

func (s *changingValue) keep(t int64, v value) bool {
	d := t - s.lastT
	switch {
	case d < 0, d <= s.min:
		return false
	case d >= s.max:
	case !v.numeric():
		if v.equal(s.last) {
			return false
		}
	default:
		if !(math.Abs(v.num-s.last.num) > s.deviation) {
			return false
		}
	}
	s.lastT, s.last = t, v
	return true
}
