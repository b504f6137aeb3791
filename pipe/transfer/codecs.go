package transfer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// The codecs write what IoTDB's pipe compressors (TsFile's compressors)
// write and read what they write: snappy a raw snappy block, gzip a gzip
// member, lz4 a raw LZ4 block (no frame: the request carries the length),
// zstd a zstd frame, lzma2 an xz stream holding LZMA2 data.

// maxBlockRatio bounds how far a snappy or LZ4 block can expand (both stay
// well below it), so that a length announced beyond it is refused before
// its buffer is allocated.
const maxBlockRatio = 256

// zstdEncoders are the shared encoders by level; EncodeAll is safe for
// concurrent use and starts no goroutines.
var zstdEncoders sync.Map // int -> *zstd.Encoder

func zstdEncoderAt(level int) (*zstd.Encoder, error) {
	if e, ok := zstdEncoders.Load(level); ok {
		return e.(*zstd.Encoder), nil
	}
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow))
	if err != nil {
		return nil, err
	}
	actual, _ := zstdEncoders.LoadOrStore(level, e)
	return actual.(*zstd.Encoder), nil
}

// compressWith returns data compressed by c.
func compressWith(c Compressor, data []byte, zstdLevel int) ([]byte, error) {
	switch c {
	case Snappy:
		return snappy.Encode(nil, data), nil
	case LZ4:
		dst := make([]byte, lz4.CompressBlockBound(len(data)))
		n, err := lz4.CompressBlock(data, dst, nil)
		if err != nil {
			return nil, err
		}
		if n == 0 && len(data) > 0 { // incompressible: one run of literals
			return lz4Literals(data), nil
		}
		return dst[:n], nil
	case Zstd:
		e, err := zstdEncoderAt(zstdLevel)
		if err != nil {
			return nil, err
		}
		return e.EncodeAll(data, nil), nil
	case Gzip, LZMA2:
		var buf bytes.Buffer
		var w io.WriteCloser
		if c == Gzip {
			w = gzip.NewWriter(&buf)
		} else {
			// A dictionary as large as the input is all LZMA2 can use,
			// and keeps what the receiver must allocate small.
			var err error
			if w, err = (xz.WriterConfig{DictCap: max(len(data), 1<<16)}).NewWriter(&buf); err != nil {
				return nil, err
			}
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("unknown compressor %d", c)
}

// lz4Literals is an LZ4 block holding data as literals only.
func lz4Literals(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/255+2)
	n := len(data)
	if n < 15 {
		out = append(out, byte(n<<4))
	} else {
		out = append(out, 0xf0)
		for n -= 15; n >= 255; n -= 255 {
			out = append(out, 255)
		}
		out = append(out, byte(n))
	}
	return append(out, data...)
}

// decompressWith returns what src decompresses to with c, which must be
// exactly size bytes. Memory follows the output produced (or, for the
// block formats, a size their ratio bounds), never the size announced.
func decompressWith(c Compressor, src []byte, size int) ([]byte, error) {
	switch c {
	case Snappy, LZ4:
		if size > maxBlockRatio*len(src)+64 {
			return nil, fmt.Errorf("%d bytes cannot decompress to the %d announced", len(src), size)
		}
		if c == Snappy {
			n, err := snappy.DecodedLen(src)
			if err != nil {
				return nil, err
			}
			if n != size {
				return nil, fmt.Errorf("block holds %d bytes, %d announced", n, size)
			}
			return snappy.Decode(make([]byte, size), src)
		}
		out := make([]byte, size)
		n, err := lz4.UncompressBlock(src, out)
		if err != nil {
			return nil, err
		}
		if n != size {
			return nil, fmt.Errorf("block holds %d bytes, %d announced", n, size)
		}
		return out, nil
	case Gzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return readExactly(r, size)
	case Zstd:
		// The window may be as large as the output (a single-segment
		// frame), or the next power of two above it.
		d, err := zstd.NewReader(struct{ io.Reader }{bytes.NewReader(src)}, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(uint64(max(2*size, zstdWindow))))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return readExactly(d, size)
	case LZMA2:
		dict, err := xzDict(src)
		if err != nil {
			return nil, err
		}
		if dict > int64(max(2*size, 8<<20)) {
			return nil, fmt.Errorf("the stream asks for a %d-byte dictionary to produce %d bytes", dict, size)
		}
		r, err := xz.ReaderConfig{DictCap: 4096, SingleStream: true}.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return readExactly(r, size)
	}
	return nil, fmt.Errorf("unknown compressor %d", c)
}

// readExactly reads r to its end, which must come after exactly size
// bytes; it reads at most one byte more.
func readExactly(r io.Reader, size int) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(min(size+1, 64<<10))
	n, err := io.Copy(&buf, io.LimitReader(r, int64(size)+1))
	if err != nil {
		return nil, err
	}
	if n > int64(size) {
		return nil, fmt.Errorf("holds more than the %d bytes announced", size)
	}
	if n < int64(size) {
		return nil, fmt.Errorf("holds %d bytes, %d announced", n, size)
	}
	return buf.Bytes(), nil
}

// xzDict is the LZMA2 dictionary size the first block of the xz stream
// src declares (0 for a stream without blocks): the decoder allocates it
// before reading any data, so it must be checked first.
func xzDict(src []byte) (int64, error) {
	const streamHeader = 12
	if len(src) < streamHeader+1 {
		return 0, errors.New("truncated xz stream")
	}
	b := src[streamHeader:]
	if b[0] == 0 { // the index: no block
		return 0, nil
	}
	size := (int(b[0]) + 1) * 4
	if len(b) < size {
		return 0, errors.New("truncated xz block header")
	}
	h := b[1:size]
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(h); i++ {
			v |= uint64(h[i]&0x7f) << (7 * i)
			if h[i]&0x80 == 0 {
				h = h[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	if len(h) < 1 {
		return 0, errors.New("truncated xz block header")
	}
	flags := h[0]
	h = h[1:]
	for _, bit := range []byte{0x40, 0x80} {
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return 0, errors.New("bad xz block header")
			}
		}
	}
	var dict int64
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(h)) {
			return 0, errors.New("bad xz filter flags")
		}
		props := h[:n]
		h = h[n:]
		if id != 0x21 {
			continue
		}
		if len(props) != 1 || props[0]&0x3f > 40 {
			return 0, errors.New("bad LZMA2 properties")
		}
		code := int64(props[0] & 0x3f)
		if code == 40 {
			dict = 1<<32 - 1
		} else {
			dict = (2 | code&1) << (code/2 + 11)
		}
	}
	return dict, nil
}
