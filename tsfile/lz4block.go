package tsfile

import "encoding/binary"

// compressLZ4 compresses src into one raw LZ4 block the way the reference LZ4 compressor
// does for inputs under 64 KiB at the default acceleration (a 2^13-entry table of 16-bit
// positions, hash of 4 bytes, the search step growing every 64 misses), so pages compress to
// the same bytes as IoTDB's. Larger inputs use the same search with 32-bit positions.
func compressLZ4(src []byte) []byte {
	const (
		minMatch     = 4
		lastLiterals = 5
		mfLimit      = 12
		minLength    = mfLimit + 1
		skipTrigger  = 6
		hashLog      = 13
		maxDistance  = 65535
	)
	n := len(src)
	dst := make([]byte, 0, n+n/255+16)
	anchor := 0
	writeLen := func(l int) {
		for ; l >= 255; l -= 255 {
			dst = append(dst, 255)
		}
		dst = append(dst, byte(l))
	}
	if n >= minLength {
		table := make([]int32, 1<<hashLog)
		hash := func(i int) uint32 {
			return binary.LittleEndian.Uint32(src[i:]) * 2654435761 >> (32 - hashLog)
		}
		read32 := func(i int) uint32 { return binary.LittleEndian.Uint32(src[i:]) }
		mflimitPlusOne := n - mfLimit + 1
		matchLimit := n - lastLiterals
		ip := 1
		forwardH := hash(ip)
	search:
		for {
			// Find a match.
			forward, step, searches := ip, 1, 1<<skipTrigger
			var match int
			for {
				h := forwardH
				match = int(table[h])
				ip = forward
				forward += step
				step = searches >> skipTrigger
				searches++
				if forward > mflimitPlusOne {
					break search
				}
				forwardH = hash(forward)
				table[h] = int32(ip)
				if ip-match <= maxDistance && read32(match) == read32(ip) {
					break
				}
			}
			// Extend it backwards.
			for ip > anchor && match > 0 && src[ip-1] == src[match-1] {
				ip--
				match--
			}
			tokenAt := len(dst)
			lit := ip - anchor
			if lit >= 15 {
				dst = append(dst, 15<<4)
				writeLen(lit - 15)
			} else {
				dst = append(dst, byte(lit<<4))
			}
			dst = append(dst, src[anchor:ip]...)
			for {
				dst = binary.LittleEndian.AppendUint16(dst, uint16(ip-match))
				ml := 0
				for p, q := ip+minMatch, match+minMatch; p < matchLimit && src[p] == src[q]; p, q = p+1, q+1 {
					ml++
				}
				ip += ml + minMatch
				if ml >= 15 {
					dst[tokenAt] += 15
					writeLen(ml - 15)
				} else {
					dst[tokenAt] += byte(ml)
				}
				anchor = ip
				if ip >= mflimitPlusOne {
					break search
				}
				table[hash(ip-2)] = int32(ip - 2)
				h := hash(ip)
				match = int(table[h])
				table[h] = int32(ip)
				if ip-match > maxDistance || read32(match) != read32(ip) {
					break
				}
				tokenAt = len(dst)
				dst = append(dst, 0)
			}
			ip++
			forwardH = hash(ip)
		}
	}
	last := n - anchor
	if last >= 15 {
		dst = append(dst, 15<<4)
		writeLen(last - 15)
	} else {
		dst = append(dst, byte(last<<4))
	}
	return append(dst, src[anchor:]...)
}
