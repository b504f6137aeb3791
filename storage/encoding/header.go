package encoding

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/sluicedb/sluice/model"
)

// appendStats appends the value statistics of a chunk header: first and
// last value for every type, then sum (float64 bits), min and max for the
// numeric types. Integers are zig-zag varints, floats their IEEE bits little
// endian, booleans one byte, text a varint length and the bytes.
func appendStats(dst []byte, s *Summary) []byte {
	dst = appendValue(dst, s.Type, s.First)
	dst = appendValue(dst, s.Type, s.Last)
	if !numeric(s.Type) {
		return dst
	}
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s.Sum))
	dst = appendValue(dst, s.Type, s.Min)
	return appendValue(dst, s.Type, s.Max)
}

// readStats reads what appendStats wrote into s, whose Type is set.
func readStats(r *byteReader, s *Summary) error {
	var err error
	if s.First, err = readValue(r, s.Type); err != nil {
		return err
	}
	if s.Last, err = readValue(r, s.Type); err != nil {
		return err
	}
	if !numeric(s.Type) {
		return nil
	}
	b, err := r.bytes(8, "sum")
	if err != nil {
		return err
	}
	s.Sum = math.Float64frombits(binary.LittleEndian.Uint64(b))
	if s.Min, err = readValue(r, s.Type); err != nil {
		return err
	}
	s.Max, err = readValue(r, s.Type)
	return err
}

func numeric(t model.DataType) bool {
	return t == model.Int32 || t == model.Int64 || t == model.Float || t == model.Double
}

// appendValue appends v, which must be of typ's Go type.
func appendValue(dst []byte, typ model.DataType, v any) []byte {
	switch typ {
	case model.Boolean:
		if v.(bool) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case model.Int32:
		return binary.AppendVarint(dst, int64(v.(int32)))
	case model.Int64:
		return binary.AppendVarint(dst, v.(int64))
	case model.Float:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v.(float32)))
	case model.Double:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.(float64)))
	default:
		s := v.(string)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	}
}

func readValue(r *byteReader, typ model.DataType) (any, error) {
	switch typ {
	case model.Boolean:
		b, err := r.byte("bool value")
		if err != nil {
			return nil, err
		}
		if b > 1 {
			return nil, fmt.Errorf("%w: bool value %d", ErrCorrupt, b)
		}
		return b == 1, nil
	case model.Int32:
		v, err := r.varint("int32 value")
		if err != nil {
			return nil, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("%w: value %d out of int32 range", ErrCorrupt, v)
		}
		return int32(v), nil
	case model.Int64:
		return r.varint("int64 value")
	case model.Float:
		b, err := r.bytes(4, "float value")
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
	case model.Double:
		b, err := r.bytes(8, "double value")
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	default:
		n, err := r.uvarint("text length")
		if err != nil {
			return nil, err
		}
		if n > uint64(r.remaining()) {
			return nil, fmt.Errorf("%w: text of %d bytes overruns header", ErrCorrupt, n)
		}
		b, _ := r.bytes(int(n), "text value")
		return string(b), nil
	}
}
