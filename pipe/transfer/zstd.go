package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Compression of a Tablets payload, the body's first byte.
const (
	compressNone byte = 0
	// compressZstd is a zstd payload of unannounced size, as the first
	// senders wrote it; still read, no longer written.
	compressZstd byte = 1
	// compressZstdSized is a zstd payload preceded by its decompressed
	// size, which a receiver checks against its limit before decoding.
	compressZstdSized byte = 2
)

// zstdWindow is the encoder's window, and the largest window the decoder
// accepts: a frame asking for more is refused before its history buffer
// is allocated.
const zstdWindow = 8 << 20

// maxChunk is the largest piece in which decompressed output is
// gathered: memory follows the bytes actually produced, not the size
// announced, and output past the limit costs at most one more piece.
const maxChunk = 4 << 20

// The encoder is shared: EncodeAll is safe for concurrent use and starts
// no goroutines. It is built on first use so that importing the package
// costs nothing.
var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow))
	if err != nil {
		panic(fmt.Sprintf("BUG: zstd encoder options refused: %v", err))
	}
	return e
})

// zstdDecoders are streaming decoders that decode synchronously
// (concurrency 1: no goroutines) with a bounded window.
var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(zstdWindow))
	if err != nil {
		panic(fmt.Sprintf("BUG: zstd decoder options refused: %v", err))
	}
	return d
}}

// compress appends the zstd frame of src to dst.
func compress(dst, src []byte) []byte { return zstdEncoder().EncodeAll(src, dst) }

// decompress returns the content of the zstd frames in src. It gathers
// the output in pieces, stops once it has more than max bytes (ErrTooLarge)
// and only then joins the pieces, so that a bomb costs at most about max
// bytes however much it expands, and a payload no more than twice itself.
// announced is the size the body announced (-1 for none); more or less
// output than announced is ErrCorrupt.
func decompress(src []byte, announced, max int) ([]byte, error) {
	stop := max
	if announced >= 0 {
		stop = min(announced, max)
	}
	d := zstdDecoders.Get().(*zstd.Decoder)
	defer func() {
		_ = d.Reset(nil) // drops the reference to src; always nil
		zstdDecoders.Put(d)
	}()
	// A plain io.Reader, not the bytes.Buffer the decoder would decode in
	// one go into a buffer of the frame's declared size.
	if err := d.Reset(struct{ io.Reader }{bytes.NewReader(src)}); err != nil {
		return nil, fmt.Errorf("%w: zstd payload: %v", ErrCorrupt, err)
	}
	var pieces [][]byte
	total, size := 0, 64<<10
	for total <= stop {
		p := make([]byte, min(size, stop+1-total))
		n, err := io.ReadFull(d, p)
		if n > 0 {
			pieces = append(pieces, p[:n])
			total += n
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: zstd payload: %v", ErrCorrupt, err)
		}
		size = min(2*size, maxChunk)
	}
	switch {
	case total > stop && stop == max:
		return nil, fmt.Errorf("%w: the payload decompresses to more than the limit of %d bytes", ErrTooLarge, max)
	case announced >= 0 && total != announced:
		return nil, fmt.Errorf("%w: the payload announced %d decompressed bytes but holds more or fewer", ErrCorrupt, announced)
	case len(pieces) == 1:
		return pieces[0], nil
	}
	return bytes.Join(pieces, nil), nil
}
