package clientrpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
)

// wholeRequest is a request holding one binary field of the announced
// length followed by body.
func wholeRequest(announced int32, body []byte) wholeBinary {
	msg := binary.BigEndian.AppendUint32(nil, uint32(announced))
	in := thrift.NewTMemoryBuffer()
	in.Buffer = bytes.NewBuffer(append(msg, body...))
	return wholeBinary{TProtocol: thrift.NewTBinaryProtocolConf(in, &thrift.TConfiguration{}), in: in}
}

// TestWholeBinaryExactSlice: a binary field is read with its bytes into
// one allocation (Thrift's reader grows a buffer, allocating again at
// each doubling), and the bytes after it stay unread.
func TestWholeBinaryExactSlice(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 100_001) // 1,000,010 bytes
	p := wholeRequest(int32(len(body)-3), body)
	got, err := p.ReadBinary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body[:len(body)-3]) {
		t.Fatalf("read %d bytes, not the field's %d", len(got), len(body)-3)
	}
	if p.in.Len() != 3 {
		t.Errorf("%d bytes left after the field, want 3", p.in.Len())
	}
	reqs := make([]wholeBinary, 11) // AllocsPerRun calls once more than asked
	for i := range reqs {
		reqs[i] = wholeRequest(int32(len(body)), body)
	}
	next := 0
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := reqs[next].ReadBinary(context.Background()); err != nil {
			t.Fatal(err)
		}
		next++
	})
	if allocs != 1 {
		t.Errorf("reading a field of %d bytes took %.0f allocations, want 1", len(body), allocs)
	}
}

// TestWholeBinaryBadLengths: a negative length and one past the end of
// the request are protocol errors saying so; an empty field is an empty
// slice, as Thrift's reader returns.
func TestWholeBinaryBadLengths(t *testing.T) {
	for _, tc := range []struct {
		announced int32
		kind      int
	}{{-1, thrift.NEGATIVE_SIZE}, {11, thrift.SIZE_LIMIT}, {1 << 30, thrift.SIZE_LIMIT}} {
		_, err := wholeRequest(tc.announced, []byte("0123456789")).ReadBinary(context.Background())
		pe, ok := err.(thrift.TProtocolException)
		if !ok || pe.TypeId() != tc.kind {
			t.Errorf("length %d: err %v, want a protocol exception of type %d", tc.announced, err, tc.kind)
		}
	}
	got, err := wholeRequest(0, []byte("x")).ReadBinary(context.Background())
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty field: %#v, %v; want an empty slice, nil", got, err)
	}
}
