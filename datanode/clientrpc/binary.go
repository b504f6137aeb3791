package clientrpc

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/thrift/lib/go/thrift"
)

// wholeBinary is the binary protocol over a request that is whole in
// memory (a frame already read), reading each binary field into a slice
// of exactly its length. Thrift's own reader copies into a buffer grown
// by doubling, because over a stream it cannot trust the announced
// length; here the bytes left in the request bound it, so one allocation
// of that length is safe. A pipe transfer's body is a megabyte or more,
// and the growing (clearing fresh memory, copying) was a fifth of a pipe
// receiver's CPU.
type wholeBinary struct {
	thrift.TProtocol
	in *thrift.TMemoryBuffer
}

// ReadBinary reads a length-prefixed binary field. A negative length, or
// one past the end of the request, is a protocol error naming it; an
// empty field is an empty slice, not nil, as with Thrift's reader (an
// optional field's IsSet tells them apart).
func (p wholeBinary) ReadBinary(ctx context.Context) ([]byte, error) {
	size, err := p.ReadI32(ctx)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, thrift.NewTProtocolExceptionWithType(thrift.NEGATIVE_SIZE, fmt.Errorf("binary field of negative length %d", size))
	}
	if int(size) > p.in.Len() {
		return nil, thrift.NewTProtocolExceptionWithType(thrift.SIZE_LIMIT, fmt.Errorf("binary field of %d bytes, %d left in the request", size, p.in.Len()))
	}
	if size == 0 {
		return []byte{}, nil
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(p.in, buf); err != nil {
		return nil, thrift.NewTProtocolException(err)
	}
	return buf, nil
}
