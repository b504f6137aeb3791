package encoding

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Floating point block modes. The numbers are part of the on-disk format.
const (
	floatGorilla = 1 // XOR with the previous value, Gorilla style
	floatDecimal = 2 // scale byte, then the scaled integers as an integer block
)

// maxScale is the most decimal digits the decimal mode tries.
const maxScale = 15

var pow10 = [maxScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// AppendFloat64s appends the encoding of vs to dst. When every value is
// exactly k/10^d for a small d and |k| <= 2^53 (readings such as 20.01), the
// values are stored as the integers k, which delta-encode far better than
// XOR; otherwise Gorilla's XOR encoding is used. Both are bit-exact.
func AppendFloat64s(dst []byte, vs []float64) []byte {
	if d, ks, ok := decimalScale(len(vs), func(i, d int) (int64, bool) { return scale64(vs[i], d) }); ok {
		dst = append(dst, floatDecimal, byte(d))
		return AppendInt64s(dst, ks)
	}
	dst = append(dst, floatGorilla)
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	return appendGorilla(dst, len(vs), 64, func(i int) uint64 { return math.Float64bits(vs[i]) })
}

// AppendFloat32s is AppendFloat64s for 32-bit values.
func AppendFloat32s(dst []byte, vs []float32) []byte {
	if d, ks, ok := decimalScale(len(vs), func(i, d int) (int64, bool) { return scale32(vs[i], d) }); ok {
		dst = append(dst, floatDecimal, byte(d))
		return AppendInt64s(dst, ks)
	}
	dst = append(dst, floatGorilla)
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	return appendGorilla(dst, len(vs), 32, func(i int) uint64 { return uint64(math.Float32bits(vs[i])) })
}

// DecodeFloat64s decodes src, the whole output of AppendFloat64s, appending
// the values to dst.
func DecodeFloat64s(src []byte, dst []float64) ([]float64, error) {
	ks, d, raw, err := decodeFloatBlock(src, 64)
	if err != nil {
		return dst, err
	}
	if raw != nil {
		dst = grow(dst, len(raw))
		for _, b := range raw {
			dst = append(dst, math.Float64frombits(b))
		}
		return dst, nil
	}
	dst = grow(dst, len(ks))
	for _, k := range ks {
		dst = append(dst, float64(k)/pow10[d])
	}
	return dst, nil
}

// DecodeFloat32s decodes src, the whole output of AppendFloat32s, appending
// the values to dst.
func DecodeFloat32s(src []byte, dst []float32) ([]float32, error) {
	ks, d, raw, err := decodeFloatBlock(src, 32)
	if err != nil {
		return dst, err
	}
	if raw != nil {
		dst = grow(dst, len(raw))
		for _, b := range raw {
			dst = append(dst, math.Float32frombits(uint32(b)))
		}
		return dst, nil
	}
	dst = grow(dst, len(ks))
	for _, k := range ks {
		dst = append(dst, float32(float64(k)/pow10[d]))
	}
	return dst, nil
}

// decodeFloatBlock returns either the scaled integers and their scale
// (decimal mode) or the raw bit patterns (Gorilla mode, raw non-nil).
func decodeFloatBlock(src []byte, width uint) (ks []int64, d int, raw []uint64, err error) {
	r := byteReader{buf: src}
	mode, err := r.byte("float mode")
	if err != nil {
		return nil, 0, nil, err
	}
	switch mode {
	case floatDecimal:
		sc, err := r.byte("decimal scale")
		if err != nil {
			return nil, 0, nil, err
		}
		if sc > maxScale {
			return nil, 0, nil, fmt.Errorf("%w: decimal scale %d", ErrCorrupt, sc)
		}
		ks, err := DecodeInt64s(src[r.off:], nil)
		return ks, int(sc), nil, err
	case floatGorilla:
		n, err := r.uvarint("float count")
		if err != nil {
			return nil, 0, nil, err
		}
		// Each value after the first takes at least one bit.
		if n > maxCount || n > 1+uint64(r.remaining())*8 {
			return nil, 0, nil, fmt.Errorf("%w: float count %d exceeds input size", ErrCorrupt, n)
		}
		br := bitReader{buf: src[r.off:]}
		raw, err := decodeGorilla(&br, int(n), width)
		if err != nil {
			return nil, 0, nil, err
		}
		if br.bytesRead() != len(br.buf) {
			return nil, 0, nil, fmt.Errorf("%w: %d trailing bytes after floats", ErrCorrupt, len(br.buf)-br.bytesRead())
		}
		if raw == nil {
			raw = []uint64{}
		}
		return nil, 0, raw, nil
	default:
		return nil, 0, nil, fmt.Errorf("%w: unknown float mode %d", ErrCorrupt, mode)
	}
}

// decimalScale finds the smallest d for which scale(i, d) is exact for all
// n values and returns the scaled integers. It scales each value once,
// but for the values before one that needs more digits: exactness at a
// value's own scale does not imply it at a larger one, so those are
// scaled again at the new scale.
func decimalScale(n int, scale func(i, d int) (int64, bool)) (int, []int64, bool) {
	if n == 0 {
		return 0, nil, false
	}
	ks := make([]int64, n)
	d := 0
	for i := range n {
		k, ok := scale(i, d)
		if ok {
			ks[i] = k
			continue
		}
		for !ok {
			if d++; d > maxScale {
				return 0, nil, false
			}
			k, ok = scale(i, d)
		}
		ks[i] = k
		for j := range i {
			if ks[j], ok = scale(j, d); !ok {
				return 0, nil, false
			}
		}
	}
	return d, ks, true
}

// scale64 returns k with float64(k)/10^d == v bit for bit, if one exists.
func scale64(v float64, d int) (int64, bool) {
	x := math.Round(v * pow10[d])
	if !(math.Abs(x) <= 1<<53) { // also rejects NaN
		return 0, false
	}
	k := int64(x)
	return k, math.Float64bits(float64(k)/pow10[d]) == math.Float64bits(v)
}

// scale32 returns k with float32(float64(k)/10^d) == v bit for bit, if one
// exists.
func scale32(v float32, d int) (int64, bool) {
	x := math.Round(float64(v) * pow10[d])
	if !(math.Abs(x) <= 1<<53) {
		return 0, false
	}
	k := int64(x)
	return k, math.Float32bits(float32(float64(k)/pow10[d])) == math.Float32bits(v)
}
