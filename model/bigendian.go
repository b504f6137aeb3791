package model

import (
	"encoding/binary"
	"math"
)

// AppendFixedBigEndian appends the values of c, when its type has a fixed
// width, big-endian (a BOOLEAN as one byte, 1 for true): the layout both
// IoTDB's client protocol and its tablet serialization give them. It
// reports false, appending nothing, for a TEXT column, whose layout the
// two formats do not share.
func AppendFixedBigEndian(b []byte, c *Column) ([]byte, bool) {
	switch c.Type {
	case Boolean:
		for _, v := range c.Bools {
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	case Int32:
		for _, v := range c.Int32s {
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		}
	case Int64:
		for _, v := range c.Int64s {
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		}
	case Float:
		for _, v := range c.Float32s {
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
		}
	case Double:
		for _, v := range c.Float64s {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		}
	default:
		return b, false
	}
	return b, true
}
