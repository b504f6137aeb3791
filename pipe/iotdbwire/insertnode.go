package iotdbwire

import (
	"github.com/sluicedb/sluice/model"
)

// IoTDB's PlanNodeType numbers of the insert nodes.
const (
	nodeInsertTablet = 13
	nodeInsertRow    = 14
	nodeInsertRows   = 15
)

// Markers of an InsertRowNode value's type byte.
const (
	typeRawString    = -1 // a string whose type the receiver infers
	typeNullNoType   = -2 // a null of unknown type
	typeNullWithType = -3 // a null, its type byte follows
)

// DecodeTabletInsertNode reads the body of a TabletInsertNode request: an
// InsertTabletNode, InsertRowNode or InsertRowsNode as IoTDB's query
// engine serializes a plan node.
func DecodeTabletInsertNode(body []byte, limit int) ([]*model.Tablet, error) {
	r := newReader(body, limit)
	ts := r.insertNode(false)
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return ts, nil
}

// DecodeTabletBinary reads the body of a TabletBinary request: a WAL entry
// (entry type, memtable id) holding an insert node in its WAL form.
func DecodeTabletBinary(body []byte, limit int) ([]*model.Tablet, error) {
	r := newReader(body, limit)
	ts := r.walEntry()
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return ts, nil
}

func (r *reader) walEntry() []*model.Tablet {
	r.byte("WAL entry type")
	r.int64("memtable id")
	return r.insertNode(true)
}

// insertNode reads a plan node type and the insert node it announces, in
// the WAL form (search index, no plan node id) or the plan form (plan node
// id and child count after the attributes).
func (r *reader) insertNode(wal bool) []*model.Tablet {
	typ := r.int16("plan node type")
	if wal {
		r.int64("search index")
	}
	if !r.ok() {
		return nil
	}
	var ts []*model.Tablet
	switch typ {
	case nodeInsertTablet:
		if t := r.insertTablet(wal); t != nil {
			ts = []*model.Tablet{t}
		}
	case nodeInsertRow:
		if t := r.insertRow(wal); t != nil {
			ts = []*model.Tablet{t}
		}
	case nodeInsertRows:
		n := r.count(8, "row count")
		if r.alloc(n*8, "rows") {
			ts = make([]*model.Tablet, 0, n)
		}
		for range n {
			t := r.insertRow(wal)
			if !r.ok() {
				return nil
			}
			ts = append(ts, t)
		}
		if !wal { // the WAL form keeps no row indexes
			for range n {
				r.int32("row index")
			}
		}
	default:
		r.failWith(ErrUnsupported, "plan node type %d is not an insert", typ)
		return nil
	}
	if !wal {
		r.string("plan node id")
		if c := r.int32("child count"); r.ok() && c != 0 {
			r.fail("an insert node with %d children", c)
		}
	}
	if !r.ok() {
		return nil
	}
	return ts
}

// measurements reads an insert node's int32 count of measurements and
// their schemas (the WAL form) or, in the plan form, a presence byte and
// then schemas or bare names.
func (r *reader) measurements(wal bool) []schema {
	n := r.count(4, "measurement count")
	hasSchema := true
	if !wal {
		hasSchema = r.bool("schemas present")
	}
	if !r.alloc(n*48, "measurements") {
		return nil
	}
	s := make([]schema, n)
	for i := range s {
		if hasSchema {
			s[i] = r.measurementSchema()
		} else {
			s[i] = schema{name: r.string("measurement"), typ: -1}
		}
		if !r.ok() {
			return nil
		}
	}
	return s
}

// insertTablet reads an InsertTabletNode after its type (and search
// index).
func (r *reader) insertTablet(wal bool) *model.Tablet {
	t := &model.Tablet{}
	t.Device = r.device(r.string("device"))
	schemas := r.measurements(wal)
	if !wal {
		for i := range schemas {
			typ := r.wireType("data type")
			if schemas[i].typ >= 0 && schemas[i].typ != typ && r.ok() {
				r.fail("measurement %.64q: schema type %s, data type %s", schemas[i].name, schemas[i].typ, typ)
			}
			schemas[i].typ = typ
		}
	}
	rows := int(r.int32("row count"))
	if r.ok() && (rows < 0 || int64(rows)*8 > int64(len(r.b))) {
		r.fail("row count %d exceeds the %d bytes left", rows, len(r.b))
	}
	t.Times = r.times(rows)
	nulls := make([][]bool, len(schemas))
	if r.bool("bitmaps present") {
		for i := range schemas {
			if r.bool("bitmap present") {
				nulls[i] = r.nullsFromBitmap(r.bytes(rows/8+1, "bitmap"), rows)
			}
		}
	}
	t.Measurements = make([]string, 0, len(schemas))
	t.Columns = make([]model.Column, 0, len(schemas))
	for i, s := range schemas {
		c := r.column(s.typ, rows, false)
		c.Nulls = nulls[i]
		maskNulls(&c)
		t.Measurements = append(t.Measurements, s.name)
		t.Columns = append(t.Columns, c)
	}
	t.Aligned = r.bool("aligned")
	if !r.ok() {
		return nil
	}
	return t
}

// insertRow reads an InsertRowNode's attributes after its type (and
// search index), or one row of an InsertRowsNode, as a one-row tablet. A
// null of unknown type is left out.
func (r *reader) insertRow(wal bool) *model.Tablet {
	t := &model.Tablet{}
	time := r.int64("time")
	t.Device = r.device(r.string("device"))
	schemas := r.measurements(wal)
	if !r.alloc(8+len(schemas)*(16+48), "row") {
		return nil
	}
	t.Times = []int64{time}
	for _, s := range schemas {
		tb := int8(r.byte("value type"))
		if !r.ok() {
			return nil
		}
		var c model.Column
		switch tb {
		case typeRawString:
			r.failWith(ErrUnsupported, "measurement %.64q: a value whose type the receiver must infer", s.name)
			return nil
		case typeNullNoType:
			continue
		case typeNullWithType:
			c = model.Column{Type: r.wireType("null's type")}
			c.Append(nil)
		default:
			c = r.column(r.mapType(tb, "value type"), 1, false)
		}
		t.Measurements = append(t.Measurements, s.name)
		t.Columns = append(t.Columns, c)
	}
	if !wal {
		r.bool("infer type")
	}
	t.Aligned = r.bool("aligned")
	if !r.ok() {
		return nil
	}
	return t
}
