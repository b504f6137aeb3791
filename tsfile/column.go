package tsfile

import "fmt"

// Column holds the values of one series for a run of rows; only the slice of its Type is
// used (Int32s for DATE, Int64s for TIMESTAMP, Texts for TEXT, STRING and BLOB). Text values
// are raw bytes.
type Column struct {
	Type    DataType
	Bools   []bool
	Int32s  []int32
	Int64s  []int64
	Floats  []float32
	Doubles []float64
	Texts   [][]byte
}

// Len is the number of values.
func (c *Column) Len() int {
	switch c.Type.physical() {
	case Boolean:
		return len(c.Bools)
	case Int32:
		return len(c.Int32s)
	case Int64:
		return len(c.Int64s)
	case Float:
		return len(c.Floats)
	case Double:
		return len(c.Doubles)
	case Text:
		return len(c.Texts)
	}
	return 0
}

// Value returns value i as a Go value (bool, int32, int64, float32, float64 or []byte).
func (c *Column) Value(i int) any {
	switch c.Type.physical() {
	case Boolean:
		return c.Bools[i]
	case Int32:
		return c.Int32s[i]
	case Int64:
		return c.Int64s[i]
	case Float:
		return c.Floats[i]
	case Double:
		return c.Doubles[i]
	case Text:
		return c.Texts[i]
	}
	panic(fmt.Sprintf("BUG: Value on a column of type %v", c.Type))
}

// slice returns the values [from, to) sharing storage.
func (c *Column) slice(from, to int) Column {
	s := Column{Type: c.Type}
	switch c.Type.physical() {
	case Boolean:
		s.Bools = c.Bools[from:to]
	case Int32:
		s.Int32s = c.Int32s[from:to]
	case Int64:
		s.Int64s = c.Int64s[from:to]
	case Float:
		s.Floats = c.Floats[from:to]
	case Double:
		s.Doubles = c.Doubles[from:to]
	case Text:
		s.Texts = c.Texts[from:to]
	}
	return s
}

// appendValue appends v, which must be of the column's Go type.
func (c *Column) appendValue(v any) error {
	ok := true
	switch c.Type.physical() {
	case Boolean:
		x, k := v.(bool)
		c.Bools, ok = append(c.Bools, x), k
	case Int32:
		x, k := v.(int32)
		c.Int32s, ok = append(c.Int32s, x), k
	case Int64:
		x, k := v.(int64)
		c.Int64s, ok = append(c.Int64s, x), k
	case Float:
		x, k := v.(float32)
		c.Floats, ok = append(c.Floats, x), k
	case Double:
		x, k := v.(float64)
		c.Doubles, ok = append(c.Doubles, x), k
	case Text:
		switch x := v.(type) {
		case []byte:
			c.Texts = append(c.Texts, x)
		case string:
			c.Texts = append(c.Texts, []byte(x))
		default:
			ok = false
		}
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("tsfile: value %v (%T) does not fit a %v column", v, v, c.Type)
	}
	return nil
}
