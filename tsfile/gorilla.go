package tsfile

// GORILLA (version 2) XORs each value's bits with the previous value's: the first value is
// stored whole, then '0' for an unchanged value, '10' and the meaningful bits when they fit the
// previous leading/trailing zero window, or '11', the leading zero count, the meaningful bit
// count minus one and the meaningful bits. The stream ends with an end marker value
// (MinInt32, MinInt64 or the canonical NaN) and is padded to a byte; when the marker ends on
// a byte boundary the reference writer still adds a zero byte.

type gorillaWidth struct {
	bits, leadBits, sigBits int
	end                     uint64
}

var (
	gorilla32  = gorillaWidth{bits: 32, leadBits: 5, sigBits: 5, end: 1 << 31}
	gorilla64  = gorillaWidth{bits: 64, leadBits: 6, sigBits: 6, end: 1 << 63}
	gorillaF32 = gorillaWidth{bits: 32, leadBits: 5, sigBits: 5, end: 0x7fc00000}
	gorillaF64 = gorillaWidth{bits: 64, leadBits: 6, sigBits: 6, end: 0x7ff8000000000000}
)

// decodeGorilla decodes n values' bit patterns.
func decodeGorilla(c *cursor, n int, w gorillaWidth) []uint64 {
	if c.err != nil {
		return nil
	}
	out := make([]uint64, 0, min(n, 8*c.remaining()+1)) // every value takes a bit at least
	r := bitReader{b: c.b[c.pos:]}
	var stored uint64
	lead, trail := 0, 0
	for len(out) < n {
		if len(out) == 0 {
			if !r.has(w.bits) {
				c.fail("gorilla: first value runs past the end")
				return nil
			}
			stored = r.read(w.bits)
			out = append(out, stored)
			continue
		}
		if !r.has(1) {
			c.fail("gorilla: %d values decoded, %d expected", len(out), n)
			return nil
		}
		if r.readBit() == 1 {
			if !r.has(1) {
				c.fail("gorilla: control bits run past the end")
				return nil
			}
			if r.readBit() == 1 {
				if !r.has(w.leadBits + w.sigBits) {
					c.fail("gorilla: zero counts run past the end")
					return nil
				}
				lead = int(r.read(w.leadBits))
				sig := int(r.read(w.sigBits)) + 1
				trail = w.bits - sig - lead
				if trail < 0 {
					c.fail("gorilla: %d leading zeros and %d meaningful bits exceed %d", lead, sig, w.bits)
					return nil
				}
			}
			sig := w.bits - lead - trail
			if !r.has(sig) {
				c.fail("gorilla: meaningful bits run past the end")
				return nil
			}
			stored ^= r.read(sig) << trail
		}
		out = append(out, stored)
	}
	c.pos += (r.bit + 7) / 8
	return out
}

// encodeGorilla appends vals (bit patterns of w.bits bits) and the end marker.
func encodeGorilla(dst []byte, vals []uint64, w gorillaWidth) []byte {
	bw := bitWriter{b: dst}
	var stored uint64
	storedLead, storedTrail := 1<<30, 0
	put := func(i int, v uint64) {
		if i == 0 {
			stored = v
			bw.write(v, w.bits)
			return
		}
		xor := stored ^ v
		stored = v
		if xor == 0 {
			bw.writeBit(0)
			return
		}
		bw.writeBit(1)
		lead := w.bits - bitWidth(xor)
		trail := 0
		for xor>>trail&1 == 0 {
			trail++
		}
		if lead >= storedLead && trail >= storedTrail {
			bw.writeBit(0)
			bw.write(xor>>storedTrail, w.bits-storedLead-storedTrail)
			return
		}
		bw.writeBit(1)
		sig := w.bits - lead - trail
		bw.write(uint64(lead), w.leadBits)
		bw.write(uint64(sig-1), w.sigBits)
		bw.write(xor>>trail, sig)
		storedLead, storedTrail = lead, trail
	}
	for i, v := range vals {
		put(i, v)
	}
	put(len(vals), w.end)
	if bw.nbit == 0 {
		bw.b = append(bw.b, 0) // the reference writer always flushes a final byte
	}
	return bw.b
}
