package pipethrift

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
)

type thriftStruct interface {
	Write(context.Context, thrift.TProtocol) error
	Read(context.Context, thrift.TProtocol) error
}

func encode(t *testing.T, s thriftStruct) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	if err := s.Write(context.Background(), thrift.NewTBinaryProtocolConf(buf, nil)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, b []byte, s thriftStruct) {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	buf.Buffer = bytes.NewBuffer(b)
	if err := s.Read(context.Background(), thrift.NewTBinaryProtocolConf(buf, nil)); err != nil {
		t.Fatal(err)
	}
}

// TestTSStatusMatchesIoTDB checks that our TSStatus is the bytes of the
// one IoTDB clients speak, both ways.
func TestTSStatusMatchesIoTDB(t *testing.T) {
	msg, sub := "boom", "sub"
	ours := &TSStatus{
		Code:         1107,
		Message:      &msg,
		SubStatus:    []*TSStatus{{Code: 200}, {Code: 508, Message: &sub}},
		RedirectNode: &TEndPoint{IP: "10.0.0.1", Port: 6667},
	}
	theirs := &rpc.TSStatus{
		Code:         1107,
		Message:      &msg,
		SubStatus:    []*rpc.TSStatus{{Code: 200}, {Code: 508, Message: &sub}},
		RedirectNode: &rpc.EndPoint{IP: "10.0.0.1", Port: 6667},
	}
	a, b := encode(t, ours), encode(t, theirs)
	if !bytes.Equal(a, b) {
		t.Fatalf("encodings differ\nours:   %x\nIoTDB:  %x", a, b)
	}
	var back TSStatus
	decode(t, b, &back)
	if !back.Equals(ours) {
		t.Fatalf("decoded %v, want %v", &back, ours)
	}
}

func TestRoundTrip(t *testing.T) {
	req := &TPipeTransferReq{Version: 1, Type: 2, Body: []byte{0, 1, 2, 255}}
	var gotReq TPipeTransferReq
	decode(t, encode(t, req), &gotReq)
	if !gotReq.Equals(req) {
		t.Fatalf("got %v, want %v", &gotReq, req)
	}
	msg := "ok"
	resp := &TPipeTransferResp{Status: &TSStatus{Code: 200, Message: &msg}, Body: []byte("x")}
	var gotResp TPipeTransferResp
	decode(t, encode(t, resp), &gotResp)
	if !gotResp.Equals(resp) {
		t.Fatalf("got %v, want %v", &gotResp, resp)
	}
}

type nopHandler struct{}

func (nopHandler) PipeTransfer(context.Context, *TPipeTransferReq) (*TPipeTransferResp, error) {
	return &TPipeTransferResp{Status: &TSStatus{Code: 200}}, nil
}

// TestMethodName pins the name that travels on the wire: IoTDB senders
// and the DataNode's processor map both key on it.
func TestMethodName(t *testing.T) {
	p := NewPipeTransferServiceProcessor(nopHandler{})
	if _, ok := p.GetProcessorFunction("pipeTransfer"); !ok || len(p.ProcessorMap()) != 1 {
		t.Fatalf("processor map %v, want exactly pipeTransfer", p.ProcessorMap())
	}
}
