package encoding

import (
	"fmt"
	"math/bits"
)

// Gorilla XOR encoding (Pelkonen et al., VLDB 2015) over width-bit patterns
// (64 for float64, 32 for float32). The first value is stored raw; each next
// value stores its XOR with the previous one: a 0 bit when equal, else a 1
// bit and either a 0 bit with the meaningful bits inside the previous
// leading/trailing zero window, or a 1 bit, 5 bits of leading zeros, the
// meaningful length minus one and the meaningful bits.

// lengthBits is the width of the meaningful-length field.
func lengthBits(width uint) uint {
	if width == 32 {
		return 5
	}
	return 6
}

func appendGorilla(dst []byte, n int, width uint, at func(i int) uint64) []byte {
	if n == 0 {
		return dst
	}
	w := bitWriter{buf: dst}
	prev := at(0)
	w.writeBits(prev, width)
	lenBits := lengthBits(width)
	var prevLead, prevTrail uint
	window := false
	for i := 1; i < n; i++ {
		cur := at(i)
		x := cur ^ prev
		prev = cur
		if x == 0 {
			w.writeBit(false)
			continue
		}
		w.writeBit(true)
		lead := uint(bits.LeadingZeros64(x)) - (64 - width)
		trail := uint(bits.TrailingZeros64(x))
		if lead > 31 {
			lead = 31
		}
		if window && lead >= prevLead && trail >= prevTrail {
			w.writeBit(false)
			w.writeBits(x>>prevTrail, width-prevLead-prevTrail)
			continue
		}
		w.writeBit(true)
		sig := width - lead - trail
		w.writeBits(uint64(lead), 5)
		w.writeBits(uint64(sig-1), lenBits)
		w.writeBits(x>>trail, sig)
		prevLead, prevTrail, window = lead, trail, true
	}
	return w.buf
}

func decodeGorilla(r *bitReader, n int, width uint) ([]uint64, error) {
	if n == 0 {
		return nil, nil
	}
	out := make([]uint64, 0, n)
	prev, err := r.readBits(width)
	if err != nil {
		return nil, err
	}
	out = append(out, prev)
	lenBits := lengthBits(width)
	var lead, trail uint
	window := false
	for i := 1; i < n; i++ {
		changed, err := r.readBit()
		if err != nil {
			return nil, err
		}
		if !changed {
			out = append(out, prev)
			continue
		}
		fresh, err := r.readBit()
		if err != nil {
			return nil, err
		}
		if fresh {
			l, err := r.readBits(5)
			if err != nil {
				return nil, err
			}
			s, err := r.readBits(lenBits)
			if err != nil {
				return nil, err
			}
			sig := uint(s) + 1
			if uint(l)+sig > width {
				return nil, fmt.Errorf("%w: xor window of %d+%d bits exceeds %d", ErrCorrupt, l, sig, width)
			}
			lead, trail, window = uint(l), width-uint(l)-sig, true
		} else if !window {
			return nil, fmt.Errorf("%w: xor window reused before it is set", ErrCorrupt)
		}
		m, err := r.readBits(width - lead - trail)
		if err != nil {
			return nil, err
		}
		prev ^= m << trail
		out = append(out, prev)
	}
	return out, nil
}
