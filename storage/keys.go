package storage

import (
	"encoding/binary"
	"math"
)

// Key layout. Every key starts with keyPrefix and the big-endian region id,
// so that a region's keys are one contiguous range:
//
//	chunk: 'r' | region u32 | 'c' | series u64 | start time (order-preserving) | sequence u64
//	meta:  'r' | region u32 | 'm' | user key
//	state: 'r' | region u32 | 's'                      -> durable index u64
//
// Chunks of a series sort by start time, then sequence (the durable index of
// the flush that wrote them; higher wins on equal timestamps).
const (
	keyPrefix = 'r'
	kindChunk = 'c'
	kindMeta  = 'm'
	kindState = 's'

	regionKeyLen = 5
	seriesKeyLen = regionKeyLen + 1 + 8
	chunkKeyLen  = seriesKeyLen + 16
)

func regionPrefix(region uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{keyPrefix}, region)
}

// regionEnd is the exclusive upper bound of a region's keys.
func regionEnd(region uint32) []byte {
	if region == math.MaxUint32 {
		return []byte{keyPrefix + 1}
	}
	return regionPrefix(region + 1)
}

func stateKey(region uint32) []byte {
	return append(regionPrefix(region), kindState)
}

func metaPrefix(region uint32) []byte {
	return append(regionPrefix(region), kindMeta)
}

func metaKey(region uint32, key []byte) []byte {
	return append(metaPrefix(region), key...)
}

// seriesPrefix is the common prefix of a series' chunk keys.
func seriesPrefix(region uint32, series uint64) []byte {
	k := make([]byte, 0, chunkKeyLen)
	k = append(k, keyPrefix)
	k = binary.BigEndian.AppendUint32(k, region)
	k = append(k, kindChunk)
	return binary.BigEndian.AppendUint64(k, series)
}

// seriesEnd is the exclusive upper bound of a series' chunk keys.
func seriesEnd(region uint32, series uint64) []byte {
	if series == math.MaxUint64 {
		return append(regionPrefix(region), kindChunk+1)
	}
	return seriesPrefix(region, series+1)
}

// chunkBound is the smallest chunk key of the series starting at t or later.
func chunkBound(region uint32, series uint64, t int64) []byte {
	return binary.BigEndian.AppendUint64(seriesPrefix(region, series), orderedTime(t))
}

// chunkBoundAfter is the exclusive upper bound of the chunk keys of the
// series starting at t or earlier.
func chunkBoundAfter(region uint32, series uint64, t int64) []byte {
	if t == math.MaxInt64 {
		return seriesEnd(region, series)
	}
	return chunkBound(region, series, t+1)
}

func chunkKey(region uint32, series uint64, start int64, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(chunkBound(region, series, start), seq)
}

// parseChunkKey returns the start time and sequence of a chunk key.
func parseChunkKey(k []byte) (start int64, seq uint64, ok bool) {
	if len(k) != chunkKeyLen {
		return 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(k[seriesKeyLen:]) ^ 1<<63), binary.BigEndian.Uint64(k[seriesKeyLen+8:]), true
}

// orderedTime maps int64 to uint64 preserving order.
func orderedTime(t int64) uint64 { return uint64(t) ^ 1<<63 }

// Chunk windows partition time into spans of the configured width aligned
// on multiples of it (the first and last spans are clipped to the int64
// range). A chunk never holds points of two windows, so the chunks holding
// times >= t start at or after windowStart(t).

// windowIndex is floor(t / window).
func windowIndex(t, window int64) int64 {
	q := t / window
	if t%window < 0 {
		q--
	}
	return q
}

// windowStart is the first time of the window holding t.
func windowStart(t, window int64) int64 {
	q := windowIndex(t, window)
	if q < math.MinInt64/window {
		return math.MinInt64
	}
	return q * window
}

// windowEnd is the exclusive end of the window holding t, or MaxInt64 for
// the last window (which then also holds MaxInt64 itself).
func windowEnd(t, window int64) int64 {
	q := windowIndex(t, window)
	if q < math.MinInt64/window {
		return math.MinInt64 / window * window
	}
	if q*window > math.MaxInt64-window {
		return math.MaxInt64
	}
	return q*window + window
}
