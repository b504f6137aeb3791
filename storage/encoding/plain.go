package encoding

import (
	"encoding/binary"
	"fmt"
)

// AppendBools appends the count of vs and the values packed eight to a
// byte, first value in the most significant bit.
func AppendBools(dst []byte, vs []bool) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	w := bitWriter{buf: dst}
	for _, v := range vs {
		w.writeBit(v)
	}
	return w.buf
}

// DecodeBools decodes src, the whole output of AppendBools, appending the
// values to dst.
func DecodeBools(src []byte, dst []bool) ([]bool, error) {
	r := byteReader{buf: src}
	n, err := r.uvarint("bool count")
	if err != nil {
		return dst, err
	}
	if want := (n + 7) / 8; n > maxCount || want != uint64(r.remaining()) {
		return dst, fmt.Errorf("%w: %d bools need %d bytes, have %d", ErrCorrupt, n, want, r.remaining())
	}
	packed := src[r.off:]
	dst = grow(dst, int(n))
	for i := range int(n) {
		dst = append(dst, packed[i/8]>>(7-i%8)&1 == 1)
	}
	return dst, nil
}

// AppendTexts appends the count of vs, then each string as a varint length
// and its bytes.
func AppendTexts(dst []byte, vs []string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	for _, v := range vs {
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// DecodeTexts decodes src, the whole output of AppendTexts, appending the
// strings to dst. The strings share one allocation.
func DecodeTexts(src []byte, dst []string) ([]string, error) {
	r := byteReader{buf: src}
	n, err := r.count(1, "text count")
	if err != nil {
		return dst, err
	}
	// One string conversion for the whole block; values are substrings.
	all := string(src[r.off:])
	base := r.off
	out := grow(dst, n)
	for range n {
		l, err := r.uvarint("text length")
		if err != nil {
			return dst, err
		}
		if l > uint64(r.remaining()) {
			return dst, fmt.Errorf("%w: text of %d bytes overruns input at offset %d", ErrCorrupt, l, r.off)
		}
		start := r.off - base
		r.off += int(l)
		out = append(out, all[start:start+int(l)])
	}
	if r.remaining() != 0 {
		return dst, fmt.Errorf("%w: %d trailing bytes after texts", ErrCorrupt, r.remaining())
	}
	return out, nil
}
