package tsfile

import (
	"encoding/binary"
	"fmt"
)

// maxXZDict is the largest LZMA2 dictionary a page may ask for: the xz decoder allocates
// the dictionary the stream declares before reading any data, so a corrupt declaration must
// be refused first. 64 MiB is the dictionary of the reference library's largest preset.
const maxXZDict = 64 << 20

// checkXZDict reads the dictionary size the first block of an xz stream declares for LZMA2
// and refuses one above maxXZDict. Streams it cannot parse are left to the decoder to reject.
func checkXZDict(data []byte) error {
	const streamHeader = 12
	if len(data) < streamHeader+2 {
		return nil
	}
	c := &cursor{b: data, pos: streamHeader}
	size := (int(c.byte("block header size")) + 1) * 4
	if size <= 4 || len(data) < streamHeader+size {
		return nil
	}
	c.b = data[:streamHeader+size]
	flags := c.byte("block flags")
	if flags&0x40 != 0 {
		xzVarint(c)
	}
	if flags&0x80 != 0 {
		xzVarint(c)
	}
	for i := 0; i <= int(flags&3) && c.err == nil; i++ {
		id := xzVarint(c)
		props := c.bytes(int(xzVarint(c)), "xz filter properties")
		if c.err == nil && id == 0x21 && len(props) == 1 {
			code := int(props[0] & 0x3f)
			if code > 40 {
				return fmt.Errorf("LZMA2 dictionary code %d", code)
			}
			dict := uint64(2|code&1) << (code/2 + 11)
			if dict > maxXZDict {
				return fmt.Errorf("LZMA2 dictionary of %d bytes exceeds %d", dict, maxXZDict)
			}
		}
	}
	return nil
}

// xzVarint reads the xz format's multibyte integer (7 bits a byte, low first, up to 9 bytes).
func xzVarint(c *cursor) uint64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Uvarint(c.b[c.pos:])
	if n <= 0 || n > 9 {
		c.fail("xz integer")
		return 0
	}
	c.pos += n
	return v
}
