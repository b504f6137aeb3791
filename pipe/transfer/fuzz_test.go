package transfer

import (
	"errors"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// fuzzLimit keeps fuzzed bombs small.
const fuzzLimit = 1 << 20

// FuzzDecodeTablets feeds arbitrary bodies to the decoder. It must return
// an error or tablets of a consistent shape, never panic; what decodes
// must encode back to a body that decodes the same.
func FuzzDecodeTablets(f *testing.F) {
	full := Tablets{Token: "tok", Origin: "origin", Tablets: sampleTablets()}
	f.Add(EncodeTablets(full))
	f.Add(encodeTablets(full, compressNone))
	f.Add(encodeTablets(full, compressZstd))
	f.Add(EncodeTablets(Tablets{}))
	f.Add(encodeTablets(Tablets{Tablets: sampleTablets()[1:2]}, compressNone))
	f.Add([]byte{0, 0, 0, 1, 1, 1, 'r', 0, 1, 2, 1, 1, 's', 1, 0, 0x80, 0x80, 0x80, 0x80, 0x10})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeTabletsWithin(body, fuzzLimit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
			}
			return
		}
		for _, tb := range got.Tablets {
			checkShape(t, tb)
		}
		again, err := DecodeTablets(encodeTablets(got, compressNone))
		if err != nil {
			t.Fatalf("re-encoded body does not decode: %v", err)
		}
		sameTablets(t, again.Tablets, got.Tablets)
	})
}

func checkShape(t *testing.T, tb *model.Tablet) {
	t.Helper()
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

// FuzzDecodeHandshake feeds arbitrary bodies to the handshake decoders.
func FuzzDecodeHandshake(f *testing.F) {
	f.Add(EncodeHandshake(Handshake{ClusterID: "c", TimestampPrecision: "ms", User: "root", Password: "root", SenderVersion: "1"}))
	f.Add(EncodeHandshakeResult(HandshakeResult{ClusterID: "c", Token: "t"}))
	f.Add(EncodeHandshakeResult(HandshakeResult{ClusterID: "c", Token: "t", MaxPayloadBytes: 1 << 20}))
	f.Add(encodePairs(keyUser, "a", keyUser, "b"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		if h, err := DecodeHandshake(body); err == nil {
			if again, err := DecodeHandshake(EncodeHandshake(h)); err != nil || again != h {
				t.Fatalf("re-encoded handshake: %+v, %v; want %+v", again, err, h)
			}
		}
		if r, err := DecodeHandshakeResult(body); err == nil {
			if again, err := DecodeHandshakeResult(EncodeHandshakeResult(r)); err != nil || again != r {
				t.Fatalf("re-encoded result: %+v, %v; want %+v", again, err, r)
			}
		}
	})
}

// FuzzDecodeSchema feeds arbitrary bodies to the schema decoder: an error
// or well-formed series that encode back to a body decoding the same.
func FuzzDecodeSchema(f *testing.F) {
	f.Add(EncodeSchema(sampleSchema()))
	f.Add(EncodeSchema(Schema{}))
	f.Add([]byte{0, 0, 1, 2, 4, 'r', 'o', 'o', 't', 1, 's', 5, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeSchema(body, fuzzLimit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
			}
			return
		}
		again, err := DecodeSchema(EncodeSchema(got), fuzzLimit)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("re-encoded schema: %+v, %v; want %+v", again, err, got)
		}
	})
}
