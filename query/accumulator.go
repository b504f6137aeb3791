package query

import "math"

// accumulator folds the points of one series, or the statistics of ranges
// of it, into what every aggregation needs.
type accumulator struct {
	count         int64
	sum           float64
	min, max      value
	firstT, lastT int64
	first, last   value
	// mean and m2 are Welford's running mean and sum of squared deviations
	// of the numeric points added one by one (not merged from statistics).
	mean, m2 float64
	// modes counts each value, when some MODE reads this series.
	modes map[value]modeCount
	// by, byX and byT are what MAX_BY or MIN_BY found so far: the y value
	// and the x value at its (earliest) time; bySet once y had a value.
	by, byX value
	byT     int64
	bySet   bool
	// run and runs are COUNT_IF's current run of rows and the runs that
	// qualified so far.
	run, runs int64
}

// addBy folds one row of MAX_BY (max) or MIN_BY: x and y at time t.
func (a *accumulator) addBy(max bool, t int64, x, y value) {
	if y.k == kNull {
		return
	}
	c := 0
	if a.bySet {
		c = compareValues(y, a.by)
	}
	if !a.bySet || max && c > 0 || !max && c < 0 || c == 0 && t < a.byT {
		a.by, a.byX, a.byT, a.bySet = y, x, t, true
	}
}

// modeCount is how often a value occurs and when first.
type modeCount struct {
	n     int64
	first int64
}

// add folds one point.
func (a *accumulator) add(t int64, v value) {
	a.count++
	if v.k == kInt || v.k == kFloat {
		x := v.num()
		a.sum += x
		d := x - a.mean
		a.mean += d / float64(a.count)
		a.m2 += d * (x - a.mean)
	}
	if a.modes != nil {
		m, ok := a.modes[v]
		if !ok || t < m.first {
			m.first = t
		}
		m.n++
		a.modes[v] = m
	}
	if a.count == 1 {
		a.min, a.max, a.first, a.last, a.firstT, a.lastT = v, v, v, v, t, t
		return
	}
	if t < a.firstT {
		a.first, a.firstT = v, t
	}
	if t >= a.lastT {
		a.last, a.lastT = v, t
	}
	if v.k == kInt || v.k == kFloat {
		if numLess(v, a.min) {
			a.min = v
		}
		if numLess(a.max, v) {
			a.max = v
		}
	}
}

// merge folds the statistics of a range.
func (a *accumulator) merge(s Stats) {
	if s.Count == 0 {
		return
	}
	mn, mx := goValue(s.Min), goValue(s.Max)
	first, last := goValue(s.First), goValue(s.Last)
	if a.count == 0 {
		*a = accumulator{count: s.Count, sum: s.Sum, min: mn, max: mx,
			firstT: s.FirstTime, lastT: s.LastTime, first: first, last: last}
		return
	}
	a.count += s.Count
	a.sum += s.Sum
	if s.FirstTime < a.firstT {
		a.first, a.firstT = first, s.FirstTime
	}
	if s.LastTime >= a.lastT {
		a.last, a.lastT = last, s.LastTime
	}
	if mn.k != kNull && (a.min.k == kNull || numLess(mn, a.min)) {
		a.min = mn
	}
	if mx.k != kNull && (a.max.k == kNull || numLess(a.max, mx)) {
		a.max = mx
	}
}

// mergeAcc folds another accumulator of a series in: GROUP BY LEVEL merges
// the series of a group, so AVG divides the group's sum by its count and
// the variances combine the parts' moments (Chan et al.).
func (a *accumulator) mergeAcc(b *accumulator) {
	if b.modes != nil {
		if a.modes == nil {
			a.modes = make(map[value]modeCount, len(b.modes))
		}
		for v, m := range b.modes {
			cur, ok := a.modes[v]
			if !ok || m.first < cur.first {
				cur.first = m.first
			}
			cur.n += m.n
			a.modes[v] = cur
		}
	}
	if b.count == 0 {
		return
	}
	if a.count == 0 {
		modes := a.modes
		*a = *b
		a.modes = modes
		return
	}
	n := float64(a.count + b.count)
	d := b.mean - a.mean
	a.mean += d * float64(b.count) / n
	a.m2 += b.m2 + d*d*float64(a.count)*float64(b.count)/n
	a.count += b.count
	a.sum += b.sum
	if b.firstT < a.firstT {
		a.first, a.firstT = b.first, b.firstT
	}
	if b.lastT > a.lastT {
		a.last, a.lastT = b.last, b.lastT
	}
	if b.min.k != kNull && (a.min.k == kNull || numLess(b.min, a.min)) {
		a.min = b.min
	}
	if b.max.k != kNull && (a.max.k == kNull || numLess(a.max, b.max)) {
		a.max = b.max
	}
}

// numLess is a < b as Java compares numbers: false when either is NaN, so
// that MIN_VALUE and MAX_VALUE keep a NaN only when it comes first.
func numLess(a, b value) bool {
	if a.k == kFloat && math.IsNaN(a.f) || b.k == kFloat && math.IsNaN(b.f) {
		return false
	}
	return compareValues(a, b) < 0
}

// mode is the most frequent value, the earliest first on a tie.
func (a *accumulator) mode() value {
	best, bm := nullValue, modeCount{}
	for v, m := range a.modes {
		if best.k == kNull || m.n > bm.n || m.n == bm.n && m.first < bm.first {
			best, bm = v, m
		}
	}
	return best
}

// result is f over what was folded; null when nothing was, except COUNT.
func (a *accumulator) result(f aggFunc) value {
	if f == aggCount {
		return value{k: kInt, i: a.count}
	}
	if a.count == 0 {
		return nullValue
	}
	switch f {
	case aggSum:
		return value{k: kFloat, f: a.sum}
	case aggAvg:
		return value{k: kFloat, f: a.sum / float64(a.count)}
	case aggMinValue:
		return a.min
	case aggMaxValue:
		return a.max
	case aggFirstValue:
		return a.first
	case aggLastValue:
		return a.last
	case aggMinTime:
		return value{k: kInt, i: a.firstT}
	case aggMaxTime:
		return value{k: kInt, i: a.lastT}
	case aggExtreme:
		if absGreater(a.min, a.max) {
			return a.min
		}
		return a.max
	case aggTimeDuration:
		return value{k: kInt, i: a.lastT - a.firstT}
	case aggMode:
		return a.mode()
	case aggVarPop:
		return value{k: kFloat, f: a.m2 / float64(a.count)}
	case aggStddevPop:
		return value{k: kFloat, f: math.Sqrt(a.m2 / float64(a.count))}
	case aggVarSamp, aggStddevSamp:
		if a.count < 2 {
			return nullValue
		}
		v := a.m2 / float64(a.count-1)
		if f == aggStddevSamp {
			v = math.Sqrt(v)
		}
		return value{k: kFloat, f: v}
	}
	panic("BUG: unknown aggregation")
}
