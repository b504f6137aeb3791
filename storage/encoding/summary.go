package encoding

import (
	"cmp"

	"github.com/sluicedb/sluice/model"
)

// Summary is the statistics of a run of points of one series, as kept in a
// chunk header. Values are the Go types of model.Column.Value.
type Summary struct {
	Type    model.DataType
	Count   int64
	MinTime int64 // time of the first point
	MaxTime int64 // time of the last point
	First   any   // value of the first point
	Last    any   // value of the last point
	// Sum, Min and Max are kept for the numeric types only; Min and Max are
	// nil for BOOLEAN and TEXT. Comparisons use < and >, so a NaN is never
	// picked over a number that precedes it.
	Sum      float64
	Min, Max any
}

// Summarize computes the summary of points sorted by time without nulls.
// It returns a zero Summary (Count 0) for no points.
func Summarize(times []int64, col *model.Column) Summary {
	return summarize(times, col, 0, len(times)-1)
}

// SummarizeDistinct computes the summary of points with pairwise distinct
// times in any order, without nulls: a memtable's rows in write order. Its
// Sum, Min and Max are those of Summarize over the same points sorted, but
// for the order of the additions and the place of a NaN.
func SummarizeDistinct(times []int64, col *model.Column) Summary {
	first, last := 0, 0
	for i, t := range times {
		if t < times[first] {
			first = i
		}
		if t > times[last] {
			last = i
		}
	}
	return summarize(times, col, first, last)
}

// summarize computes the summary of the points, first and last being the
// rows of the earliest and the latest time.
func summarize(times []int64, col *model.Column, first, last int) Summary {
	s := Summary{Type: col.Type, Count: int64(len(times))}
	if len(times) == 0 {
		return s
	}
	s.MinTime, s.MaxTime = times[first], times[last]
	s.First, s.Last = col.Value(first), col.Value(last)
	switch col.Type {
	case model.Int32:
		s.Sum, s.Min, s.Max = sumMinMax(col.Int32s[:len(times)])
	case model.Int64:
		s.Sum, s.Min, s.Max = sumMinMax(col.Int64s[:len(times)])
	case model.Float:
		s.Sum, s.Min, s.Max = sumMinMax(col.Float32s[:len(times)])
	case model.Double:
		s.Sum, s.Min, s.Max = sumMinMax(col.Float64s[:len(times)])
	}
	return s
}

type number interface {
	~int32 | ~int64 | ~float32 | ~float64
}

func sumMinMax[T number](vs []T) (float64, any, any) {
	var sum float64
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		sum += float64(v)
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return sum, lo, hi
}

// Merge folds o, the summary of points that share no timestamp with s's,
// into s. Either may be empty.
func (s *Summary) Merge(o Summary) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 {
		*s = o
		return
	}
	s.Count += o.Count
	s.Sum += o.Sum
	if o.MinTime < s.MinTime {
		s.MinTime, s.First = o.MinTime, o.First
	}
	if o.MaxTime > s.MaxTime {
		s.MaxTime, s.Last = o.MaxTime, o.Last
	}
	if s.Min != nil && o.Min != nil {
		if compareValues(o.Min, s.Min) < 0 {
			s.Min = o.Min
		}
		if compareValues(o.Max, s.Max) > 0 {
			s.Max = o.Max
		}
	}
}

// compareValues orders two numeric values of the same Go type; it returns 0
// for values it cannot order (NaN, mismatched types).
func compareValues(a, b any) int {
	switch a := a.(type) {
	case int32:
		if b, ok := b.(int32); ok {
			return cmp.Compare(a, b)
		}
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b)
		}
	case float32:
		if b, ok := b.(float32); ok {
			return orderFloats(float64(a), float64(b))
		}
	case float64:
		if b, ok := b.(float64); ok {
			return orderFloats(a, b)
		}
	}
	return 0
}

func orderFloats(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
