package tsfile

// TS_2DIFF stores blocks of up to 1+128 values: a 4-byte count of deltas, a 4-byte bit width,
// the minimum delta and the first value (4 bytes each for 32-bit values, 8 for 64-bit), then
// each delta minus the minimum packed at the bit width.

const ts2diffBlock = 128

// decodeTS2Diff64 decodes n 64-bit values, or with n < 0 every block up to the end of c.
func decodeTS2Diff64(c *cursor, n int) []int64 {
	out := make([]int64, 0, min(max(n, 0), initialCap))
	var deltas []uint64
	for (n < 0 && c.remaining() > 0 || len(out) < n) && c.err == nil {
		count := int(c.int32("ts_2diff delta count"))
		width := int(c.int32("ts_2diff bit width"))
		minDelta := c.int64("ts_2diff minimum delta")
		prev := c.int64("ts_2diff first value")
		if c.err != nil {
			break
		}
		if count < 0 || width < 0 || width > 64 {
			c.fail("ts_2diff block of %d deltas at width %d", count, width)
			break
		}
		if n < 0 && len(out)+count >= maxPageValues {
			c.fail("more than %d times in one page", maxPageValues)
			break
		}
		packed := c.bytes((count*width+7)/8, "ts_2diff packed deltas")
		if c.err != nil {
			break
		}
		out = append(out, prev)
		take := count
		if n >= 0 {
			take = min(count, n-len(out))
		}
		deltas = unpackBits(packed, width, take, deltas[:0])
		for _, d := range deltas {
			prev += minDelta + int64(d)
			out = append(out, prev)
		}
	}
	if c.err == nil && len(out) < n {
		c.fail("ts_2diff: %d values decoded, %d expected", len(out), n)
	}
	return out
}

// decodeTS2Diff32 decodes n 32-bit values (arithmetic wraps at 32 bits as the writer's does).
func decodeTS2Diff32(c *cursor, n int) []int32 {
	out := make([]int32, 0, min(n, initialCap))
	var deltas []uint64
	for len(out) < n && c.err == nil {
		count := int(c.int32("ts_2diff delta count"))
		width := int(c.int32("ts_2diff bit width"))
		minDelta := c.int32("ts_2diff minimum delta")
		prev := c.int32("ts_2diff first value")
		if c.err != nil {
			break
		}
		if count < 0 || width < 0 || width > 32 {
			c.fail("ts_2diff block of %d deltas at width %d", count, width)
			break
		}
		packed := c.bytes((count*width+7)/8, "ts_2diff packed deltas")
		if c.err != nil {
			break
		}
		out = append(out, prev)
		deltas = unpackBits(packed, width, min(count, n-len(out)), deltas[:0])
		for _, d := range deltas {
			prev += minDelta + int32(uint32(d))
			out = append(out, prev)
		}
	}
	if c.err == nil && len(out) < n {
		c.fail("ts_2diff: %d values decoded, %d expected", len(out), n)
	}
	return out
}

// encodeTS2Diff64 appends vals in blocks.
func encodeTS2Diff64(dst []byte, vals []int64) []byte {
	deltas := make([]uint64, 0, ts2diffBlock)
	for start := 0; start < len(vals); start += ts2diffBlock + 1 {
		block := vals[start:min(len(vals), start+ts2diffBlock+1)]
		minDelta := int64(1<<63 - 1)
		for i := 1; i < len(block); i++ {
			minDelta = min(minDelta, block[i]-block[i-1])
		}
		deltas, width := deltas[:0], 0
		for i := 1; i < len(block); i++ {
			d := uint64(block[i] - block[i-1] - minDelta)
			deltas = append(deltas, d)
			width = max(width, bitWidth(d))
		}
		dst = appendInt32(dst, int32(len(deltas)))
		dst = appendInt32(dst, int32(width))
		dst = appendInt64(dst, minDelta)
		dst = appendInt64(dst, block[0])
		dst = packBits(dst, deltas, width)
	}
	return dst
}

// encodeTS2Diff32 appends vals in blocks with 32-bit arithmetic.
func encodeTS2Diff32(dst []byte, vals []int32) []byte {
	deltas := make([]uint64, 0, ts2diffBlock)
	for start := 0; start < len(vals); start += ts2diffBlock + 1 {
		block := vals[start:min(len(vals), start+ts2diffBlock+1)]
		minDelta := int32(1<<31 - 1)
		for i := 1; i < len(block); i++ {
			minDelta = min(minDelta, block[i]-block[i-1])
		}
		deltas, width := deltas[:0], 0
		for i := 1; i < len(block); i++ {
			d := uint64(uint32(block[i] - block[i-1] - minDelta))
			deltas = append(deltas, d)
			width = max(width, bitWidth(d))
		}
		dst = appendInt32(dst, int32(len(deltas)))
		dst = appendInt32(dst, int32(width))
		dst = appendInt32(dst, minDelta)
		dst = appendInt32(dst, block[0])
		dst = packBits(dst, deltas, width)
	}
	return dst
}
