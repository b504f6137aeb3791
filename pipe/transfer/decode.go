package transfer

import (
	"math"
	"unsafe"

	"github.com/sluicedb/sluice/model"
)

// Smallest encodings, used to check counts against the bytes left.
const (
	minTabletBytes = 4 // node count, flags, row count, column count
	minColumnBytes = 3 // name length, type, nulls flag
)

// Memory of the decoded values, charged against the reader's budget.
const (
	tabletBytes = int(unsafe.Sizeof(model.Tablet{})) + 8  // and its pointer
	columnBytes = int(unsafe.Sizeof(model.Column{})) + 16 // and its name
	stringBytes = int(unsafe.Sizeof(""))
)

// decodeTabletsPayload reads the uncompressed columnar payload into
// tablets whose slices take at most max bytes (strings' contents aside).
func decodeTabletsPayload(b []byte, max int) ([]*model.Tablet, error) {
	r := reader{b: b, budget: max, max: max}
	n := r.count(minTabletBytes, "tablet count")
	if !r.alloc(n*tabletBytes, "the tablets") {
		return nil, r.err
	}
	tablets := make([]*model.Tablet, 0, n)
	for range n {
		t := decodeTablet(&r)
		if r.err != nil {
			break
		}
		tablets = append(tablets, t)
	}
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return tablets, nil
}

func decodeTablet(r *reader) *model.Tablet {
	t := &model.Tablet{}
	nodes := r.count(1, "device node count")
	if !r.alloc(nodes*stringBytes, "a device path") {
		return nil
	}
	t.Device = make(model.Path, nodes)
	for i := range t.Device {
		t.Device[i] = r.string("device node")
	}
	flags := r.byte("tablet flags")
	if flags&^flagAligned != 0 {
		r.fail("unknown tablet flags %#x", flags)
	}
	t.Aligned = flags&flagAligned != 0
	rows := r.count(1, "row count")
	if !r.alloc(8*rows, "timestamps") {
		return nil
	}
	t.Times = make([]int64, rows)
	var prev int64
	for i := range t.Times {
		v := r.varint("time")
		if i > 0 {
			v += prev // wraps as the writer's subtraction did
		}
		t.Times[i], prev = v, v
	}
	cols := r.count(minColumnBytes, "column count")
	if !r.alloc(cols*columnBytes, "columns") {
		return nil
	}
	t.Measurements = make([]string, cols)
	t.Columns = make([]model.Column, cols)
	for i := range cols {
		t.Measurements[i] = r.string("measurement")
		t.Columns[i] = decodeColumn(r, rows)
		if r.err != nil {
			return nil
		}
	}
	if r.err != nil {
		return nil
	}
	return t
}

func decodeColumn(r *reader, rows int) model.Column {
	typ := model.DataType(r.byte("data type"))
	nullFlag := r.byte("nulls flag")
	if r.err != nil {
		return model.Column{}
	}
	if !typ.Valid() {
		r.fail("unknown data type %d", typ)
		return model.Column{}
	}
	c := model.Column{Type: typ}
	present := rows
	switch nullFlag {
	case 0:
	case 1:
		bm := r.bytes((rows+7)/8, "null bitmap")
		if r.err != nil || !r.alloc(rows, "null flags") {
			return model.Column{}
		}
		c.Nulls = make([]bool, rows)
		for i := range c.Nulls {
			if bm[i/8]>>(i%8)&1 == 1 {
				c.Nulls[i] = true
				present--
			}
		}
		if present == rows {
			c.Nulls = nil
		}
	default:
		r.fail("unknown nulls flag %d", nullFlag)
		return model.Column{}
	}
	// Check the smallest size of the values before allocating for them.
	need := present
	switch typ {
	case model.Boolean:
		need = (present + 7) / 8
	case model.Float:
		need = 4 * present
	case model.Double:
		need = 8 * present
	}
	if need > r.len() {
		r.fail("%d %s values need %d bytes, %d left", present, typ, need, r.len())
		return model.Column{}
	}
	if !r.alloc(rows*valueBytes(typ), typ.String()+" values") {
		return model.Column{}
	}
	isNull := func(i int) bool { return c.Nulls != nil && c.Nulls[i] }
	switch typ {
	case model.Boolean:
		c.Bools = make([]bool, rows)
		bits := r.bytes(need, "BOOLEAN values")
		k := 0
		for i := range c.Bools {
			if !isNull(i) {
				c.Bools[i] = bits[k/8]>>(k%8)&1 == 1
				k++
			}
		}
	case model.Int32:
		c.Int32s = make([]int32, rows)
		for i := range c.Int32s {
			if !isNull(i) {
				c.Int32s[i] = r.int32("INT32 value")
			}
		}
	case model.Int64:
		c.Int64s = make([]int64, rows)
		for i := range c.Int64s {
			if !isNull(i) {
				c.Int64s[i] = r.varint("INT64 value")
			}
		}
	case model.Float:
		c.Float32s = make([]float32, rows)
		for i := range c.Float32s {
			if !isNull(i) {
				c.Float32s[i] = math.Float32frombits(r.uint32("FLOAT value"))
			}
		}
	case model.Double:
		c.Float64s = make([]float64, rows)
		for i := range c.Float64s {
			if !isNull(i) {
				c.Float64s[i] = math.Float64frombits(r.uint64("DOUBLE value"))
			}
		}
	case model.Text:
		c.Texts = make([]string, rows)
		for i := range c.Texts {
			if !isNull(i) {
				c.Texts[i] = r.string("TEXT value")
			}
		}
	}
	return c
}

// valueBytes is the memory of one decoded value of typ. String contents
// are not charged: together they are at most the payload, which the
// limit bounds on its own.
func valueBytes(typ model.DataType) int {
	switch typ {
	case model.Boolean:
		return 1
	case model.Int32, model.Float:
		return 4
	case model.Text:
		return stringBytes
	}
	return 8
}
