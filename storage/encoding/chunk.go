package encoding

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/sluicedb/sluice/model"
)

// ErrCorrupt is wrapped by every error about malformed encoded input.
var ErrCorrupt = errors.New("corrupt encoding")

// Chunk layout (all varints are Go's encoding/binary ones):
//
//	version byte | type byte | count uvarint | min time varint |
//	max time - min time uvarint | statistics (see appendStats) |
//	times block length uvarint | body compression byte |
//	raw body length uvarint | body | CRC-32C of all before, 4 bytes LE
//
// The raw body is the times block (AppendTimes) followed by the values block
// (AppendBools, AppendInt32s, ...).
const chunkVersion = 1

// Body compressions. The numbers are part of the on-disk format.
const (
	bodyRaw  = 0
	bodyZstd = 1
)

const (
	// minCompress is the smallest body worth handing to zstd.
	minCompress = 64
	// MaxBody bounds the raw body of a chunk; callers cut chunks well below.
	MaxBody = 256 << 20
	// maxPointBytes bounds the raw encoding of one non-text point: a 10-byte
	// timestamp varint and an 11-byte value.
	maxPointBytes = 21
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithWindowSize(1<<20),
			zstd.WithEncoderCRC(false), // the chunk has its own CRC
			zstd.WithZeroFrames(true))
		if err != nil {
			panic(fmt.Sprintf("BUG: zstd encoder options: %v", err))
		}
		return enc
	})
	zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
		dec, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(MaxBody),
			zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			panic(fmt.Sprintf("BUG: zstd decoder options: %v", err))
		}
		return dec
	})
	bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
)

// EncodeChunk appends the chunk of the given points to dst. Times must be
// strictly increasing and col must hold len(times) values and no nulls.
func EncodeChunk(dst []byte, times []int64, col *model.Column) ([]byte, error) {
	if err := checkPoints(times, col); err != nil {
		return dst, err
	}
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	body := AppendTimes((*bp)[:0], times)
	timesLen := len(body)
	body = appendValues(body, col)
	*bp = body
	if len(body) > MaxBody {
		return dst, fmt.Errorf("encode chunk: body of %d bytes exceeds %d", len(body), MaxBody)
	}

	start := len(dst)
	sum := Summarize(times, col)
	dst = append(dst, chunkVersion, byte(col.Type))
	dst = binary.AppendUvarint(dst, uint64(sum.Count))
	dst = binary.AppendVarint(dst, sum.MinTime)
	dst = binary.AppendUvarint(dst, uint64(sum.MaxTime-sum.MinTime))
	dst = appendStats(dst, &sum)
	dst = binary.AppendUvarint(dst, uint64(timesLen))
	compAt := len(dst)
	dst = append(dst, bodyRaw)
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	payloadAt := len(dst)
	if len(body) >= minCompress {
		dst = zstdEncoder().EncodeAll(body, dst)
		if len(dst)-payloadAt < len(body) {
			dst[compAt] = bodyZstd
		} else {
			dst = append(dst[:payloadAt], body...)
		}
	} else {
		dst = append(dst, body...)
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable)), nil
}

func checkPoints(times []int64, col *model.Column) error {
	if !col.Type.Valid() {
		return fmt.Errorf("encode chunk: invalid type %d", col.Type)
	}
	if len(times) == 0 || col.Len() != len(times) {
		return fmt.Errorf("encode chunk: %d times and %d values", len(times), col.Len())
	}
	for i := 1; i < len(times); i++ {
		if times[i] <= times[i-1] {
			return fmt.Errorf("encode chunk: times not strictly increasing at row %d", i)
		}
	}
	for _, null := range col.Nulls {
		if null {
			return errors.New("encode chunk: nulls are not stored")
		}
	}
	return nil
}

func appendValues(dst []byte, col *model.Column) []byte {
	switch col.Type {
	case model.Boolean:
		return AppendBools(dst, col.Bools)
	case model.Int32:
		return AppendInt32s(dst, col.Int32s)
	case model.Int64:
		return AppendInt64s(dst, col.Int64s)
	case model.Float:
		return AppendFloat32s(dst, col.Float32s)
	case model.Double:
		return AppendFloat64s(dst, col.Float64s)
	default:
		return AppendTexts(dst, col.Texts)
	}
}

// chunkHeader is a parsed chunk header and where its body lies.
type chunkHeader struct {
	sum         Summary
	timesLen    int
	compression byte
	rawLen      int
	payload     []byte
}

// DecodeSummary reads the statistics of a chunk without decoding its body.
func DecodeSummary(data []byte) (Summary, error) {
	h, err := parseChunk(data)
	return h.sum, err
}

// DecodeChunk decodes a chunk into its summary, timestamps and values.
func DecodeChunk(data []byte) (Summary, []int64, model.Column, error) {
	h, err := parseChunk(data)
	if err != nil {
		return Summary{}, nil, model.Column{}, err
	}
	body := h.payload
	if h.compression == bodyZstd {
		body, err = zstdDecoder().DecodeAll(h.payload, make([]byte, 0, h.rawLen))
		if err != nil {
			return Summary{}, nil, model.Column{}, fmt.Errorf("%w: decompress body: %v", ErrCorrupt, err)
		}
	}
	if len(body) != h.rawLen {
		return Summary{}, nil, model.Column{}, fmt.Errorf("%w: body is %d bytes, header says %d", ErrCorrupt, len(body), h.rawLen)
	}
	times, err := DecodeTimes(body[:h.timesLen], make([]int64, 0, h.sum.Count))
	if err != nil {
		return Summary{}, nil, model.Column{}, err
	}
	col, err := decodeValues(body[h.timesLen:], h.sum.Type, int(h.sum.Count))
	if err != nil {
		return Summary{}, nil, model.Column{}, err
	}
	if err := checkDecoded(&h.sum, times, &col); err != nil {
		return Summary{}, nil, model.Column{}, err
	}
	return h.sum, times, col, nil
}

func parseChunk(data []byte) (chunkHeader, error) {
	var h chunkHeader
	if len(data) < 4 {
		return h, fmt.Errorf("%w: chunk of %d bytes", ErrCorrupt, len(data))
	}
	data, tail := data[:len(data)-4], data[len(data)-4:]
	if got, want := crc32.Checksum(data, crcTable), binary.LittleEndian.Uint32(tail); got != want {
		return h, fmt.Errorf("%w: chunk checksum %08x, want %08x", ErrCorrupt, got, want)
	}
	r := byteReader{buf: data}
	version, err := r.byte("chunk version")
	if err != nil {
		return h, err
	}
	if version != chunkVersion {
		return h, fmt.Errorf("%w: unknown chunk version %d", ErrCorrupt, version)
	}
	typ, err := r.byte("chunk type")
	if err != nil {
		return h, err
	}
	h.sum.Type = model.DataType(typ)
	if !h.sum.Type.Valid() {
		return h, fmt.Errorf("%w: unknown chunk type %d", ErrCorrupt, typ)
	}
	count, err := r.uvarint("chunk count")
	if err != nil {
		return h, err
	}
	if count == 0 || count > maxCount {
		return h, fmt.Errorf("%w: chunk count %d", ErrCorrupt, count)
	}
	h.sum.Count = int64(count)
	if h.sum.MinTime, err = r.varint("min time"); err != nil {
		return h, err
	}
	span, err := r.uvarint("time span")
	if err != nil {
		return h, err
	}
	h.sum.MaxTime = h.sum.MinTime + int64(span)
	if err := readStats(&r, &h.sum); err != nil {
		return h, err
	}
	timesLen, err := r.uvarint("times length")
	if err != nil {
		return h, err
	}
	if h.compression, err = r.byte("body compression"); err != nil {
		return h, err
	}
	if h.compression != bodyRaw && h.compression != bodyZstd {
		return h, fmt.Errorf("%w: unknown body compression %d", ErrCorrupt, h.compression)
	}
	rawLen, err := r.uvarint("body length")
	if err != nil {
		return h, err
	}
	limit := uint64(MaxBody)
	if h.sum.Type != model.Text {
		limit = min(limit, count*maxPointBytes+64)
	}
	if rawLen > limit || timesLen > rawLen {
		return h, fmt.Errorf("%w: body length %d, times length %d", ErrCorrupt, rawLen, timesLen)
	}
	h.timesLen, h.rawLen = int(timesLen), int(rawLen)
	h.payload = data[r.off:]
	if h.compression == bodyRaw && len(h.payload) != h.rawLen {
		return h, fmt.Errorf("%w: raw body is %d bytes, header says %d", ErrCorrupt, len(h.payload), h.rawLen)
	}
	return h, nil
}

// checkDecoded verifies that a decoded body agrees with its header.
func checkDecoded(sum *Summary, times []int64, col *model.Column) error {
	n := int(sum.Count)
	if len(times) != n || col.Len() != n {
		return fmt.Errorf("%w: body has %d times and %d values, header says %d", ErrCorrupt, len(times), col.Len(), n)
	}
	if times[0] != sum.MinTime || times[n-1] != sum.MaxTime {
		return fmt.Errorf("%w: body time range disagrees with header", ErrCorrupt)
	}
	for i := 1; i < n; i++ {
		if times[i] <= times[i-1] {
			return fmt.Errorf("%w: times not increasing at row %d", ErrCorrupt, i)
		}
	}
	return nil
}

func decodeValues(src []byte, typ model.DataType, n int) (model.Column, error) {
	col := model.Column{Type: typ}
	var err error
	switch typ {
	case model.Boolean:
		col.Bools, err = DecodeBools(src, make([]bool, 0, n))
	case model.Int32:
		col.Int32s, err = DecodeInt32s(src, make([]int32, 0, n))
	case model.Int64:
		col.Int64s, err = DecodeInt64s(src, make([]int64, 0, n))
	case model.Float:
		col.Float32s, err = DecodeFloat32s(src, make([]float32, 0, n))
	case model.Double:
		col.Float64s, err = DecodeFloat64s(src, make([]float64, 0, n))
	case model.Text:
		col.Texts, err = DecodeTexts(src, make([]string, 0, n))
	}
	return col, err
}
