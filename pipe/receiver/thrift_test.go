package receiver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/datanode/clientrpc"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// noBackend serves no TSIService call; only pipeTransfer is exercised.
type noBackend struct{}

func (noBackend) Login(context.Context, string, string) error { return nil }

func (noBackend) Run(context.Context, string, *time.Location, ast.Statement) (*model.Result, error) {
	return nil, status.Errorf(status.UnsupportedOperation, "not in this test")
}

// TestOverThrift serves Method through the DataNode's client RPC server on
// loopback and calls it with the generated client, framed binary, as a
// sink does.
func TestOverThrift(t *testing.T) {
	e := newEnv(t)
	srv := clientrpc.New(clientrpc.Config{
		Addr:         "127.0.0.1:0",
		ExtraMethods: map[string]thrift.TProcessorFunction{MethodName: e.r.Method()},
	}, noBackend{}, nil, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	cfg := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 10 * time.Second}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(srv.Addr().String(), cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	client := pipethrift.NewPipeTransferServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans)))
	ctx := context.Background()

	resp, err := client.PipeTransfer(ctx, request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake())))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp, status.Success, "")
	res, err := transfer.DecodeHandshakeResult(resp.Body)
	if err != nil || res.ClusterID != receiverCluster {
		t.Fatalf("handshake result %+v, %v", res, err)
	}

	body := transfer.EncodeTablets(transfer.Tablets{Token: res.Token, Tablets: []*model.Tablet{sampleTablet()}})
	resp, err = client.PipeTransfer(ctx, request(transfer.TypeTablets, body))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp, status.Success, "")
	if ins := e.target.takeInserts(); len(ins) != 1 || ins[0].origin != "cluster-a" || ins[0].tablets[0].Points() != 5 {
		t.Fatalf("inserts %+v, want one of 5 points from cluster-a", ins)
	}

	// A refusal is a status, and the connection stays usable after it.
	resp, err = client.PipeTransfer(ctx, request(transfer.TypeTablets, transfer.EncodeTablets(transfer.Tablets{Token: "stale"})))
	if err != nil {
		t.Fatal(err)
	}
	if !IsHandshakeRequired(resp.Status) {
		t.Fatalf("status %v, want handshake required", resp.Status)
	}
	resp, err = client.PipeTransfer(ctx, &pipethrift.TPipeTransferReq{Version: 9, Type: transfer.TypeHandshake})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp, status.PipeError, "version 9")
}

// transferClient is one framed-binary connection to srv.
func transferClient(t *testing.T, addr string) (*pipethrift.PipeTransferServiceClient, thrift.TTransport) {
	t.Helper()
	cfg := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 10 * time.Second}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(addr, cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	return pipethrift.NewPipeTransferServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans))), trans
}

// bigTablets is a transfer body of about 40 KB.
func bigTablets(token string) []byte {
	tb := &model.Tablet{Device: sampleTablet().Device, Measurements: []string{"s"}, Columns: []model.Column{model.NewColumn(model.Int64, 5000)}}
	for i := range 5000 {
		tb.Times = append(tb.Times, int64(i))
		tb.Columns[0].Append(int64(i) * 7919)
	}
	return transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: []*model.Tablet{tb}})
}

// TestTokenBinding: a handshake lifts the client port's pre-login limits
// for its connection only; its token works on that connection only and
// only while the user's password is unchanged.
func TestTokenBinding(t *testing.T) {
	e := newEnv(t)
	srv := clientrpc.New(clientrpc.Config{
		Addr: "127.0.0.1:0", PreLoginMaxFrameBytes: 8 << 10,
		ExtraMethods: map[string]thrift.TProcessorFunction{MethodName: e.r.Method()},
		OnDisconnect: e.r.ConnClosed,
	}, noBackend{}, nil, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()

	// Before any handshake a large transfer is refused and the connection
	// dropped.
	stranger, _ := transferClient(t, srv.Addr().String())
	if resp, err := stranger.PipeTransfer(ctx, request(transfer.TypeTablets, bigTablets("guess"))); err == nil && resp.Status.Code != int32(status.OversizeRecord) {
		t.Fatalf("a 40 KB transfer before the handshake got %v", resp.Status)
	}

	a, aConn := transferClient(t, srv.Addr().String())
	resp, err := a.PipeTransfer(ctx, request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake())))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp, status.Success, "")
	res, err := transfer.DecodeHandshakeResult(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = a.PipeTransfer(ctx, request(transfer.TypeTablets, bigTablets(res.Token)))
	if err != nil {
		t.Fatalf("a 40 KB transfer after the handshake: %v", err)
	}
	wantStatus(t, resp, status.Success, "")

	// The token copied to another connection (which handshook itself, so
	// its size limit is not what stops it) is refused.
	b, _ := transferClient(t, srv.Addr().String())
	if resp, err := b.PipeTransfer(ctx, request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake()))); err != nil || resp.Status.Code != int32(status.Success) {
		t.Fatalf("second handshake: %v %v", resp, err)
	}
	resp, err = b.PipeTransfer(ctx, request(transfer.TypeTablets, transfer.EncodeTablets(transfer.Tablets{Token: res.Token, Tablets: []*model.Tablet{sampleTablet()}})))
	if err != nil {
		t.Fatal(err)
	}
	if !IsHandshakeRequired(resp.Status) || !strings.Contains(resp.Status.GetMessage(), "another connection") {
		t.Fatalf("token on another connection: %v, want handshake required", resp.Status)
	}

	// A password change ends the token; so does dropping the user.
	for _, stamp := range []string{"v2", ""} {
		e.target.setStamp(stamp)
		resp, err = a.PipeTransfer(ctx, request(transfer.TypeTablets, transfer.EncodeTablets(transfer.Tablets{Token: res.Token, Tablets: []*model.Tablet{sampleTablet()}})))
		if err != nil {
			t.Fatal(err)
		}
		if !IsHandshakeRequired(resp.Status) || !strings.Contains(resp.Status.GetMessage(), "changed or dropped") {
			t.Fatalf("token after the user changed (stamp %q): %v, want handshake required", stamp, resp.Status)
		}
		e.target.setStamp("v2")
		resp, err = a.PipeTransfer(ctx, request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake())))
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, resp, status.Success, "")
		if res, err = transfer.DecodeHandshakeResult(resp.Body); err != nil {
			t.Fatal(err)
		}
	}

	// A closed connection takes its tokens with it; the other's stays.
	if n := e.r.sessions.len(); n != 2 {
		t.Fatalf("%d tokens before the close, want 2 (one per connection)", n)
	}
	_ = aConn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for e.r.sessions.len() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tokens after the connection closed, want 1", e.r.sessions.len())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
