package encoding

import (
	"encoding/binary"
	"fmt"
)

// bitWriter appends bits, most significant first, to a byte slice.
type bitWriter struct {
	buf  []byte
	free uint // unused low bits of the last byte of buf
}

// writeBits appends the low n bits of v (n <= 64).
func (w *bitWriter) writeBits(v uint64, n uint) {
	if n < 64 {
		v &= 1<<n - 1
	}
	for n > 0 {
		if w.free == 0 {
			w.buf = append(w.buf, 0)
			w.free = 8
		}
		take := min(n, w.free)
		// The top `take` bits of the remaining n bits go into the free bits.
		chunk := byte(v >> (n - take) & (1<<take - 1))
		w.buf[len(w.buf)-1] |= chunk << (w.free - take)
		w.free -= take
		n -= take
	}
}

// writeBit appends a single bit.
func (w *bitWriter) writeBit(b bool) {
	if w.free == 0 {
		w.buf = append(w.buf, 0)
		w.free = 8
	}
	w.free--
	if b {
		w.buf[len(w.buf)-1] |= 1 << w.free
	}
}

// bitReader reads bits, most significant first, from a byte slice.
type bitReader struct {
	buf []byte
	pos uint // next bit to read, counted from the start of buf
}

var errShortBits = fmt.Errorf("%w: bit stream ends early", ErrCorrupt)

// readBits reads n bits (n <= 64) as the low bits of the result.
func (r *bitReader) readBits(n uint) (uint64, error) {
	if uint64(r.pos)+uint64(n) > uint64(len(r.buf))*8 {
		return 0, errShortBits
	}
	var v uint64
	for n > 0 {
		byteIdx := r.pos / 8
		avail := 8 - r.pos%8
		take := min(n, avail)
		b := r.buf[byteIdx] >> (avail - take) & (1<<take - 1)
		v = v<<take | uint64(b)
		r.pos += take
		n -= take
	}
	return v, nil
}

// readBit reads one bit.
func (r *bitReader) readBit() (bool, error) {
	if r.pos >= uint(len(r.buf))*8 {
		return false, errShortBits
	}
	b := r.buf[r.pos/8]>>(7-r.pos%8)&1 == 1
	r.pos++
	return b, nil
}

// bytesRead is the number of bytes touched so far, counting a partial byte.
func (r *bitReader) bytesRead() int { return int((r.pos + 7) / 8) }

// maxCount bounds every element count read from input.
const maxCount = 1 << 31

// byteReader consumes a byte slice field by field; every read checks bounds.
type byteReader struct {
	buf []byte
	off int
}

func (r *byteReader) remaining() int { return len(r.buf) - r.off }

func (r *byteReader) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		return 0, fmt.Errorf("%w: bad %s varint at offset %d", ErrCorrupt, what, r.off)
	}
	r.off += n
	return v, nil
}

func (r *byteReader) varint(what string) (int64, error) {
	v, n := binary.Varint(r.buf[r.off:])
	if n <= 0 {
		return 0, fmt.Errorf("%w: bad %s varint at offset %d", ErrCorrupt, what, r.off)
	}
	r.off += n
	return v, nil
}

func (r *byteReader) bytes(n int, what string) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, fmt.Errorf("%w: %s of %d bytes overruns input at offset %d", ErrCorrupt, what, n, r.off)
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *byteReader) byte(what string) (byte, error) {
	b, err := r.bytes(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// count reads an element count and checks it against the bytes left, given
// that each element takes at least minBytes (a guard against huge
// allocations driven by corrupt input).
func (r *byteReader) count(minBytes int, what string) (int, error) {
	n, err := r.uvarint(what)
	if err != nil {
		return 0, err
	}
	if n > maxCount || (minBytes > 0 && n > uint64(r.remaining()/minBytes)) {
		return 0, fmt.Errorf("%w: %s %d exceeds input size", ErrCorrupt, what, n)
	}
	return int(n), nil
}
