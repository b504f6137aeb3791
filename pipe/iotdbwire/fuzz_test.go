package iotdbwire

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// fuzzLimit keeps fuzzed bombs small.
const fuzzLimit = 1 << 20

// seed adds the golden body NAME, when present, to f's corpus.
func seed(f *testing.F, names ...string) {
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(goldenDir, n+".body.bin")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff})
}

// fuzzData checks that decode returns tablets of a consistent shape or an
// error wrapping one of the package's sentinels, never panics.
func fuzzData(f *testing.F, decode func([]byte, int) ([]*model.Tablet, error)) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ts, err := decode(body, fuzzLimit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		for _, tb := range ts {
			if len(tb.Measurements) != len(tb.Columns) {
				t.Fatalf("%d measurements, %d columns", len(tb.Measurements), len(tb.Columns))
			}
			for i := range tb.Columns {
				c := &tb.Columns[i]
				if !c.Type.Valid() || c.Len() != len(tb.Times) || (c.Nulls != nil && len(c.Nulls) != len(tb.Times)) {
					t.Fatalf("column %d: type %s, %d values, %d nulls, %d rows", i, c.Type, c.Len(), len(c.Nulls), len(tb.Times))
				}
			}
		}
	})
}

func FuzzDecodeTabletRaw(f *testing.F) {
	seed(f, "tablet_raw_nonaligned", "tablet_raw_aligned")
	fuzzData(f, func(b []byte, n int) ([]*model.Tablet, error) {
		t, err := DecodeTabletRaw(b, n)
		if err != nil {
			return nil, err
		}
		return []*model.Tablet{t}, nil
	})
}

func FuzzDecodeTabletInsertNode(f *testing.F) {
	seed(f, "tablet_insert_node")
	f.Add((&enc{}).i16(nodeInsertRow).row(false, 5, "root.sg.r", true).str("id").i32(0).b)
	f.Add((&enc{}).i16(nodeInsertRows).i32(2).row(false, 1, "root.sg.r1", false).row(false, 2, "root.sg.r2", true).i32(0).i32(1).str("id").i32(0).b)
	fuzzData(f, DecodeTabletInsertNode)
}

func FuzzDecodeTabletBinary(f *testing.F) {
	seed(f, "tablet_binary")
	f.Add((&enc{}).byte(4).i64(0).i16(nodeInsertRow).i64(-1).row(true, 9, "root.sg.w", false).b)
	f.Add((&enc{}).byte(9).i64(0).i16(nodeInsertRows).i64(-1).i32(2).row(true, 1, "root.sg.r1", false).row(true, 2, "root.sg.r2", true).b)
	fuzzData(f, DecodeTabletBinary)
}

func FuzzDecodeTabletBatch(f *testing.F) {
	seed(f, "tablet_batch")
	fuzzData(f, DecodeTabletBatch)
}

func FuzzDecodeHandshake(f *testing.F) {
	seed(f, "handshake_v1", "handshake_v2")
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := DecodeHandshakeV1(body); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("V1: %v", err)
		}
		if _, err := DecodeHandshakeV2(body); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("V2: %v", err)
		}
	})
}

func FuzzDecodeFileRequests(f *testing.F) {
	f.Add((&enc{}).str("1-1-0-0.tsfile").i64(0).i32(3).raw([]byte("abc")).b)
	f.Add((&enc{}).str("1-1-0-0.tsfile").i64(3).b)
	f.Add((&enc{}).i32(2).str("a.mods").str("a.tsfile").i32(2).i64(1).i64(2).i32(1).str("k").str("v").b)
	f.Fuzz(func(t *testing.T, body []byte) {
		if p, err := DecodeFilePiece(body); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("piece: %v", err)
		} else if err == nil && (p.Name == "" || p.Offset < 0) {
			t.Fatalf("piece %+v decoded", p)
		}
		if _, err := DecodeFileSealV1(body); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("seal V1: %v", err)
		}
		if _, _, err := DecodeFileSealV2(body); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("seal V2: %v", err)
		}
	})
}
