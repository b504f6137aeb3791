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

// appendValue appends v, which must be of the column's Go type (a string is taken for text).
func (c *Column) appendValue(v any) error {
	ok := false
	switch c.Type.physical() {
	case Boolean:
		var x bool
		if x, ok = v.(bool); ok {
			c.Bools = append(c.Bools, x)
		}
	case Int32:
		var x int32
		if x, ok = v.(int32); ok {
			c.Int32s = append(c.Int32s, x)
		}
	case Int64:
		var x int64
		if x, ok = v.(int64); ok {
			c.Int64s = append(c.Int64s, x)
		}
	case Float:
		var x float32
		if x, ok = v.(float32); ok {
			c.Floats = append(c.Floats, x)
		}
	case Double:
		var x float64
		if x, ok = v.(float64); ok {
			c.Doubles = append(c.Doubles, x)
		}
	case Text:
		switch x := v.(type) {
		case []byte:
			c.Texts, ok = append(c.Texts, x), true
		case string:
			c.Texts, ok = append(c.Texts, []byte(x)), true
		}
	}
	if !ok {
		return fmt.Errorf("tsfile: value %v (%T) does not fit a %v column", v, v, c.Type)
	}
	return nil
}
