package encoding

import (
	"encoding/binary"
	"fmt"
)

// AppendTimes appends the encoding of timestamps ts to dst: the count, the
// first timestamp, then the delta of each delta (the first delta is taken
// against zero), all zig-zag varints. Arithmetic wraps, so any int64 values
// round-trip; a regular series encodes as a run of zero bytes.
func AppendTimes(dst []byte, ts []int64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ts)))
	if len(ts) == 0 {
		return dst
	}
	dst = binary.AppendVarint(dst, ts[0])
	var prevDelta int64
	for i := 1; i < len(ts); i++ {
		d := ts[i] - ts[i-1]
		dst = binary.AppendVarint(dst, d-prevDelta)
		prevDelta = d
	}
	return dst
}

// DecodeTimes decodes src, the whole output of AppendTimes, appending the
// timestamps to dst.
func DecodeTimes(src []byte, dst []int64) ([]int64, error) {
	r := byteReader{buf: src}
	out, err := decodeTimes(&r, dst)
	if err != nil {
		return dst, err
	}
	if r.remaining() != 0 {
		return dst, fmt.Errorf("%w: %d trailing bytes after timestamps", ErrCorrupt, r.remaining())
	}
	return out, nil
}

func decodeTimes(r *byteReader, dst []int64) ([]int64, error) {
	n, err := r.count(1, "timestamp count")
	if err != nil {
		return dst, err
	}
	if n == 0 {
		return dst, nil
	}
	dst = grow(dst, n)
	t, err := r.varint("first timestamp")
	if err != nil {
		return dst, err
	}
	dst = append(dst, t)
	var delta int64
	for i := 1; i < n; i++ {
		dod, k := binary.Varint(r.buf[r.off:])
		if k <= 0 {
			return dst, fmt.Errorf("%w: bad timestamp varint at offset %d", ErrCorrupt, r.off)
		}
		r.off += k
		delta += dod
		t += delta
		dst = append(dst, t)
	}
	return dst, nil
}

// grow returns s with room for n more elements.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}
