package transfer

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/sluicedb/sluice/model"
)

// EncodeTablets returns the body of a TypeTablets request with its payload
// zstd-compressed, as Sluice's sinks sent it by default before they sent
// it uncompressed (EncodeTabletsUncompressed); receivers read both. The
// tablets must be well formed (each column as long as Times, Nulls nil or
// as long); anything else is a bug of the caller and panics.
func EncodeTablets(t Tablets) []byte { return encodeTablets(t, compressZstdSized) }

// EncodeTabletsUncompressed is EncodeTablets without Sluice's own zstd
// compression: the body a sink sends by default, and the request that
// EncodeCompressed compresses as a whole when a compressor is named.
func EncodeTabletsUncompressed(t Tablets) []byte { return AppendTabletsUncompressed(nil, t) }

// AppendTabletsUncompressed appends the uncompressed body carrying t to
// dst, growing it once to the body's bound: a sender encoding into a
// buffer it keeps spares the fresh memory of a body per transfer.
func AppendTabletsUncompressed(dst []byte, t Tablets) []byte {
	b := slices.Grow(dst, tabletsHeadBound(t)+tabletsBound(t.Tablets))
	b = appendHead(b, compressNone, t)
	return appendTablets(b, t.Tablets)
}

// tabletsHeadBound bounds what appendHead appends for t.
func tabletsHeadBound(t Tablets) int {
	return 1 + 2*binary.MaxVarintLen64 + len(t.Token) + len(t.Origin)
}

func encodeTablets(t Tablets, comp byte) []byte {
	if comp == compressNone {
		return AppendTabletsUncompressed(nil, t)
	}
	headBound := tabletsHeadBound(t)
	payload := appendTablets(make([]byte, 0, tabletsBound(t.Tablets)), t.Tablets)
	head := make([]byte, 0, headBound+binary.MaxVarintLen64+len(payload)/4+64)
	head = appendHead(head, comp, t)
	if comp == compressZstdSized {
		head = binary.AppendUvarint(head, uint64(len(payload)))
	}
	return compress(head, payload)
}

// appendHead appends what precedes a Tablets body's payload.
func appendHead(b []byte, comp byte, t Tablets) []byte {
	b = append(b, comp)
	b = appendString(b, t.Token)
	return appendString(b, t.Origin)
}

// DecodeTablets reads a TypeTablets request body within MaxPayloadBytes.
func DecodeTablets(b []byte) (Tablets, error) { return DecodeTabletsWithin(b, MaxPayloadBytes) }

// DecodeTabletsWithin reads a TypeTablets request body whose payload
// decompresses to at most max bytes and decodes to tablets taking at
// most about max bytes of memory; a larger one is an error wrapping
// ErrTooLarge. A size announced over max is refused before any
// decompression, and decompression stops once it passes max: memory
// grows with the bytes actually produced, never with a size announced.
func DecodeTabletsWithin(b []byte, max int) (Tablets, error) {
	token, origin, comp, payload, err := splitTablets(b)
	if err != nil {
		return Tablets{}, err
	}
	switch comp {
	case compressNone:
		if len(payload) > max {
			return Tablets{}, fmt.Errorf("%w: the payload of %d bytes is over the limit of %d bytes", ErrTooLarge, len(payload), max)
		}
	case compressZstd:
		if payload, err = decompress(payload, -1, max); err != nil {
			return Tablets{}, err
		}
	case compressZstdSized:
		r := reader{b: payload}
		size := r.uvarint("payload size")
		if r.err != nil {
			return Tablets{}, r.err
		}
		if size > uint64(max) {
			return Tablets{}, fmt.Errorf("%w: the payload announces %d decompressed bytes, over the limit of %d bytes", ErrTooLarge, size, max)
		}
		if payload, err = decompress(r.b, int(size), max); err != nil {
			return Tablets{}, err
		}
	}
	tablets, err := decodeTabletsPayload(payload, max)
	if err != nil {
		return Tablets{}, err
	}
	return Tablets{Token: token, Origin: origin, Tablets: tablets}, nil
}

// TabletsToken returns the token of a TypeTablets request body without
// decompressing it, so that a receiver can turn away an unknown sender
// cheaply.
func TabletsToken(b []byte) (string, error) {
	token, _, _, _, err := splitTablets(b)
	return token, err
}

// PayloadBound is the most payload bytes decoding the TypeTablets body b
// with DecodeTabletsWithin(b, max) can produce: its uncompressed size, its
// announced size, or max when it announces none. A body that does not
// parse gives 0: decoding refuses it before producing anything.
func PayloadBound(b []byte, max int) int {
	_, _, comp, payload, err := splitTablets(b)
	if err != nil {
		return 0
	}
	switch comp {
	case compressNone:
		return min(len(payload), max)
	case compressZstdSized:
		r := reader{b: payload}
		if size := r.uvarint("payload size"); r.err == nil {
			return int(min(size, uint64(max)))
		}
		return 0
	}
	return max
}

func splitTablets(b []byte) (token, origin string, comp byte, payload []byte, err error) {
	r := reader{b: b}
	comp = r.byte("compression")
	token = r.string("token")
	origin = r.string("origin")
	if r.err != nil {
		return "", "", 0, nil, r.err
	}
	switch comp {
	case compressNone, compressZstd, compressZstdSized:
	default:
		return "", "", 0, nil, fmt.Errorf("%w: unknown compression %d", ErrCorrupt, comp)
	}
	return token, origin, comp, r.b, nil
}

// Tablet flags.
const flagAligned = 1

// tabletsBound is the most bytes appendTablets can append for tablets.
func tabletsBound(tablets []*model.Tablet) int {
	n := binary.MaxVarintLen64
	for _, t := range tablets {
		n += tabletBound(t)
	}
	return n
}

// tabletBound is the most bytes appendTablet can append for t.
func tabletBound(t *model.Tablet) int {
	rows := len(t.Times)
	n := 3*binary.MaxVarintLen64 + 1 + binary.MaxVarintLen64*rows
	for _, node := range t.Device {
		n += binary.MaxVarintLen64 + len(node)
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		n += binary.MaxVarintLen64 + len(t.Measurements[i]) + 2 + rows/8 + 1
		switch c.Type {
		case model.Boolean:
			n += rows/8 + 1
		case model.Int32, model.Int64:
			n += binary.MaxVarintLen64 * rows
		case model.Float:
			n += 4 * rows
		case model.Double:
			n += 8 * rows
		case model.Text:
			for _, v := range c.Texts {
				n += binary.MaxVarintLen64 + len(v)
			}
		}
	}
	return n
}

func appendTablets(b []byte, tablets []*model.Tablet) []byte {
	b = binary.AppendUvarint(b, uint64(len(tablets)))
	for _, t := range tablets {
		b = appendTablet(b, t)
	}
	return b
}

func appendTablet(b []byte, t *model.Tablet) []byte {
	if len(t.Measurements) != len(t.Columns) {
		panic(fmt.Sprintf("BUG: tablet of %s has %d measurements but %d columns", t.Device, len(t.Measurements), len(t.Columns)))
	}
	b = binary.AppendUvarint(b, uint64(len(t.Device)))
	for _, node := range t.Device {
		b = appendString(b, node)
	}
	var flags byte
	if t.Aligned {
		flags |= flagAligned
	}
	b = append(b, flags)
	rows := len(t.Times)
	b = binary.AppendUvarint(b, uint64(rows))
	var prev int64
	for i, ts := range t.Times {
		if i == 0 {
			b = binary.AppendVarint(b, ts)
		} else {
			b = binary.AppendVarint(b, ts-prev) // wraps; the reader wraps back
		}
		prev = ts
	}
	b = binary.AppendUvarint(b, uint64(len(t.Columns)))
	for i := range t.Columns {
		b = appendColumn(b, t.Measurements[i], &t.Columns[i], rows)
	}
	return b
}

func appendColumn(b []byte, name string, c *model.Column, rows int) []byte {
	if !c.Type.Valid() || c.Len() != rows || (c.Nulls != nil && len(c.Nulls) != rows) {
		panic(fmt.Sprintf("BUG: column %q of type %s has %d values (%d null flags) for %d rows", name, c.Type, c.Len(), len(c.Nulls), rows))
	}
	b = appendString(b, name)
	b = append(b, byte(c.Type))
	hasNulls := false
	for _, null := range c.Nulls {
		if null {
			hasNulls = true
			break
		}
	}
	if hasNulls {
		b = append(b, 1)
		b = appendBits(b, c.Nulls)
	} else {
		b = append(b, 0)
	}
	present := func(i int) bool { return !hasNulls || !c.Nulls[i] }
	switch c.Type {
	case model.Boolean:
		var acc byte
		k := 0
		for i, v := range c.Bools {
			if !present(i) {
				continue
			}
			if v {
				acc |= 1 << (k % 8)
			}
			if k++; k%8 == 0 {
				b, acc = append(b, acc), 0
			}
		}
		if k%8 != 0 {
			b = append(b, acc)
		}
	case model.Int32:
		for i, v := range c.Int32s {
			if present(i) {
				b = binary.AppendVarint(b, int64(v))
			}
		}
	case model.Int64:
		for i, v := range c.Int64s {
			if present(i) {
				b = binary.AppendVarint(b, v)
			}
		}
	case model.Float:
		for i, v := range c.Float32s {
			if present(i) {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
		}
	case model.Double:
		for i, v := range c.Float64s {
			if present(i) {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
			}
		}
	case model.Text:
		for i, v := range c.Texts {
			if present(i) {
				b = appendString(b, v)
			}
		}
	}
	return b
}

// appendBits packs bits 8 to a byte, least significant first.
func appendBits(b []byte, bits []bool) []byte {
	var acc byte
	for i, v := range bits {
		if v {
			acc |= 1 << (i % 8)
		}
		if i%8 == 7 {
			b, acc = append(b, acc), 0
		}
	}
	if len(bits)%8 != 0 {
		b = append(b, acc)
	}
	return b
}
