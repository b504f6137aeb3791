package query

import (
	"math"
	"strconv"
	"strings"
)

// bucketSample is an equal-size-bucket sampler: the series cut into
// buckets of size consecutive points (the last may be shorter), each
// reduced to its aggregate agg at its first point's time, or (agg "") to
// its M4 points: first, last, and the smallest and largest of the others.
type bucketSample struct {
	size int
	agg  string
}

// bucketSpec reads 'proportion' (in (0, 1], default 0.1: buckets of
// 1/proportion points, 4 times that for the M4 sample) and the
// aggregation's 'type'.
func bucketSpec(s *fnCall) (*bucketSample, error) {
	m4 := s.e.Name == "equal_size_bucket_m4_sample"
	if err := s.onlyAttrs(func(k string) bool { return k == "proportion" || (!m4 && k == "type") }); err != nil {
		return nil, err
	}
	p := 0.1
	if v, ok := s.attrs["proportion"]; ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f > 0 && f <= 1) {
			return nil, s.fail("attribute %q must be in (0, 1], got %q", "proportion", v)
		}
		p = f
	}
	b := &bucketSample{size: int(1 / p)}
	if m4 {
		b.size *= 4
		return b, nil
	}
	b.agg = "avg"
	if v, ok := s.attrs["type"]; ok {
		b.agg = strings.ToLower(v)
	}
	switch b.agg {
	case "avg", "max", "min", "sum", "extreme", "variance":
		return b, nil
	}
	return nil, s.fail("attribute \"type\" must be avg, max, min, sum, extreme or variance, got %q", b.agg)
}

func (b *bucketSample) choose(ts []int64, vs []value) map[int64]value {
	out := map[int64]value{}
	for lo := 0; lo < len(ts); lo += b.size {
		hi := min(lo+b.size, len(ts))
		if b.agg != "" {
			out[ts[lo]] = value{k: kFloat, f: bucketAgg(b.agg, vs[lo:hi])}
			continue
		}
		for _, i := range m4Sample(vs, lo, hi) {
			out[ts[i]] = vs[i]
		}
	}
	return out
}

// m4Sample is the first and last points of [lo, hi) and those of the
// smallest and largest values between them (the earliest of equal ones).
func m4Sample(vs []value, lo, hi int) []int {
	picked := []int{lo, hi - 1}
	if hi-lo <= 2 {
		return picked
	}
	bottom, top := lo+1, lo+1
	for i := lo + 2; i < hi-1; i++ {
		if compareValues(vs[i], vs[bottom]) < 0 {
			bottom = i
		}
		if compareValues(vs[i], vs[top]) > 0 {
			top = i
		}
	}
	return append(picked, bottom, top)
}

// bucketAgg aggregates a bucket: extreme is the value of the largest
// absolute value, variance the population variance.
func bucketAgg(agg string, vs []value) float64 {
	var sum float64
	best := vs[0].num()
	for _, v := range vs {
		x := v.num()
		sum += x
		switch agg {
		case "max":
			best = math.Max(best, x)
		case "min":
			best = math.Min(best, x)
		case "extreme":
			if math.Abs(x) > math.Abs(best) {
				best = x
			}
		}
	}
	mean := sum / float64(len(vs))
	switch agg {
	case "avg":
		return mean
	case "sum":
		return sum
	case "variance":
		var sq float64
		for _, v := range vs {
			d := v.num() - mean
			sq += d * d
		}
		return sq / float64(len(vs))
	}
	return best
}
