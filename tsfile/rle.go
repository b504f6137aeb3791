package tsfile

import "encoding/binary"

// The RLE encoding is a sequence of blocks, each an unsigned varint byte length, then a bit
// width byte and runs: a header varint whose low bit is 0 for a repeated run (count = header>>1,
// then the value in ceil(width/8) little-endian bytes) or 1 for a bit-packed run (groups =
// header>>1, a byte with how many values of the last group of 8 are used, then groups*width
// bytes of values packed at width bits).

const rleGroup = 8

// initialCap bounds the capacity decoders reserve up front from a count read from the file;
// beyond it slices grow with what the data really holds.
const initialCap = 1 << 16

// decodeRLE decodes n values of at most maxWidth bits each.
func decodeRLE(c *cursor, n, maxWidth int) []uint64 {
	out := make([]uint64, 0, min(n, initialCap))
	for len(out) < n && c.err == nil {
		size := c.length("rle block length", c.remaining())
		block := cursor{b: c.bytes(size, "rle block")}
		if c.err != nil {
			return nil
		}
		base := c.pos - size
		width := int(block.byte("rle bit width"))
		if block.err == nil && width > maxWidth {
			block.failAt(0, "rle bit width %d exceeds %d", width, maxWidth)
		}
		for block.err == nil && block.remaining() > 0 && len(out) < n {
			header := block.uvarint("rle run header")
			if block.err != nil {
				break
			}
			if header&1 == 0 {
				count := int(header >> 1)
				raw := block.bytes((width+7)/8, "rle run value")
				if block.err != nil {
					break
				}
				var buf [8]byte
				copy(buf[:], raw)
				v := binary.LittleEndian.Uint64(buf[:])
				if count > n-len(out) {
					count = n - len(out)
				}
				for i := 0; i < count; i++ {
					out = append(out, v)
				}
				continue
			}
			groups := int(header >> 1)
			last := int(block.byte("rle bit-packed last group size"))
			if block.err != nil {
				break
			}
			if groups == 0 || last > rleGroup {
				block.fail("rle bit-packed run of %d groups with %d in the last", groups, last)
				break
			}
			packed := block.bytes(groups*width, "rle bit-packed values")
			if block.err != nil {
				break
			}
			count := (groups-1)*rleGroup + last
			if count > n-len(out) {
				count = n - len(out)
			}
			out = unpackBits(packed, width, count, out)
		}
		if block.err != nil {
			de := block.err.(*decodeError)
			c.err = &decodeError{pos: base + de.pos, msg: de.msg}
		}
	}
	if c.err == nil && len(out) < n {
		c.fail("rle: %d values decoded, %d expected", len(out), n)
	}
	return out
}

// encodeRLE appends one RLE block holding vals (bit patterns of width at most maxWidth; the
// width used is that of the widest value). Groups of 8 that start a run of 8 or more equal
// values become repeated runs, the rest bit-packed runs of at most 63 groups.
func encodeRLE(dst []byte, vals []uint64) []byte {
	width := 0
	for _, v := range vals {
		if w := bitWidth(v); w > width {
			width = w
		}
	}
	body := []byte{byte(width)}
	var packed []uint64
	flushPacked := func(lastCount int) {
		if len(packed) == 0 {
			return
		}
		groups := (len(packed) + rleGroup - 1) / rleGroup
		for len(packed)%rleGroup != 0 {
			packed = append(packed, 0)
		}
		body = appendUvarint(body, uint32(groups<<1|1))
		body = append(body, byte(lastCount))
		body = packBits(body, packed, width)
		packed = packed[:0]
	}
	for i := 0; i < len(vals); {
		run := 1
		for i+run < len(vals) && vals[i+run] == vals[i] && run < 0x7fff {
			run++
		}
		if run >= rleGroup {
			flushPacked(rleGroup)
			body = appendUvarint(body, uint32(run<<1))
			var buf [8]byte
			binary.LittleEndian.PutUint64(buf[:], vals[i])
			body = append(body, buf[:(width+7)/8]...)
			i += run
			continue
		}
		end := i + rleGroup
		if end > len(vals) {
			end = len(vals)
		}
		packed = append(packed, vals[i:end]...)
		i = end
		if len(packed) == 63*rleGroup {
			flushPacked(rleGroup)
		}
	}
	last := len(packed) % rleGroup
	if last == 0 {
		last = rleGroup
	}
	flushPacked(last)
	dst = appendUvarint(dst, uint32(len(body)))
	return append(dst, body...)
}
