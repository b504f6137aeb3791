package transfer

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Compression of a Tablets payload, the body's first byte.
const (
	compressNone byte = 0
	compressZstd byte = 1
)

// The coder pair is shared: EncodeAll and DecodeAll are safe for
// concurrent use and start no goroutines. They are built on first use so
// that importing the package costs nothing.
var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(fmt.Sprintf("BUG: zstd encoder options refused: %v", err))
		}
		return e
	})
	zstdDecoder = sync.OnceValue(func() *zstd.Decoder { return newZstdDecoder(MaxPayloadBytes) })
)

// newZstdDecoder returns a decoder that refuses to produce more than limit
// bytes from one input.
func newZstdDecoder(limit uint64) *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(limit))
	if err != nil {
		panic(fmt.Sprintf("BUG: zstd decoder options refused: %v", err))
	}
	return d
}

// compress appends the zstd frame of src to dst.
func compress(dst, src []byte) []byte { return zstdEncoder().EncodeAll(src, dst) }

// decompress returns the content of zstd frames, refusing more than
// MaxPayloadBytes of it.
func decompress(src []byte) ([]byte, error) { return decompressWith(zstdDecoder(), src) }

func decompressWith(d *zstd.Decoder, src []byte) ([]byte, error) {
	out, err := d.DecodeAll(src, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: zstd payload: %v", ErrCorrupt, err)
	}
	return out, nil
}
