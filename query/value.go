package query

import (
	"cmp"
	"math"
	"strings"

	"github.com/sluicedb/sluice/model"
)

// kind classifies a value for evaluation: the six data types fold into four
// classes plus null.
type kind uint8

const (
	kNull kind = iota
	kBool
	kInt   // INT32, INT64, times
	kFloat // FLOAT, DOUBLE
	kText
)

// value is one evaluated datum. It is a plain struct so that evaluating
// expressions row by row does not allocate.
type value struct {
	k kind
	b bool
	i int64
	f float64
	s string
}

var nullValue = value{}

func kindOf(t model.DataType) kind {
	switch t {
	case model.Boolean:
		return kBool
	case model.Int32, model.Int64:
		return kInt
	case model.Float, model.Double:
		return kFloat
	case model.Text:
		return kText
	}
	return kNull
}

// colValue reads row i of c.
func colValue(c *model.Column, i int) value {
	if c.Nulls != nil && c.Nulls[i] {
		return nullValue
	}
	switch c.Type {
	case model.Boolean:
		return value{k: kBool, b: c.Bools[i]}
	case model.Int32:
		return value{k: kInt, i: int64(c.Int32s[i])}
	case model.Int64:
		return value{k: kInt, i: c.Int64s[i]}
	case model.Float:
		return value{k: kFloat, f: float64(c.Float32s[i])}
	case model.Double:
		return value{k: kFloat, f: c.Float64s[i]}
	case model.Text:
		return value{k: kText, s: c.Texts[i]}
	}
	return nullValue
}

// goValue converts a value of a series' Go type (as Stats and Last return
// them) to a value.
func goValue(v any) value {
	switch v := v.(type) {
	case bool:
		return value{k: kBool, b: v}
	case int32:
		return value{k: kInt, i: int64(v)}
	case int64:
		return value{k: kInt, i: v}
	case float32:
		return value{k: kFloat, f: float64(v)}
	case float64:
		return value{k: kFloat, f: v}
	case string:
		return value{k: kText, s: v}
	}
	return nullValue
}

func (v value) num() float64 {
	if v.k == kInt {
		return float64(v.i)
	}
	return v.f
}

func (v value) isTrue() bool { return v.k == kBool && v.b }

// compareValues orders two non-null values of compatible kinds.
func compareValues(a, b value) int {
	switch {
	case a.k == kInt && b.k == kInt:
		return cmp.Compare(a.i, b.i)
	case a.k == kText:
		return strings.Compare(a.s, b.s)
	case a.k == kBool:
		switch {
		case a.b == b.b:
			return 0
		case b.b:
			return -1
		}
		return 1
	}
	return cmp.Compare(a.num(), b.num())
}

// appendValue appends v to c, converting between numeric classes as c's
// type requires; a null appends a null.
func appendValue(c *model.Column, v value) {
	if v.k == kNull {
		appendNull(c)
		return
	}
	if c.Nulls != nil {
		c.Nulls = append(c.Nulls, false)
	}
	switch c.Type {
	case model.Boolean:
		c.Bools = append(c.Bools, v.b)
	case model.Int32:
		c.Int32s = append(c.Int32s, int32(v.i))
	case model.Int64:
		c.Int64s = append(c.Int64s, v.i)
	case model.Float:
		c.Float32s = append(c.Float32s, float32(v.num()))
	case model.Double:
		c.Float64s = append(c.Float64s, v.num())
	case model.Text:
		c.Texts = append(c.Texts, v.s)
	}
}

// appendNull appends a null row to c.
func appendNull(c *model.Column) {
	if c.Nulls == nil {
		n := c.Len()
		c.Nulls = make([]bool, n, max(2*n, 16))
	}
	c.Nulls = append(c.Nulls, true)
	switch c.Type {
	case model.Boolean:
		c.Bools = append(c.Bools, false)
	case model.Int32:
		c.Int32s = append(c.Int32s, 0)
	case model.Int64:
		c.Int64s = append(c.Int64s, 0)
	case model.Float:
		c.Float32s = append(c.Float32s, 0)
	case model.Double:
		c.Float64s = append(c.Float64s, 0)
	case model.Text:
		c.Texts = append(c.Texts, "")
	}
}

// appendFrom copies row i of src (same type as dst) to dst.
func appendFrom(dst, src *model.Column, i int) {
	if src.Nulls != nil && src.Nulls[i] {
		appendNull(dst)
		return
	}
	if dst.Nulls != nil {
		dst.Nulls = append(dst.Nulls, false)
	}
	switch dst.Type {
	case model.Boolean:
		dst.Bools = append(dst.Bools, src.Bools[i])
	case model.Int32:
		dst.Int32s = append(dst.Int32s, src.Int32s[i])
	case model.Int64:
		dst.Int64s = append(dst.Int64s, src.Int64s[i])
	case model.Float:
		dst.Float32s = append(dst.Float32s, src.Float32s[i])
	case model.Double:
		dst.Float64s = append(dst.Float64s, src.Float64s[i])
	case model.Text:
		dst.Texts = append(dst.Texts, src.Texts[i])
	}
}

// newColumns returns empty columns of the given types with room for n rows.
func newColumns(types []model.DataType, n int) []model.Column {
	cols := make([]model.Column, len(types))
	for i, t := range types {
		cols[i] = model.NewColumn(t, n)
	}
	return cols
}

// reverseBatch reverses the row order of b in place.
func reverseBatch(b *model.Batch) {
	rev(b.Times)
	for i := range b.Columns {
		c := &b.Columns[i]
		rev(c.Bools)
		rev(c.Int32s)
		rev(c.Int64s)
		rev(c.Float32s)
		rev(c.Float64s)
		rev(c.Texts)
		rev(c.Nulls)
	}
}

func rev[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// absGreater reports whether |a| > |b| for numeric values, preferring the
// positive one on a tie as IoTDB's EXTREME does.
func absGreater(a, b value) bool {
	if a.k == kInt && b.k == kInt {
		if x, y := absInt(a.i), absInt(b.i); x != y {
			return x > y
		}
		return a.i > b.i
	}
	if x, y := math.Abs(a.num()), math.Abs(b.num()); x != y {
		return x > y
	}
	return a.num() > b.num()
}

func absInt(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}
