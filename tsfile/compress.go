package tsfile

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// The codecs store what the reference writer's libraries produce: SNAPPY a raw snappy block,
// GZIP a gzip member, LZ4 a raw LZ4 block (no frame; the page header carries both sizes),
// ZSTD a zstd frame, LZMA2 an xz container holding LZMA2 data. LZ4 blocks are written by
// compressLZ4, which produces the reference compressor's bytes, and read by pierrec/lz4.

var (
	zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxPageSize))
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
)

// maxBlockRatio bounds how much snappy and LZ4 can expand data (both stay well below it), so
// a corrupt size is refused before a buffer of that size is allocated.
const maxBlockRatio = 256

// decompress returns the page body, which must be size bytes once uncompressed.
func decompress(c Compression, data []byte, size int) ([]byte, error) {
	var out []byte
	var err error
	if (c == Snappy || c == LZ4) && size > maxBlockRatio*len(data)+64 {
		return nil, fmt.Errorf("%v: %d bytes cannot uncompress to the %d the header says", c, len(data), size)
	}
	switch c {
	case Uncompressed:
		out = data
	case Snappy:
		var n int
		if n, err = snappy.DecodedLen(data); err == nil && n != size {
			return nil, fmt.Errorf("snappy body holds %d bytes, header says %d", n, size)
		}
		if err == nil {
			out, err = snappy.Decode(make([]byte, size), data)
		}
	case LZ4:
		out = make([]byte, size)
		var n int
		n, err = lz4.UncompressBlock(data, out)
		out = out[:max(n, 0)]
	case Zstd:
		out, err = zstdDecoder.DecodeAll(data, nil)
	case Gzip:
		out, err = readAllLimited(func() (io.Reader, error) { return gzip.NewReader(bytes.NewReader(data)) }, size)
	case LZMA2:
		if err = checkXZDict(data); err == nil {
			out, err = readAllLimited(func() (io.Reader, error) { return xz.NewReader(bytes.NewReader(data)) }, size)
		}
	default:
		return nil, fmt.Errorf("unknown compression %v", c)
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", c, err)
	}
	if len(out) != size {
		return nil, fmt.Errorf("%v body uncompresses to %d bytes, header says %d", c, len(out), size)
	}
	return out, nil
}

// readAllLimited reads at most size+1 bytes so a lying header cannot make it allocate more.
func readAllLimited(open func() (io.Reader, error), size int) ([]byte, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, int64(size)+1))
}

// compress returns data compressed with c.
func compress(c Compression, data []byte) ([]byte, error) {
	switch c {
	case Uncompressed:
		return data, nil
	case Snappy:
		return snappy.Encode(nil, data), nil
	case LZ4:
		return compressLZ4(data), nil
	case Zstd:
		return zstdEncoder.EncodeAll(data, nil), nil
	case Gzip, LZMA2:
		var buf bytes.Buffer
		var w io.WriteCloser
		var err error
		if c == Gzip {
			w = gzip.NewWriter(&buf)
		} else if w, err = (xz.WriterConfig{DictCap: max(len(data), 1<<16)}).NewWriter(&buf); err != nil {
			// A dictionary the size of the page is all LZMA2 can use; the default 8 MiB
			// would be allocated for every page.
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("tsfile: unknown compression %v", c)
}
