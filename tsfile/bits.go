package tsfile

// Bit-level helpers. The format packs bits most significant first.

// unpackBits reads n values of width bits each from b, starting at bit 0.
// The caller ensures len(b)*8 >= n*width and width <= 64.
func unpackBits(b []byte, width, n int, out []uint64) []uint64 {
	bit := 0
	for i := 0; i < n; i++ {
		var v uint64
		for left := width; left > 0; {
			byteIdx, off := bit>>3, bit&7
			take := 8 - off
			if take > left {
				take = left
			}
			chunk := (uint64(b[byteIdx]) >> (8 - off - take)) & (1<<take - 1)
			v = v<<take | chunk
			bit += take
			left -= take
		}
		out = append(out, v)
	}
	return out
}

// packBits appends vals packed at width bits each, padded with zero bits to a byte boundary.
func packBits(dst []byte, vals []uint64, width int) []byte {
	var acc uint64
	nacc := 0
	for _, v := range vals {
		for left := width; left > 0; {
			take := 8 - nacc
			if take > left {
				take = left
			}
			chunk := (v >> (left - take)) & (1<<take - 1)
			acc = acc<<take | chunk
			nacc += take
			left -= take
			if nacc == 8 {
				dst = append(dst, byte(acc))
				acc, nacc = 0, 0
			}
		}
	}
	if nacc > 0 {
		dst = append(dst, byte(acc<<(8-nacc)))
	}
	return dst
}

// bitWidth is the number of bits needed to hold v.
func bitWidth(v uint64) int {
	n := 0
	for v != 0 {
		n++
		v >>= 1
	}
	return n
}

// bitReader reads single bits and bit fields, most significant first.
type bitReader struct {
	b   []byte
	bit int // next bit position
}

func (r *bitReader) has(n int) bool { return r.bit+n <= len(r.b)*8 }

func (r *bitReader) readBit() uint64 {
	v := uint64(r.b[r.bit>>3]>>(7-r.bit&7)) & 1
	r.bit++
	return v
}

func (r *bitReader) read(n int) uint64 {
	var v uint64
	for n > 0 {
		off := r.bit & 7
		take := min(8-off, n)
		v = v<<take | uint64(r.b[r.bit>>3]>>(8-off-take))&(1<<take-1)
		r.bit += take
		n -= take
	}
	return v
}

// bitWriter appends bits, most significant first.
type bitWriter struct {
	b    []byte
	nbit int // bits used in the last byte, 0 meaning a new byte is needed
}

func (w *bitWriter) writeBit(v uint64) {
	if w.nbit == 0 {
		w.b = append(w.b, 0)
	}
	if v&1 == 1 {
		w.b[len(w.b)-1] |= 1 << (7 - w.nbit)
	}
	w.nbit = (w.nbit + 1) & 7
}

func (w *bitWriter) write(v uint64, n int) {
	for n > 0 {
		if w.nbit == 0 {
			w.b = append(w.b, 0)
		}
		take := min(8-w.nbit, n)
		chunk := byte(v>>(n-take)) & (1<<take - 1)
		w.b[len(w.b)-1] |= chunk << (8 - w.nbit - take)
		w.nbit = (w.nbit + take) & 7
		n -= take
	}
}
