package iotdbwire

import (
	"github.com/sluicedb/sluice/model"
)

// DecodeTabletRaw reads the body of a TabletRaw request: a TsFile Tablet
// and its aligned flag. Decoded tablets may take at most limit bytes.
func DecodeTabletRaw(body []byte, limit int) (*model.Tablet, error) {
	r := newReader(body, limit)
	t := r.rawTablet()
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return t, nil
}

// rawTablet reads TsFile's Tablet.serialize (device, row count, schemas,
// times, bitmaps, values, each optional part behind a presence byte)
// followed by the aligned flag. A column whose values are absent is
// dropped: every row of it is null.
func (r *reader) rawTablet() *model.Tablet {
	t := &model.Tablet{}
	t.Device = r.device(r.string("device"))
	rows := int(r.int32("row count"))
	if r.ok() && (rows < 0 || int64(rows)*8 > int64(len(r.b))) {
		r.fail("row count %d exceeds the %d bytes left", rows, len(r.b))
	}
	var schemas []schema
	if r.bool("schemas present") {
		n := r.count(1, "schema count")
		if r.alloc(n*48, "schemas") {
			schemas = make([]schema, 0, n)
		}
		for range n {
			if !r.bool("schema present") {
				r.fail("a null measurement schema")
			}
			schemas = append(schemas, r.measurementSchema())
			if !r.ok() {
				break
			}
		}
	}
	if r.ok() && !r.bool("timestamps present") && rows > 0 {
		r.fail("a tablet of %d rows without timestamps", rows)
	}
	t.Times = r.times(rows)
	nulls := make([][]bool, len(schemas))
	if r.bool("bitmaps present") {
		for i := range schemas {
			if !r.bool("bitmap present") {
				continue
			}
			size := int(r.int32("bitmap size"))
			n := r.count(1, "bitmap length")
			bm := r.bytes(n, "bitmap")
			if r.ok() && size != rows {
				r.fail("bitmap of %d rows in a tablet of %d", size, rows)
			}
			nulls[i] = r.nullsFromBitmap(bm, rows)
		}
	}
	if r.bool("values present") {
		for i, s := range schemas {
			if !r.bool("column present") {
				continue
			}
			c := r.column(s.typ, rows, true)
			c.Nulls = nulls[i]
			maskNulls(&c)
			t.Measurements = append(t.Measurements, s.name)
			t.Columns = append(t.Columns, c)
		}
	}
	t.Aligned = r.bool("aligned")
	if !r.ok() {
		return nil
	}
	return t
}
