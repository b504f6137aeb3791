package encoding

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// Integer block modes. The numbers are part of the on-disk format.
const (
	intDelta        = 1 // zig-zag varint of each difference to the previous value
	intDeltaOfDelta = 2 // zig-zag varint of each difference of differences
)

// AppendInt64s appends the encoding of vs to dst: a mode byte, the count, the
// first value, then deltas or deltas of deltas (whichever is smaller; the
// latter wins for counters and other linear series), as zig-zag varints.
func AppendInt64s(dst []byte, vs []int64) []byte {
	mode := byte(intDelta)
	if deltaOfDeltaSize(vs) < deltaSize(vs) {
		mode = intDeltaOfDelta
	}
	dst = append(dst, mode)
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	if len(vs) == 0 {
		return dst
	}
	dst = binary.AppendVarint(dst, vs[0])
	var prevDelta int64
	for i := 1; i < len(vs); i++ {
		d := vs[i] - vs[i-1]
		if mode == intDelta {
			dst = binary.AppendVarint(dst, d)
		} else {
			dst = binary.AppendVarint(dst, d-prevDelta)
		}
		prevDelta = d
	}
	return dst
}

// AppendInt32s is AppendInt64s for 32-bit values; the two share a format.
func AppendInt32s(dst []byte, vs []int32) []byte {
	wide := make([]int64, len(vs))
	for i, v := range vs {
		wide[i] = int64(v)
	}
	return AppendInt64s(dst, wide)
}

// DecodeInt64s decodes src, the whole output of AppendInt64s, appending the
// values to dst.
func DecodeInt64s(src []byte, dst []int64) ([]int64, error) {
	r := byteReader{buf: src}
	out, err := decodeInts(&r, dst)
	if err != nil {
		return dst, err
	}
	if r.remaining() != 0 {
		return dst, fmt.Errorf("%w: %d trailing bytes after integers", ErrCorrupt, r.remaining())
	}
	return out, nil
}

// DecodeInt32s decodes the output of AppendInt32s, appending to dst. Values
// outside the int32 range are reported as corruption.
func DecodeInt32s(src []byte, dst []int32) ([]int32, error) {
	wide, err := DecodeInt64s(src, nil)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, len(wide))
	for _, v := range wide {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return dst, fmt.Errorf("%w: value %d out of int32 range", ErrCorrupt, v)
		}
		dst = append(dst, int32(v))
	}
	return dst, nil
}

func decodeInts(r *byteReader, dst []int64) ([]int64, error) {
	mode, err := r.byte("integer mode")
	if err != nil {
		return dst, err
	}
	if mode != intDelta && mode != intDeltaOfDelta {
		return dst, fmt.Errorf("%w: unknown integer mode %d", ErrCorrupt, mode)
	}
	n, err := r.count(1, "integer count")
	if err != nil {
		return dst, err
	}
	if n == 0 {
		return dst, nil
	}
	dst = grow(dst, n)
	v, err := r.varint("first integer")
	if err != nil {
		return dst, err
	}
	dst = append(dst, v)
	var delta int64
	for i := 1; i < n; i++ {
		x, k := binary.Varint(r.buf[r.off:])
		if k <= 0 {
			return dst, fmt.Errorf("%w: bad integer varint at offset %d", ErrCorrupt, r.off)
		}
		r.off += k
		if mode == intDelta {
			delta = x
		} else {
			delta += x
		}
		v += delta
		dst = append(dst, v)
	}
	return dst, nil
}

// varintLen is the size of the zig-zag varint of v.
func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	return (bits.Len64(u|1) + 6) / 7
}

func deltaSize(vs []int64) int {
	n := 0
	for i := 1; i < len(vs); i++ {
		n += varintLen(vs[i] - vs[i-1])
	}
	return n
}

func deltaOfDeltaSize(vs []int64) int {
	n := 0
	var prev int64
	for i := 1; i < len(vs); i++ {
		d := vs[i] - vs[i-1]
		n += varintLen(d - prev)
		prev = d
	}
	return n
}
