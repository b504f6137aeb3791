package query

import (
	"math"
	"sort"
)

// interval is a closed range of epoch milliseconds.
type interval struct{ lo, hi int64 }

// timeSet is a set of times as sorted, disjoint, non-adjacent intervals.
type timeSet []interval

func fullTime() timeSet { return timeSet{{math.MinInt64, math.MaxInt64}} }

// hull returns the smallest interval holding the set; ok is false when the
// set is empty.
func (s timeSet) hull() (lo, hi int64, ok bool) {
	if len(s) == 0 {
		return 0, 0, false
	}
	return s[0].lo, s[len(s)-1].hi, true
}

// single reports whether the set is one interval (so a range scan needs no
// further time filtering).
func (s timeSet) single() bool { return len(s) == 1 }

func (s timeSet) contains(t int64) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= t })
	return i < len(s) && s[i].lo <= t
}

func (s timeSet) intersect(o timeSet) timeSet {
	var out timeSet
	i, j := 0, 0
	for i < len(s) && j < len(o) {
		lo, hi := max(s[i].lo, o[j].lo), min(s[i].hi, o[j].hi)
		if lo <= hi {
			out = append(out, interval{lo, hi})
		}
		if s[i].hi < o[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// clip intersects the set with [lo, hi].
func (s timeSet) clip(lo, hi int64) timeSet {
	if lo > hi {
		return nil
	}
	return s.intersect(timeSet{{lo, hi}})
}

func (s timeSet) union(o timeSet) timeSet {
	all := make(timeSet, 0, len(s)+len(o))
	all = append(append(all, s...), o...)
	sort.Slice(all, func(i, j int) bool { return all[i].lo < all[j].lo })
	var out timeSet
	for _, iv := range all {
		if n := len(out); n > 0 && (out[n-1].hi == math.MaxInt64 || iv.lo <= out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, iv.hi)
			continue
		}
		out = append(out, iv)
	}
	return out
}

func (s timeSet) complement() timeSet {
	var out timeSet
	next := int64(math.MinInt64)
	open := true // whether next is a valid start (not past MaxInt64)
	for _, iv := range s {
		if iv.lo > next {
			out = append(out, interval{next, iv.lo - 1})
		}
		if iv.hi == math.MaxInt64 {
			open = false
			break
		}
		next = iv.hi + 1
	}
	if open {
		out = append(out, interval{next, math.MaxInt64})
	}
	return out
}
