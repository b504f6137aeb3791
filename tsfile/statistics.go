package tsfile

import (
	"bytes"
	"math"
)

// Statistics summarise the values of a page, chunk or series: the count and time range, and
// per type the minimum, maximum, first, last and sum (TEXT keeps first and last, STRING
// first, last, minimum and maximum, BLOB and time columns nothing more; booleans first,
// last and the count of true values as sum; DATE is kept as INT32, TIMESTAMP as INT64).
type Statistics struct {
	Type      DataType
	Count     int
	StartTime int64
	EndTime   int64
	Min, Max  any // int32, int64, float32 or float64; nil for other types
	First     any // as Column.Value returns; nil for time columns
	Last      any
	// Sum is a float64 for INT64, FLOAT and DOUBLE, an int64 for INT32 and BOOLEAN.
	Sum any
}

func readStatistics(c *cursor, t DataType) *Statistics {
	s := &Statistics{Type: t}
	s.Count = int(c.uvarint("statistics count"))
	s.StartTime = c.int64("statistics start time")
	s.EndTime = c.int64("statistics end time")
	switch t.physical() {
	case Boolean:
		s.First = c.byte("statistics first") != 0
		s.Last = c.byte("statistics last") != 0
		s.Sum = c.int64("statistics sum")
	case Int32:
		s.Min, s.Max = c.int32("statistics min"), c.int32("statistics max")
		s.First, s.Last = c.int32("statistics first"), c.int32("statistics last")
		s.Sum = c.int64("statistics sum")
	case Int64:
		s.Min, s.Max = c.int64("statistics min"), c.int64("statistics max")
		s.First, s.Last = c.int64("statistics first"), c.int64("statistics last")
		s.Sum = c.float64("statistics sum")
	case Float:
		s.Min, s.Max = c.float32("statistics min"), c.float32("statistics max")
		s.First, s.Last = c.float32("statistics first"), c.float32("statistics last")
		s.Sum = c.float64("statistics sum")
	case Double:
		s.Min, s.Max = c.float64("statistics min"), c.float64("statistics max")
		s.First, s.Last = c.float64("statistics first"), c.float64("statistics last")
		s.Sum = c.float64("statistics sum")
	case Text:
		switch t {
		case Text:
			s.First = c.binary("statistics first")
			s.Last = c.binary("statistics last")
		case String:
			s.First = c.binary("statistics first")
			s.Last = c.binary("statistics last")
			s.Min = c.binary("statistics min")
			s.Max = c.binary("statistics max")
		}
	case Vector:
	default:
		c.fail("statistics of unknown type %v", t)
	}
	return s
}

func (s *Statistics) append(b []byte) []byte {
	b = appendUvarint(b, uint32(s.Count))
	b = appendInt64(b, s.StartTime)
	b = appendInt64(b, s.EndTime)
	switch s.Type.physical() {
	case Boolean:
		for _, v := range []any{s.First, s.Last} {
			if v.(bool) {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
		b = appendInt64(b, s.Sum.(int64))
	case Int32:
		for _, v := range []any{s.Min, s.Max, s.First, s.Last} {
			b = appendInt32(b, v.(int32))
		}
		b = appendInt64(b, s.Sum.(int64))
	case Int64:
		for _, v := range []any{s.Min, s.Max, s.First, s.Last} {
			b = appendInt64(b, v.(int64))
		}
		b = appendInt64(b, int64(math.Float64bits(s.Sum.(float64))))
	case Float:
		for _, v := range []any{s.Min, s.Max, s.First, s.Last} {
			b = appendInt32(b, int32(math.Float32bits(v.(float32))))
		}
		b = appendInt64(b, int64(math.Float64bits(s.Sum.(float64))))
	case Double:
		for _, v := range []any{s.Min, s.Max, s.First, s.Last, s.Sum} {
			b = appendInt64(b, int64(math.Float64bits(v.(float64))))
		}
	case Text:
		if s.Type != Blob {
			b = appendBinary(b, s.First.([]byte))
			b = appendBinary(b, s.Last.([]byte))
		}
		if s.Type == String {
			b = appendBinary(b, s.Min.([]byte))
			b = appendBinary(b, s.Max.([]byte))
		}
	}
	return b
}

// newStatistics computes the statistics of a run of rows; times[i] is the time of the i-th
// present value of col (col is nil for a time column).
func newStatistics(t DataType, times []int64, col *Column) *Statistics {
	s := &Statistics{Type: t, Count: len(times)}
	if len(times) == 0 {
		return s
	}
	s.StartTime, s.EndTime = times[0], times[len(times)-1]
	if col == nil {
		return s
	}
	n := col.Len()
	s.First, s.Last = col.Value(0), col.Value(n-1)
	switch t.physical() {
	case Boolean:
		var sum int64
		for _, v := range col.Bools {
			if v {
				sum++
			}
		}
		s.Sum = sum
	case Int32:
		lo, hi, sum := col.Int32s[0], col.Int32s[0], int64(0)
		for _, v := range col.Int32s {
			lo, hi, sum = min(lo, v), max(hi, v), sum+int64(v)
		}
		s.Min, s.Max, s.Sum = lo, hi, sum
	case Int64:
		lo, hi, sum := col.Int64s[0], col.Int64s[0], 0.0
		for _, v := range col.Int64s {
			lo, hi, sum = min(lo, v), max(hi, v), sum+float64(v)
		}
		s.Min, s.Max, s.Sum = lo, hi, sum
	case Float:
		lo, hi, sum := col.Floats[0], col.Floats[0], 0.0
		for _, v := range col.Floats {
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
			sum += float64(v)
		}
		s.Min, s.Max, s.Sum = lo, hi, sum
	case Double:
		lo, hi, sum := col.Doubles[0], col.Doubles[0], 0.0
		for _, v := range col.Doubles {
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
			sum += v
		}
		s.Min, s.Max, s.Sum = lo, hi, sum
	case Text:
		s.First, s.Last = bytes.Clone(col.Texts[0]), bytes.Clone(col.Texts[n-1])
		switch t {
		case Blob:
			s.First, s.Last = nil, nil
		case String:
			lo, hi := col.Texts[0], col.Texts[0]
			for _, v := range col.Texts {
				if bytes.Compare(v, lo) < 0 {
					lo = v
				}
				if bytes.Compare(v, hi) > 0 {
					hi = v
				}
			}
			s.Min, s.Max = bytes.Clone(lo), bytes.Clone(hi)
		}
	}
	return s
}

// merge folds o (statistics of later rows of the same series) into s.
func (s *Statistics) merge(o *Statistics) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 {
		*s = *o
		return
	}
	s.Count += o.Count
	s.StartTime, s.EndTime = min(s.StartTime, o.StartTime), max(s.EndTime, o.EndTime)
	s.Last = o.Last
	if s.Type == String {
		if bytes.Compare(o.Min.([]byte), s.Min.([]byte)) < 0 {
			s.Min = o.Min
		}
		if bytes.Compare(o.Max.([]byte), s.Max.([]byte)) > 0 {
			s.Max = o.Max
		}
	}
	switch s.Type.physical() {
	case Boolean:
		s.Sum = s.Sum.(int64) + o.Sum.(int64)
	case Int32:
		s.Min, s.Max = min(s.Min.(int32), o.Min.(int32)), max(s.Max.(int32), o.Max.(int32))
		s.Sum = s.Sum.(int64) + o.Sum.(int64)
	case Int64:
		s.Min, s.Max = min(s.Min.(int64), o.Min.(int64)), max(s.Max.(int64), o.Max.(int64))
		s.Sum = s.Sum.(float64) + o.Sum.(float64)
	case Float:
		if o.Min.(float32) < s.Min.(float32) {
			s.Min = o.Min
		}
		if o.Max.(float32) > s.Max.(float32) {
			s.Max = o.Max
		}
		s.Sum = s.Sum.(float64) + o.Sum.(float64)
	case Double:
		if o.Min.(float64) < s.Min.(float64) {
			s.Min = o.Min
		}
		if o.Max.(float64) > s.Max.(float64) {
			s.Max = o.Max
		}
		s.Sum = s.Sum.(float64) + o.Sum.(float64)
	}
}
