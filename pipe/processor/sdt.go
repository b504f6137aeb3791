package processor

import "math"

// sdt is sdt-sampling-processor's state for one series: swinging door
// trending as IoTDB 1.3's SwingingDoorTrendingFilter runs it. It keeps the
// last stored point (the doors' pivot), the last read point, and the two
// doors: the steepest upper slope (value - deviation) and the shallowest
// lower slope (value + deviation) seen from the pivot. A point, compared
// with the pivot:
//   - does not pass, and leaves the state alone, when |time - pivot time|
//     <= min (so a point at the pivot's time never passes);
//   - passes when |time - pivot time| >= max: it becomes the pivot and the
//     doors reopen (the last read point stays what it was);
//   - a BOOLEAN or TEXT point passes, becoming the pivot, when its value
//     differs from the pivot's;
//   - a numeric point narrows the doors; when they cross (upper > lower) it
//     passes, the last read point becomes the pivot and the doors restart
//     from this point's slopes. Either way it becomes the last read point.
//
// So IoTDB sends the point that closes the door, while the pivot moves to
// the point read just before it (textbook SDT would store that earlier
// point instead). The doors start from Double.MIN_VALUE, the smallest
// positive double, not from minus infinity, as IoTDB's do: a falling or
// flat signal closes them at the first point after the pivot. Slopes use
// the signed time difference, so an out-of-order point (earlier than the
// pivot) flips its slopes; NaN slopes leave the doors as they were.
type sdt struct {
	deviation    float64
	min, max     int64
	upper, lower float64
	storedT      int64
	stored       value
	readT        int64
	read         value
}

func newSDT(deviation float64, min, max, t int64, v value) *sdt {
	s := &sdt{deviation: deviation, min: min, max: max, readT: t, read: v}
	s.reset(t, v)
	return s
}

// reset makes (t, v) the pivot and reopens the doors.
func (s *sdt) reset(t int64, v value) {
	s.upper, s.lower = math.SmallestNonzeroFloat64, math.MaxFloat64
	s.storedT, s.stored = t, v
}

func (s *sdt) keep(t int64, v value) bool {
	dt := t - s.storedT
	adt := dt
	if adt < 0 {
		adt = -adt
	}
	switch {
	case adt <= s.min:
		return false
	case adt >= s.max:
		s.reset(t, v)
		return true
	case !v.numeric():
		if v.equal(s.stored) {
			return false
		}
		s.reset(t, v)
		return true
	}
	dv := v.num - s.stored.num
	upper := (dv - s.deviation) / float64(dt)
	if upper > s.upper {
		s.upper = upper
	}
	lower := (dv + s.deviation) / float64(dt)
	if lower < s.lower {
		s.lower = lower
	}
	pass := s.upper > s.lower
	if pass {
		s.storedT, s.stored = s.readT, s.read
		s.upper, s.lower = upper, lower
	}
	s.readT, s.read = t, v
	return pass
}
