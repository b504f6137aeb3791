package transfer

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// TypeCompressed is IoTDB's TRANSFER_COMPRESSED request type: a whole
// request (version, type, body) compressed with one or more compressors,
// sent as the body of a request of this type. See EncodeCompressed.
const TypeCompressed int16 = 300

// Compressor is a compressor of the compressed request, numbered as IoTDB
// numbers them on the wire.
type Compressor byte

// The compressors of sink.compressor, with IoTDB's wire numbers.
const (
	Snappy Compressor = 0
	Gzip   Compressor = 1
	LZ4    Compressor = 2
	Zstd   Compressor = 3
	LZMA2  Compressor = 4
)

var compressorNames = []string{Snappy: "snappy", Gzip: "gzip", LZ4: "lz4", Zstd: "zstd", LZMA2: "lzma2"}

// String is the compressor's name as sink.compressor spells it.
func (c Compressor) String() string {
	if int(c) < len(compressorNames) {
		return compressorNames[c]
	}
	return "compressor(" + strconv.Itoa(int(c)) + ")"
}

// Compressors returns every compressor name, in wire-number order.
func Compressors() []string { return slices.Clone(compressorNames) }

// Zstd levels, as zstd (and IoTDB's sink.compressor.zstd.level) counts
// them.
const (
	DefaultZstdLevel = 3
	MinZstdLevel     = -(1 << 17)
	MaxZstdLevel     = 22
)

// MaxCompressors bounds the compressors one request may chain. IoTDB's
// count is a byte; no sensible list is longer than the five compressors.
const MaxCompressors = 8

// NoCompressor is the sink.compressor value that names no compressor, as
// the empty default does.
const NoCompressor = "none"

// ParseCompressors reads a sink.compressor value: a comma-separated list
// of compressor names, applied in that order, case and blanks ignored.
// An empty list, or NoCompressor alone (the default), compresses nothing
// beyond Sluice's own encoding.
func ParseCompressors(list string) ([]Compressor, error) {
	var out []Compressor
	none := false
	for name := range strings.SplitSeq(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == NoCompressor {
			none = true
			continue
		}
		i := slices.Index(compressorNames, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown compressor %q: known are %s", name, strings.Join(compressorNames, ", "))
		}
		out = append(out, Compressor(i))
	}
	if none && len(out) > 0 {
		return nil, fmt.Errorf("%q names no compressor and cannot be listed with %s", NoCompressor, out[0])
	}
	if len(out) > MaxCompressors {
		return nil, fmt.Errorf("%d compressors: at most %d may be chained", len(out), MaxCompressors)
	}
	return out, nil
}

// compressedHeader is the fixed part of the body of a TypeCompressed
// request before the compressed bytes: a count byte, then per compressor
// its number and the big-endian int32 length of its input.
const compressorEntryBytes = 5

// EncodeCompressed returns the body of a TypeCompressed request carrying
// the request (version, typ, body) compressed by each of cs in turn, as
// IoTDB's PipeTransferCompressedReq lays it out:
//
//	byte      compressor count n
//	n times   byte compressor number, int32 (big-endian) length of its input
//	bytes     the compressed request: byte version, int16 (big-endian)
//	          type, body; compressed by the first compressor, that output
//	          by the second, and so on
//
// zstdLevel is the level of the zstd compressor (DefaultZstdLevel).
func EncodeCompressed(version int8, typ int16, body []byte, cs []Compressor, zstdLevel int) ([]byte, error) {
	if len(cs) == 0 || len(cs) > MaxCompressors {
		return nil, fmt.Errorf("%d compressors: give 1 to %d", len(cs), MaxCompressors)
	}
	data := make([]byte, 0, 3+len(body))
	data = append(data, byte(version))
	data = binary.BigEndian.AppendUint16(data, uint16(typ))
	data = append(data, body...)
	head := make([]byte, 0, 1+compressorEntryBytes*len(cs))
	head = append(head, byte(len(cs)))
	for _, c := range cs {
		if len(data) > math.MaxInt32 {
			return nil, fmt.Errorf("%s input of %d bytes: over IoTDB's int32 length", c, len(data))
		}
		head = append(head, byte(c))
		head = binary.BigEndian.AppendUint32(head, uint32(len(data)))
		var err error
		if data, err = compressWith(c, data, zstdLevel); err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
	}
	return append(head, data...), nil
}

// compressedHeader reads the compressors and input lengths of a
// TypeCompressed body, refusing a length over max before anything is
// decompressed, and returns the compressed bytes.
func compressedHeader(b []byte, max int) (cs []Compressor, lengths []int, rest []byte, err error) {
	if len(b) < 1 {
		return nil, nil, nil, fmt.Errorf("%w: compressed request: no compressor count", ErrCorrupt)
	}
	n := int(b[0])
	if n < 1 || n > MaxCompressors {
		return nil, nil, nil, fmt.Errorf("%w: compressed request: %d compressors (1 to %d)", ErrCorrupt, n, MaxCompressors)
	}
	if len(b) < 1+compressorEntryBytes*n {
		return nil, nil, nil, fmt.Errorf("%w: compressed request: truncated compressor list", ErrCorrupt)
	}
	for i := range n {
		e := b[1+compressorEntryBytes*i:]
		c := Compressor(e[0])
		if int(c) >= len(compressorNames) {
			return nil, nil, nil, fmt.Errorf("%w: compressed request: unknown compressor %d", ErrCorrupt, e[0])
		}
		size := int32(binary.BigEndian.Uint32(e[1:5]))
		if size < 0 {
			return nil, nil, nil, fmt.Errorf("%w: compressed request: negative length %d", ErrCorrupt, size)
		}
		if int64(size) > int64(max) {
			return nil, nil, nil, fmt.Errorf("%w: the request announces %d decompressed bytes (%s), over the limit of %d bytes", ErrTooLarge, size, c, max)
		}
		cs = append(cs, c)
		lengths = append(lengths, int(size))
	}
	return cs, lengths, b[1+compressorEntryBytes*n:], nil
}

// CompressedBound is the most bytes decoding the TypeCompressed body b
// with DecodeCompressed(b, max) holds at once: the two largest lengths it
// announces (a stage's input and output). A body that does not parse, or
// announces a length over max, gives 0: decoding refuses it before
// decompressing.
func CompressedBound(b []byte, max int) int {
	_, lengths, _, err := compressedHeader(b, max)
	if err != nil {
		return 0
	}
	s := slices.Clone(lengths)
	slices.Sort(s)
	bound := s[len(s)-1]
	if len(s) > 1 {
		bound += s[len(s)-2]
	}
	return bound
}

// DecodeCompressed reads the body of a TypeCompressed request and returns
// the request it carries. Every announced length must be at most max
// (checked before decompressing anything), and every stage must produce
// exactly the length announced for it: decompression stops once output
// passes it, and memory grows with the output actually produced. Errors
// wrap ErrCorrupt or ErrTooLarge. A compressed request inside is refused.
func DecodeCompressed(b []byte, max int) (version int8, typ int16, body []byte, err error) {
	cs, lengths, data, err := compressedHeader(b, max)
	if err != nil {
		return 0, 0, nil, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		out, err := decompressWith(cs[i], data, lengths[i])
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%w: compressed request: %s stage: %v", ErrCorrupt, cs[i], err)
		}
		data = out
	}
	if len(data) < 3 {
		return 0, 0, nil, fmt.Errorf("%w: compressed request: %d bytes hold no version and type", ErrCorrupt, len(data))
	}
	version, typ = int8(data[0]), int16(binary.BigEndian.Uint16(data[1:3]))
	if typ == TypeCompressed {
		return 0, 0, nil, fmt.Errorf("%w: compressed request inside a compressed request", ErrCorrupt)
	}
	return version, typ, data[3:], nil
}
