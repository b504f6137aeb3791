package clientrpc

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// The value buffers of insert requests, as IoTDB clients write them:
//
// A record (insertRecord, insertRecords, insertRecordsOfOneDevice) holds,
// per measurement, a type byte and the big-endian value: BOOLEAN 1 byte,
// INT32 4, INT64 8, FLOAT 4 (IEEE bits), DOUBLE 8, TEXT a 4-byte length and
// the bytes. Type byte -2 marks a null value with nothing after it.
//
// A tablet is columnar: for each column in order, one value per row (nulls
// hold a placeholder); then, only if some column has nulls, per column a
// byte telling whether a bitmap follows and the bitmap of size/8+1 bytes in
// which bit 1<<(row%8) of byte row/8 marks row as NULL.

// typeNull is the record type byte of a null value.
const typeNull = -2

// errMalformed makes the error of a value buffer that does not decode.
func errMalformed(format string, args ...any) error {
	return status.Errorf(status.IllegalParameter, "malformed values buffer: "+format, args...)
}

// buf reads a value buffer front to back.
type buf struct {
	b   []byte
	off int
}

func (r *buf) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, errMalformed("need %d bytes at offset %d but %d remain", n, r.off, len(r.b)-r.off)
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, nil
}

func (r *buf) remaining() int { return len(r.b) - r.off }

// value reads one value of type t.
func (r *buf) value(t model.DataType) (any, error) {
	switch t {
	case model.Boolean:
		p, err := r.take(1)
		if err != nil {
			return nil, err
		}
		return p[0] != 0, nil
	case model.Int32:
		p, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return int32(binary.BigEndian.Uint32(p)), nil
	case model.Int64:
		p, err := r.take(8)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(p)), nil
	case model.Float:
		p, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(p)), nil
	case model.Double:
		p, err := r.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case model.Text:
		p, err := r.take(4)
		if err != nil {
			return nil, err
		}
		n := int32(binary.BigEndian.Uint32(p))
		if n < 0 {
			return nil, errMalformed("negative text length %d at offset %d", n, r.off-4)
		}
		s, err := r.take(int(n))
		if err != nil {
			return nil, err
		}
		return string(s), nil
	}
	return nil, errMalformed("unknown data type %d", t)
}

// cell is one value of a record; v is nil for a null.
type cell struct {
	typ model.DataType
	v   any
}

// decodeRecord reads the n values of a record buffer, which must hold
// nothing else.
func decodeRecord(b []byte, n int) ([]cell, error) {
	r := &buf{b: b}
	cells := make([]cell, n)
	for i := range cells {
		tb, err := r.take(1)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		code := int8(tb[0])
		if code == typeNull {
			continue
		}
		t := model.DataType(code)
		if !t.Valid() {
			return nil, errMalformed("value %d has unknown data type %d", i, code)
		}
		v, err := r.value(t)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		cells[i] = cell{typ: t, v: v}
	}
	if r.remaining() != 0 {
		return nil, errMalformed("%d bytes left after %d values", r.remaining(), n)
	}
	return cells, nil
}

// decodeTablet reads an insertTablet request's buffers into a tablet.
//
// size is the row count the client declares. The Go client declares the
// tablet's capacity in insertTablets while it sends only the filled rows,
// so the timestamps buffer decides when it holds fewer rows than declared.
func decodeTablet(device string, aligned bool, measurements []string, types []int32, values, times []byte, size int32) (*model.Tablet, error) {
	dev, err := fullPath(device)
	if err != nil {
		return nil, err
	}
	if len(types) != len(measurements) {
		return nil, status.Errorf(status.IllegalParameter, "tablet of %s: %d measurements but %d data types", device, len(measurements), len(types))
	}
	if size < 0 || len(times)%8 != 0 || len(times)/8 > int(size) {
		return nil, status.Errorf(status.IllegalParameter, "tablet of %s: %d bytes of timestamps do not hold %d rows", device, len(times), size)
	}
	rows := len(times) / 8
	t := &model.Tablet{
		Device:       dev,
		Aligned:      aligned,
		Measurements: make([]string, len(measurements)),
		Times:        make([]int64, rows),
		Columns:      make([]model.Column, len(measurements)),
	}
	for i := range t.Times {
		t.Times[i] = int64(binary.BigEndian.Uint64(times[8*i:]))
	}
	for i, m := range measurements {
		if t.Measurements[i], err = measurementName(m); err != nil {
			return nil, err
		}
	}
	r := &buf{b: values}
	for i, code := range types {
		typ, err := dataTypeOf(code)
		if err != nil {
			return nil, err
		}
		if t.Columns[i], err = decodeColumn(r, typ, rows); err != nil {
			return nil, fmt.Errorf("tablet of %s, column %s: %w", device, measurements[i], err)
		}
	}
	if r.remaining() > 0 {
		if err := decodeBitmaps(r, t.Columns, rows); err != nil {
			return nil, fmt.Errorf("tablet of %s: %w", device, err)
		}
	}
	return t, nil
}

// decodeColumn reads rows values of type t.
func decodeColumn(r *buf, t model.DataType, rows int) (model.Column, error) {
	c := model.Column{Type: t}
	if t == model.Text {
		// Each value takes at least its 4-byte length: check before
		// allocating for a row count the peer chose.
		if r.remaining() < 4*rows {
			return c, errMalformed("%d rows of TEXT need at least %d bytes but %d remain", rows, 4*rows, r.remaining())
		}
		c.Texts = make([]string, rows)
		for i := range rows {
			v, err := r.value(model.Text)
			if err != nil {
				return c, fmt.Errorf("row %d: %w", i, err)
			}
			c.Texts[i] = v.(string)
		}
		return c, nil
	}
	width := map[model.DataType]int{model.Boolean: 1, model.Int32: 4, model.Int64: 8, model.Float: 4, model.Double: 8}[t]
	p, err := r.take(width * rows)
	if err != nil {
		return c, fmt.Errorf("%d rows of %s: %w", rows, t, err)
	}
	switch t {
	case model.Boolean:
		c.Bools = make([]bool, rows)
		for i := range c.Bools {
			c.Bools[i] = p[i] != 0
		}
	case model.Int32:
		c.Int32s = make([]int32, rows)
		for i := range c.Int32s {
			c.Int32s[i] = int32(binary.BigEndian.Uint32(p[4*i:]))
		}
	case model.Int64:
		c.Int64s = make([]int64, rows)
		for i := range c.Int64s {
			c.Int64s[i] = int64(binary.BigEndian.Uint64(p[8*i:]))
		}
	case model.Float:
		c.Float32s = make([]float32, rows)
		for i := range c.Float32s {
			c.Float32s[i] = math.Float32frombits(binary.BigEndian.Uint32(p[4*i:]))
		}
	case model.Double:
		c.Float64s = make([]float64, rows)
		for i := range c.Float64s {
			c.Float64s[i] = math.Float64frombits(binary.BigEndian.Uint64(p[8*i:]))
		}
	}
	return c, nil
}

// decodeBitmaps reads the null bitmaps that follow the values and marks
// the null rows, zeroing their placeholder values.
func decodeBitmaps(r *buf, cols []model.Column, rows int) error {
	n := rows/8 + 1
	for i := range cols {
		flag, err := r.take(1)
		if err != nil {
			return fmt.Errorf("bitmap flag of column %d: %w", i, err)
		}
		if flag[0] == 0 {
			continue
		}
		bits, err := r.take(n)
		if err != nil {
			return fmt.Errorf("bitmap of column %d: %w", i, err)
		}
		c := &cols[i]
		for row := range rows {
			if bits[row/8]&(1<<(row%8)) == 0 {
				continue
			}
			if c.Nulls == nil {
				c.Nulls = make([]bool, rows)
			}
			c.Nulls[row] = true
			c.ZeroRow(row)
		}
	}
	if r.remaining() != 0 {
		return errMalformed("%d bytes left after the null bitmaps", r.remaining())
	}
	return nil
}
