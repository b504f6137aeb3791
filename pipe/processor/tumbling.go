package processor

// tumbling is tumbling-time-sampling-processor's state for one series: the
// time of the last point it passed. A point passes when its time is at
// least the interval away from that one, either way (IoTDB compares
// Math.abs(time - lastSampleTime) >= interval), so the first point of each
// window-long stretch passes: windows start at the kept points, not at
// multiples of the interval, and a point older than the last kept one by
// an interval or more passes too.
type tumbling struct {
	interval int64 // milliseconds
	last     int64
}

func (s *tumbling) keep(t int64, _ value) bool {
	d := t - s.last // wraps like Java's long arithmetic
	if d < 0 {
		d = -d
	}
	if d >= s.interval {
		s.last = t
		return true
	}
	return false
}
