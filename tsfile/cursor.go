package tsfile

import (
	"encoding/binary"
	"fmt"
	"math"
)

// cursor reads the primitive encodings of the format from a byte slice. The first error
// sticks: later reads return zero values, and err reports the first problem with its
// position, so decoders check once after a group of reads.
type cursor struct {
	b   []byte
	pos int
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = &decodeError{pos: c.pos, msg: fmt.Sprintf(format, args...)}
	}
}

// failAt records a problem found in the field that started at pos.
func (c *cursor) failAt(pos int, format string, args ...any) {
	if c.err == nil {
		c.err = &decodeError{pos: pos, msg: fmt.Sprintf(format, args...)}
	}
}

func (c *cursor) remaining() int { return len(c.b) - c.pos }

func (c *cursor) bytes(n int, what string) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > c.remaining() {
		c.fail("%s: need %d bytes, %d left", what, n, c.remaining())
		return nil
	}
	v := c.b[c.pos : c.pos+n]
	c.pos += n
	return v
}

func (c *cursor) byte(what string) byte {
	v := c.bytes(1, what)
	if v == nil {
		return 0
	}
	return v[0]
}

func (c *cursor) int32(what string) int32 {
	v := c.bytes(4, what)
	if v == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(v))
}

func (c *cursor) int64(what string) int64 {
	v := c.bytes(8, what)
	if v == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (c *cursor) float32(what string) float32 { return math.Float32frombits(uint32(c.int32(what))) }
func (c *cursor) float64(what string) float64 { return math.Float64frombits(uint64(c.int64(what))) }

// uvarint reads an unsigned varint of at most 32 bits (7 bits a byte, low groups first).
func (c *cursor) uvarint(what string) uint32 {
	if c.err != nil {
		return 0
	}
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		if c.pos >= len(c.b) {
			c.fail("%s: varint runs past the end", what)
			return 0
		}
		b := c.b[c.pos]
		c.pos++
		v |= uint32(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	c.fail("%s: varint longer than 5 bytes", what)
	return 0
}

// varint reads a zigzag-encoded signed varint.
func (c *cursor) varint(what string) int32 {
	u := c.uvarint(what)
	return int32(u>>1) ^ -int32(u&1)
}

// length reads an unsigned varint used as a byte or element count and checks it is at most
// limit.
func (c *cursor) length(what string, limit int) int {
	start := c.pos
	n := int(c.uvarint(what))
	if c.err == nil && n > limit {
		c.failAt(start, "%s: %d exceeds the %d bytes left", what, n, limit)
		return 0
	}
	return n
}

// varString reads a string prefixed by its zigzag varint length (-1 means null, read as "").
func (c *cursor) varString(what string) string {
	n := c.varint(what)
	if n <= 0 {
		if n < -1 {
			c.fail("%s: negative length %d", what, n)
		}
		return ""
	}
	return string(c.bytes(int(n), what))
}

// binary reads a value prefixed by its 4-byte length, as statistics store text.
func (c *cursor) binary(what string) []byte {
	n := c.int32(what)
	if n < 0 {
		c.fail("%s: negative length %d", what, n)
		return nil
	}
	return c.bytes(int(n), what)
}

// appendUvarint, appendVarint and friends are the writing side of cursor.
func appendUvarint(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarint(b []byte, v int32) []byte {
	return appendUvarint(b, uint32(v<<1)^uint32(v>>31))
}

func appendVarString(b []byte, s string) []byte {
	b = appendVarint(b, int32(len(s)))
	return append(b, s...)
}

func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendBinary(b, v []byte) []byte {
	b = appendInt32(b, int32(len(v)))
	return append(b, v...)
}
