package iotdbwire

import (
	"github.com/sluicedb/sluice/model"
)

// DecodeTabletBatch reads the body of a TabletBatch request: int32-counted
// lists of WAL entries (each int32-length-prefixed), insert nodes and raw
// tablets, in that order. The tablets come back in that order too.
func DecodeTabletBatch(body []byte, limit int) ([]*model.Tablet, error) {
	r := newReader(body, limit)
	var out []*model.Tablet
	n := r.count(4, "binary entry count")
	for range n {
		size := r.count(1, "binary entry size")
		entry := r.bytes(size, "binary entry")
		if !r.ok() {
			break
		}
		sub := &reader{b: entry, budget: r.budget, max: r.max}
		ts := sub.walEntry()
		sub.end()
		if sub.err != nil {
			r.err = sub.err
			break
		}
		r.budget = sub.budget
		out = append(out, ts...)
	}
	n = r.count(2, "insert node count")
	for range n {
		out = append(out, r.insertNode(false)...)
		if !r.ok() {
			break
		}
	}
	n = r.count(4, "raw tablet count")
	for range n {
		t := r.rawTablet()
		if !r.ok() {
			break
		}
		out = append(out, t)
	}
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// Decode reads the body of a data request of type typ: TabletInsertNode,
// TabletRaw, TabletBinary or TabletBatch. Decoded tablets may take at
// most limit bytes besides the body. Other types are refused with an
// error wrapping ErrUnsupported.
func Decode(typ RequestType, body []byte, limit int) ([]*model.Tablet, error) {
	switch typ {
	case TypeTabletInsertNode:
		return DecodeTabletInsertNode(body, limit)
	case TypeTabletRaw:
		t, err := DecodeTabletRaw(body, limit)
		if err != nil {
			return nil, err
		}
		return []*model.Tablet{t}, nil
	case TypeTabletBinary:
		return DecodeTabletBinary(body, limit)
	case TypeTabletBatch:
		return DecodeTabletBatch(body, limit)
	}
	return nil, &unsupportedType{typ}
}
