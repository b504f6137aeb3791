// Package encoding holds the codecs of the storage engine: compact encodings
// for the points of one series and the chunk format that wraps them.
//
// A chunk is a run of points of one series, sorted by time with no duplicate
// timestamps and no nulls. Its layout is a small uncompressed header with the
// chunk's statistics (count, time range, sum, min, max, first, last), so that
// aggregates over whole chunks need no decoding, then a body holding the
// encoded timestamps and values, compressed with zstd when that pays off, and
// a CRC-32C of everything before it.
//
// Timestamps are delta-of-delta encoded with zig-zag varints: a regular series
// becomes a run of zero bytes that the compressor all but erases. Integers use
// delta or delta-of-delta zig-zag varints, whichever is smaller. Floating
// point values that are decimals with few digits (sensor readings such as
// 20.01) are scaled to integers and encoded as such; other values use
// Gorilla's XOR encoding. Booleans are bit-packed and text is length-prefixed.
//
// Every decoder returns an error wrapping ErrCorrupt on malformed input; none
// panics, whatever the bytes.
package encoding
