package receiver

import (
	"context"
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
