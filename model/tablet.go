package model

import "fmt"

// Column is one measurement's values, typed. Exactly the slice for Type is
// used; Nulls, when non-nil, marks rows that hold no value (their slot in the
// typed slice is the zero value).
type Column struct {
	Type     DataType
	Bools    []bool
	Int32s   []int32
	Int64s   []int64
	Float32s []float32
	Float64s []float64
	Texts    []string
	Nulls    []bool
}

// NewColumn returns an empty column of type t with room for n values.
func NewColumn(t DataType, n int) Column {
	c := Column{Type: t}
	switch t {
	case Boolean:
		c.Bools = make([]bool, 0, n)
	case Int32:
		c.Int32s = make([]int32, 0, n)
	case Int64:
		c.Int64s = make([]int64, 0, n)
	case Float:
		c.Float32s = make([]float32, 0, n)
	case Double:
		c.Float64s = make([]float64, 0, n)
	case Text:
		c.Texts = make([]string, 0, n)
	}
	return c
}

// Len is the number of rows in the column.
func (c *Column) Len() int {
	switch c.Type {
	case Boolean:
		return len(c.Bools)
	case Int32:
		return len(c.Int32s)
	case Int64:
		return len(c.Int64s)
	case Float:
		return len(c.Float32s)
	case Double:
		return len(c.Float64s)
	case Text:
		return len(c.Texts)
	}
	return 0
}

// IsNull reports whether row i holds no value.
func (c *Column) IsNull(i int) bool { return c.Nulls != nil && c.Nulls[i] }

// Value returns row i as a Go value (bool, int32, int64, float32, float64,
// string), or nil for a null.
func (c *Column) Value(i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch c.Type {
	case Boolean:
		return c.Bools[i]
	case Int32:
		return c.Int32s[i]
	case Int64:
		return c.Int64s[i]
	case Float:
		return c.Float32s[i]
	case Double:
		return c.Float64s[i]
	case Text:
		return c.Texts[i]
	}
	return nil
}

// Append adds v (of the column's Go type, or nil for null) as a new row.
func (c *Column) Append(v any) {
	n := c.Len()
	if v == nil {
		if c.Nulls == nil {
			c.Nulls = make([]bool, n, n+1)
		}
		c.Nulls = append(c.Nulls, true)
		c.appendZero()
		return
	}
	if c.Nulls != nil {
		c.Nulls = append(c.Nulls, false)
	}
	switch c.Type {
	case Boolean:
		c.Bools = append(c.Bools, v.(bool))
	case Int32:
		c.Int32s = append(c.Int32s, v.(int32))
	case Int64:
		c.Int64s = append(c.Int64s, v.(int64))
	case Float:
		c.Float32s = append(c.Float32s, v.(float32))
	case Double:
		c.Float64s = append(c.Float64s, v.(float64))
	case Text:
		c.Texts = append(c.Texts, v.(string))
	}
}

// ZeroRow sets row i to its type's zero value: what a null row holds, so
// that bytes a client left in a null slot go no further.
func (c *Column) ZeroRow(i int) {
	switch c.Type {
	case Boolean:
		c.Bools[i] = false
	case Int32:
		c.Int32s[i] = 0
	case Int64:
		c.Int64s[i] = 0
	case Float:
		c.Float32s[i] = 0
	case Double:
		c.Float64s[i] = 0
	case Text:
		c.Texts[i] = ""
	}
}

func (c *Column) appendZero() {
	switch c.Type {
	case Boolean:
		c.Bools = append(c.Bools, false)
	case Int32:
		c.Int32s = append(c.Int32s, 0)
	case Int64:
		c.Int64s = append(c.Int64s, 0)
	case Float:
		c.Float32s = append(c.Float32s, 0)
	case Double:
		c.Float64s = append(c.Float64s, 0)
	case Text:
		c.Texts = append(c.Texts, "")
	}
}

// Tablet is a batch of rows of one device: the unit of ingest. Every client
// write (record, records, tablet, SQL INSERT) becomes one or more tablets.
type Tablet struct {
	Device       Path
	Aligned      bool
	Measurements []string
	Times        []int64
	Columns      []Column // one per measurement, each len(Times) long
}

// Rows is the number of rows.
func (t *Tablet) Rows() int { return len(t.Times) }

// Points is the number of non-null values.
func (t *Tablet) Points() int {
	n := 0
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.Nulls == nil {
			n += c.Len()
			continue
		}
		for _, null := range c.Nulls {
			if !null {
				n++
			}
		}
	}
	return n
}

// Validate checks the tablet's shape: a device, distinct non-empty
// measurements, one column of the right length per measurement.
func (t *Tablet) Validate() error {
	if len(t.Device) < 2 {
		return fmt.Errorf("%w: device %q is too short", ErrBadPath, t.Device.String())
	}
	if t.Device.HasWildcard() {
		return fmt.Errorf("%w: device %q has a wildcard", ErrBadPath, t.Device.String())
	}
	if len(t.Measurements) != len(t.Columns) {
		return fmt.Errorf("tablet of %s: %d measurements but %d columns", t.Device, len(t.Measurements), len(t.Columns))
	}
	seen := make(map[string]bool, len(t.Measurements))
	for i, m := range t.Measurements {
		if m == "" || m == OneLevel || m == MultiLevel {
			return fmt.Errorf("%w: measurement %q of %s", ErrBadPath, m, t.Device)
		}
		if seen[m] {
			return fmt.Errorf("tablet of %s: measurement %q given twice", t.Device, m)
		}
		seen[m] = true
		c := &t.Columns[i]
		if !c.Type.Valid() {
			return fmt.Errorf("tablet of %s: measurement %q has invalid type %d", t.Device, m, c.Type)
		}
		if c.Len() != len(t.Times) || (c.Nulls != nil && len(c.Nulls) != len(t.Times)) {
			return fmt.Errorf("tablet of %s: measurement %q has %d values for %d rows", t.Device, m, c.Len(), len(t.Times))
		}
	}
	return nil
}
