package iotdbwire

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// enc writes IoTDB's big-endian serializations, for bodies no golden file
// holds (InsertRowNode, InsertRowsNode).
type enc struct{ b []byte }

func (e *enc) byte(v byte) *enc  { e.b = append(e.b, v); return e }
func (e *enc) i16(v int16) *enc  { e.b = binary.BigEndian.AppendUint16(e.b, uint16(v)); return e }
func (e *enc) i32(v int32) *enc  { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)); return e }
func (e *enc) i64(v int64) *enc  { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)); return e }
func (e *enc) str(s string) *enc { e.i32(int32(len(s))); e.b = append(e.b, s...); return e }
func (e *enc) raw(p []byte) *enc { e.b = append(e.b, p...); return e }

// schema writes a MeasurementSchema: name, type, PLAIN, LZ4, no props.
func (e *enc) schema(name string, t byte) *enc {
	return e.str(name).byte(t).byte(0).byte(7).i32(0)
}

// row writes an InsertRowNode's attributes after its type: time, device,
// three measurements (INT32 7, a DOUBLE null, TEXT "x"), and for the plan
// form the infer-type byte, then the aligned flag.
func (e *enc) row(wal bool, time int64, device string, aligned bool) *enc {
	e.i64(time).str(device).i32(3)
	if !wal {
		e.byte(1)
	}
	e.schema("a", 1).schema("b", 4).schema("c", 5)
	e.byte(1).i32(7)
	e.byte(0xfd).byte(4) // null with type DOUBLE
	e.byte(5).str("x")
	if !wal {
		e.byte(0)
	}
	if aligned {
		return e.byte(1)
	}
	return e.byte(0)
}

func wantRow(t *testing.T, tb *model.Tablet, time int64, device string, aligned bool) {
	t.Helper()
	if tb.Device.String() != device || tb.Aligned != aligned || len(tb.Times) != 1 || tb.Times[0] != time {
		t.Fatalf("row %s %v %v, want %s %v [%d]", tb.Device, tb.Aligned, tb.Times, device, aligned, time)
	}
	if err := tb.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []any{int32(7), nil, "x"}
	for i, m := range []string{"a", "b", "c"} {
		if tb.Measurements[i] != m || tb.Columns[i].Value(0) != want[i] {
			t.Fatalf("column %d: %s=%#v, want %s=%#v", i, tb.Measurements[i], tb.Columns[i].Value(0), m, want[i])
		}
	}
	if tb.Columns[1].Type != model.Double {
		t.Fatalf("null column typed %s, want DOUBLE", tb.Columns[1].Type)
	}
}

func TestInsertRowNodes(t *testing.T) {
	const limit = 1 << 20
	t.Run("row", func(t *testing.T) {
		e := (&enc{}).i16(nodeInsertRow).row(false, 5, "root.sg.r", true).str("id").i32(0)
		ts, err := DecodeTabletInsertNode(e.b, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 {
			t.Fatalf("%d tablets", len(ts))
		}
		wantRow(t, ts[0], 5, "root.sg.r", true)
	})
	t.Run("rows", func(t *testing.T) {
		e := (&enc{}).i16(nodeInsertRows).i32(2).row(false, 1, "root.sg.r1", false).row(false, 2, "root.sg.r2", true).i32(0).i32(1).str("id").i32(0)
		ts, err := DecodeTabletInsertNode(e.b, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 {
			t.Fatalf("%d tablets", len(ts))
		}
		wantRow(t, ts[0], 1, "root.sg.r1", false)
		wantRow(t, ts[1], 2, "root.sg.r2", true)
	})
	t.Run("binary row", func(t *testing.T) {
		e := (&enc{}).byte(4).i64(0).i16(nodeInsertRow).i64(-1).row(true, 9, "root.sg.w", false)
		ts, err := DecodeTabletBinary(e.b, limit)
		if err != nil {
			t.Fatal(err)
		}
		wantRow(t, ts[0], 9, "root.sg.w", false)
	})
	t.Run("binary rows", func(t *testing.T) {
		e := (&enc{}).byte(9).i64(0).i16(nodeInsertRows).i64(-1).i32(2).row(true, 1, "root.sg.r1", false).row(true, 2, "root.sg.r2", true)
		ts, err := DecodeTabletBinary(e.b, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 {
			t.Fatalf("%d tablets", len(ts))
		}
		wantRow(t, ts[0], 1, "root.sg.r1", false)
		wantRow(t, ts[1], 2, "root.sg.r2", true)
	})
	t.Run("batch of rows", func(t *testing.T) {
		entry := (&enc{}).byte(4).i64(0).i16(nodeInsertRow).i64(-1).row(true, 9, "root.sg.w", false).b
		node := (&enc{}).i16(nodeInsertRow).row(false, 5, "root.sg.r", true).str("id").i32(0).b
		e := (&enc{}).i32(1).i32(int32(len(entry))).raw(entry).i32(1).raw(node).i32(0)
		ts, err := DecodeTabletBatch(e.b, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 {
			t.Fatalf("%d tablets", len(ts))
		}
		wantRow(t, ts[0], 9, "root.sg.w", false)
		wantRow(t, ts[1], 5, "root.sg.r", true)
	})
	t.Run("raw string refused", func(t *testing.T) {
		e := (&enc{}).i16(nodeInsertRow).i64(1).str("root.sg.r").i32(1).byte(0).str("a").byte(0xff).str("12").byte(1).byte(0).str("id").i32(0)
		if _, err := DecodeTabletInsertNode(e.b, limit); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("err %v, want ErrUnsupported", err)
		}
	})
	t.Run("not an insert", func(t *testing.T) {
		e := (&enc{}).i16(19).i32(0)
		if _, err := DecodeTabletInsertNode(e.b, limit); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("err %v, want ErrUnsupported", err)
		}
	})
	t.Run("huge counts", func(t *testing.T) {
		for _, b := range [][]byte{
			(&enc{}).i16(nodeInsertRows).i32(math.MaxInt32).b,
			(&enc{}).i16(nodeInsertTablet).str("root.sg.d").i32(math.MaxInt32).b,
			(&enc{}).i16(nodeInsertTablet).str("root.sg.d").i32(1).byte(0).str("a").byte(1).i32(math.MaxInt32).b,
		} {
			if _, err := DecodeTabletInsertNode(b, limit); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%x: err %v, want ErrCorrupt", b, err)
			}
		}
		for _, b := range [][]byte{
			(&enc{}).i32(math.MaxInt32).b,
			(&enc{}).i32(1).i32(math.MaxInt32).b,
			(&enc{}).i32(0).i32(0).i32(math.MaxInt32).b,
		} {
			if _, err := DecodeTabletBatch(b, limit); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("batch %x: err %v, want ErrCorrupt", b, err)
			}
		}
	})
}

// TestDecodeMemoryBound: a tablet of many rows of absent TEXT values (one
// byte each on the wire, a string header each decoded) is refused past the
// limit rather than decoded.
func TestDecodeMemoryBound(t *testing.T) {
	const rows = 10000
	e := (&enc{}).str("root.sg.d").i32(rows).byte(1).i32(1).byte(1).schema("t", 5)
	e.byte(1)
	for i := range rows {
		e.i64(int64(i))
	}
	e.byte(0).byte(1).byte(1)
	for range rows {
		e.byte(0)
	}
	e.byte(0)
	if _, err := DecodeTabletRaw(e.b, 1<<20); err != nil {
		t.Fatalf("within 1 MiB: %v", err)
	}
	if _, err := DecodeTabletRaw(e.b, 200_000); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("within 200 kB: %v, want ErrTooLarge", err)
	}
}
