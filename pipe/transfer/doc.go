// Package transfer defines the bodies of Sluice's pipe transfer protocol:
// what a sink puts in TPipeTransferReq.body (and the receiver in
// TPipeTransferResp.body) for each request type.
//
// A pipe sink first sends a handshake (TypeHandshake, body from
// EncodeHandshake). The receiver checks it and answers with a
// HandshakeResult holding its cluster id and a token. Every data request
// (TypeTablets, body from EncodeTablets) carries that token.
//
// # Formats (Version 1)
//
// Integers are unsigned LEB128 varints ("uvarint") unless said otherwise;
// a string is a uvarint byte length followed by the bytes.
//
// Handshake and HandshakeResult bodies are a uvarint count of key-value
// pairs, each two strings. Readers ignore keys they do not know, so fields
// can be added without a version change; a key given twice is an error.
// A HandshakeResult may carry max_payload_bytes, the receiver's limit on a
// Tablets payload (decimal), which senders keep to with Split.
//
// A Tablets body is
//
//	byte      compression (0 none, 1 zstd, 2 zstd with size)
//	string    token
//	string    origin
//	uvarint   decompressed payload size (compression 2 only)
//	bytes     payload, compressed as said, up to the end of the body
//
// The token stays outside the compressed payload so that a receiver can
// refuse an unknown sender before spending work on decompression, and the
// size so that it can refuse a payload over its limit before
// decompressing anything. Sinks write compression 0
// (EncodeTabletsUncompressed), compressing, when asked, the whole request
// instead (EncodeCompressed); EncodeTablets writes compression 2, as
// earlier senders did, and 1, written by the first ones, is still read,
// its size found while decompressing.
// The
// payload, once decompressed, is columnar:
//
//	uvarint   tablet count, then per tablet:
//	uvarint   device node count, then each node as a string
//	byte      flags (bit 0: aligned)
//	uvarint   rows
//	times     first as a zig-zag varint, the rest as zig-zag varint deltas
//	uvarint   column count, then per column:
//	string    measurement
//	byte      data type (model.DataType)
//	byte      nulls (0 none, 1 a bitmap follows)
//	bitmap    (rows+7)/8 bytes, bit i (LSB first) set when row i is null
//	values    of the non-null rows only: BOOLEAN packed 8 to a byte (LSB
//	          first), INT32 and INT64 zig-zag varints, FLOAT and DOUBLE
//	          little-endian IEEE 754, TEXT strings
//
// Decoders treat every input as hostile: they return an error wrapping
// ErrCorrupt on any inconsistency, never panic, and check every announced
// count against the bytes left before allocating for it. DecodeTabletsWithin
// takes a limit: a payload announced over it is refused before decoding,
// decompression stops once the output passes it (growing its buffer with
// the output, never to an announced size), and the decoded tablets may
// take at most that many bytes besides their strings; each refusal wraps
// ErrTooLarge and names the limit. Without the last bound tablets could
// take 72 times their payload (a column of nulls turns each bitmap bit
// into a null flag and an 8-byte zero value).
//
// A Schema body (TypeSchema), sent ahead of the tablets that need its
// series when a pipe's source includes schema, is uncompressed (a sink
// with a compressor wraps the whole request):
//
//	string    token
//	string    origin
//	uvarint   series count, then per series:
//	uvarint   path node count, then each node as a string
//	byte      data type, encoding, compressor (model numbering), flags
//	          (bit 0: aligned)
//	string    alias (empty: none)
//	uvarint   tag count, then each key and value as strings, keys sorted
//	uvarint   attribute count, then the same
//
// DecodeSchema checks each series as it reads it (a series path, known
// type, an encoding that supports it, known compressor, no key given twice
// or both a tag and an attribute) and bounds their memory by its limit.
package transfer
