package iotdbwire

import (
	"encoding/binary"
	"fmt"

	"github.com/sluicedb/sluice/model"
)

// What a raw tablet's measurement schemas say besides name and type. The
// receiver creates missing series with its own defaults and ignores
// these; they are the values IoTDB 1.3's sender writes for a tablet's
// schemas (PLAIN encoding, LZ4 compression), so that the bytes match.
const (
	encodingPlain  = 0
	compressionLZ4 = 7
)

// HandshakeParam is one key-value pair of a V2 handshake, in the order it
// is written.
type HandshakeParam struct{ Key, Value string }

// EncodeHandshakeV1 returns the body of a V1 DataNode handshake: the
// sender's timestamp precision.
func EncodeHandshakeV1(precision string) []byte {
	return appendString(nil, precision)
}

// EncodeHandshakeV2 returns the body of a V2 DataNode handshake: an int32
// count, then each parameter's key and value as strings.
func EncodeHandshakeV2(params []HandshakeParam) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(params)))
	for _, p := range params {
		b = appendString(b, p.Key)
		b = appendString(b, p.Value)
	}
	return b
}

// EncodeTabletRaw returns the body of a TabletRaw request for t: TsFile's
// Tablet serialization followed by the aligned flag, as an IoTDB 1.3
// sender writes it. Every column carries a bitmap; a null row's slot is
// written as the column holds it, masked by the bitmap. It fails only on
// a tablet that model.Tablet.Validate refuses.
func EncodeTabletRaw(t *model.Tablet) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("encode raw tablet: %w", err)
	}
	return appendTabletRaw(make([]byte, 0, RawTabletSize(t)), t), nil
}

// EncodeTabletBatch returns the body of a TabletBatch request carrying
// tablets as raw tablets: no write-ahead-log entries, no insert nodes,
// then the tablets in order.
func EncodeTabletBatch(tablets []*model.Tablet) ([]byte, error) {
	size := 12
	for _, t := range tablets {
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("encode tablet batch: %w", err)
		}
		size += RawTabletSize(t)
	}
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint32(b, 0) // WAL entries
	b = binary.BigEndian.AppendUint32(b, 0) // insert nodes
	b = binary.BigEndian.AppendUint32(b, uint32(len(tablets)))
	for _, t := range tablets {
		b = appendTabletRaw(b, t)
	}
	return b, nil
}

// RawTabletSize is the exact length of t's raw tablet serialization.
func RawTabletSize(t *model.Tablet) int {
	rows := len(t.Times)
	n := 4 + len(t.Device.String()) + 4 + 1 + 4 + 1 + 8*rows + 1 + 1 + 1
	for i, m := range t.Measurements {
		n += 1 + 4 + len(m) + 3 + 4          // schema
		n += 1 + 4 + 4 + (rows+7)/8          // bitmap
		n += 1 + rows*wireSize(t.Columns[i]) // values
		if t.Columns[i].Type == model.Text {
			for _, s := range t.Columns[i].Texts {
				n += len(s)
			}
		}
	}
	return n
}

// wireSize is the fixed part of one value of c on the wire: a TEXT value
// has a presence byte and a length besides its bytes.
func wireSize(c model.Column) int {
	switch c.Type {
	case model.Boolean:
		return 1
	case model.Int32, model.Float:
		return 4
	case model.Text:
		return 5
	}
	return 8
}

// appendTabletRaw appends TsFile's Tablet.serialize of t (device, row
// count, schemas, times, bitmaps, values, each part behind a presence
// byte) and the aligned flag.
func appendTabletRaw(b []byte, t *model.Tablet) []byte {
	rows := len(t.Times)
	b = appendString(b, t.Device.String())
	b = binary.BigEndian.AppendUint32(b, uint32(rows))
	b = append(b, 1) // schemas present
	b = binary.BigEndian.AppendUint32(b, uint32(len(t.Measurements)))
	for i, m := range t.Measurements {
		b = append(b, 1) // schema present
		b = appendString(b, m)
		b = append(b, byte(t.Columns[i].Type), encodingPlain, compressionLZ4)
		b = binary.BigEndian.AppendUint32(b, 0) // no properties
	}
	b = append(b, 1) // timestamps present
	for _, ts := range t.Times {
		b = binary.BigEndian.AppendUint64(b, uint64(ts))
	}
	b = append(b, 1) // bitmaps present
	for i := range t.Columns {
		b = append(b, 1) // bitmap present
		b = binary.BigEndian.AppendUint32(b, uint32(rows))
		b = binary.BigEndian.AppendUint32(b, uint32((rows+7)/8))
		b = appendBitmap(b, &t.Columns[i], rows)
	}
	b = append(b, 1) // values present
	for i := range t.Columns {
		b = append(b, 1) // column present
		b = appendValues(b, &t.Columns[i])
	}
	return appendBool(b, t.Aligned)
}

// appendBitmap appends an IoTDB BitMap of rows bits, bit i (LSB first in
// byte i/8) set for a null row.
func appendBitmap(b []byte, c *model.Column, rows int) []byte {
	start := len(b)
	b = append(b, make([]byte, (rows+7)/8)...)
	for i := range rows {
		if c.IsNull(i) {
			b[start+i/8] |= 1 << (i % 8)
		}
	}
	return b
}

// appendValues appends c's values as a Tablet serializes them: fixed-width
// big-endian numbers, a BOOLEAN as one byte, a TEXT value as a presence
// byte, an int32 length and the bytes.
func appendValues(b []byte, c *model.Column) []byte {
	var fixed bool
	switch b, fixed = model.AppendFixedBigEndian(b, c); {
	case fixed:
	case c.Type == model.Text:
		for _, v := range c.Texts {
			b = appendString(append(b, 1), v)
		}
	default:
		panic(fmt.Sprintf("BUG: encoding a validated column of type %d", c.Type))
	}
	return b
}

// appendString appends Java's length-prefixed string: an int32 byte length
// and the UTF-8 bytes.
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}
