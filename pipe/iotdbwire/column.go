package iotdbwire

import (
	"github.com/sluicedb/sluice/model"
)

// IoTDB 1.3's TSDataType numbers beyond Sluice's six. Their values travel
// as the Sluice type of the same representation (see wireType).
const (
	typeVector    = 6
	typeUnknown   = 7
	typeTimestamp = 8
	typeDate      = 9
	typeBlob      = 10
	typeString    = 11
)

// wireType reads an IoTDB data type byte and returns the Sluice type its
// values are stored as: TIMESTAMP as INT64, DATE (yyyymmdd) as INT32,
// STRING and BLOB as TEXT.
func (r *reader) wireType(what string) model.DataType {
	return r.mapType(int8(r.byte(what)), what)
}

func (r *reader) mapType(t int8, what string) model.DataType {
	if r.err != nil {
		return 0
	}
	switch {
	case t >= 0 && model.DataType(t).Valid():
		return model.DataType(t)
	case t == typeTimestamp:
		return model.Int64
	case t == typeDate:
		return model.Int32
	case t == typeBlob, t == typeString:
		return model.Text
	case t == typeVector, t == typeUnknown:
		r.failWith(ErrUnsupported, "%s: data type %d has no values to write", what, t)
	default:
		r.fail("%s: unknown data type %d", what, t)
	}
	return 0
}

// schema is what a MeasurementSchema serialization says of a column.
type schema struct {
	name string
	typ  model.DataType
}

// measurementSchema reads TsFile's MeasurementSchema.serializeTo: name,
// type, encoding, compressor, then an int32-counted map of properties.
func (r *reader) measurementSchema() schema {
	var s schema
	s.name = r.string("measurement name")
	s.typ = r.wireType("measurement type")
	r.byte("encoding")
	r.byte("compressor")
	n := r.int32("property count")
	if r.ok() && n > 0 {
		if int64(n)*8 > int64(len(r.b)) {
			r.fail("property count %d exceeds the %d bytes left", n, len(r.b))
			return s
		}
		for range n {
			r.stringOrNull("property key")
			r.stringOrNull("property value")
		}
	}
	return s
}

// valueSize is the decoded size of one value of t, besides a TEXT value's
// bytes.
func valueSize(t model.DataType) int {
	switch t {
	case model.Boolean:
		return 1
	case model.Int32, model.Float:
		return 4
	case model.Text:
		return 16
	}
	return 8
}

// times reads rows int64 timestamps.
func (r *reader) times(rows int) []int64 {
	if rows*8 > len(r.b) {
		r.fail("%d timestamps exceed the %d bytes left", rows, len(r.b))
		return nil
	}
	if !r.alloc(rows*8, "timestamps") {
		return nil
	}
	ts := make([]int64, rows)
	for i := range ts {
		ts[i] = r.int64("timestamp")
	}
	return ts
}

// nullsFromBitmap turns an IoTDB BitMap (bit i of byte i/8, LSB first,
// set for a null row) into per-row flags; nil when no row is null.
func (r *reader) nullsFromBitmap(bm []byte, rows int) []bool {
	if len(bm) < (rows+7)/8 {
		r.fail("bitmap of %d bytes for %d rows", len(bm), rows)
		return nil
	}
	some := false
	for i := range rows {
		if bm[i/8]&(1<<(i%8)) != 0 {
			some = true
			break
		}
	}
	if !some || !r.alloc(rows, "null flags") {
		return nil
	}
	nulls := make([]bool, rows)
	for i := range nulls {
		nulls[i] = bm[i/8]&(1<<(i%8)) != 0
	}
	return nulls
}

// column reads rows values of t as InsertTabletNode writes them (TEXT: an
// int32 length and the bytes, -1 for null). textFlag says each TEXT value
// is preceded by a presence byte, as in a TsFile Tablet.
func (r *reader) column(t model.DataType, rows int, textFlag bool) model.Column {
	min := valueSize(t)
	if t == model.Text {
		min = 4
		if textFlag {
			min = 1
		}
	}
	if int64(rows)*int64(min) > int64(len(r.b)) {
		r.fail("%d %s values exceed the %d bytes left", rows, t, len(r.b))
		return model.Column{Type: t}
	}
	if !r.alloc(rows*valueSize(t), t.String()+" values") {
		return model.Column{Type: t}
	}
	c := model.Column{Type: t}
	switch t {
	case model.Boolean:
		c.Bools = make([]bool, rows)
		for i := range c.Bools {
			c.Bools[i] = r.byte("BOOLEAN value") != 0
		}
	case model.Int32:
		c.Int32s = make([]int32, rows)
		for i := range c.Int32s {
			c.Int32s[i] = r.int32("INT32 value")
		}
	case model.Int64:
		c.Int64s = make([]int64, rows)
		for i := range c.Int64s {
			c.Int64s[i] = r.int64("INT64 value")
		}
	case model.Float:
		c.Float32s = make([]float32, rows)
		for i := range c.Float32s {
			c.Float32s[i] = r.float32("FLOAT value")
		}
	case model.Double:
		c.Float64s = make([]float64, rows)
		for i := range c.Float64s {
			c.Float64s[i] = r.float64("DOUBLE value")
		}
	case model.Text:
		c.Texts = make([]string, rows)
		for i := range c.Texts {
			if textFlag && !r.bool("TEXT presence") {
				continue
			}
			c.Texts[i], _ = r.stringOrNull("TEXT value")
		}
	}
	return c
}

// maskNulls clears the slots of null rows, whose bytes on the wire are
// whatever the sender's buffers held.
func maskNulls(c *model.Column) {
	if c.Len() != len(c.Nulls) {
		return // nothing decoded: the reader failed
	}
	for i, null := range c.Nulls {
		if null {
			c.ZeroRow(i)
		}
	}
}

// device parses a device path.
func (r *reader) device(s string) model.Path {
	if r.err != nil {
		return nil
	}
	p, err := model.ParseFullPath(s)
	if err != nil {
		r.fail("device: %v", err)
		return nil
	}
	return p
}
