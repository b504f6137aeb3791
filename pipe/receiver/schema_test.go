package receiver

import (
	"context"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
)

func TestHandleSchema(t *testing.T) {
	series := []model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64, Encoding: model.TS2Diff,
		Compressor: model.LZ4, Alias: "a", Tags: map[string]string{"k": "v"}}}
	e := newEnv(t)
	token := e.handshake(t)
	ctx := context.Background()

	resp := e.r.Handle(ctx, request(transfer.TypeSchema, transfer.EncodeSchema(transfer.Schema{Token: token, Series: series})))
	wantStatus(t, resp, status.Success, "")
	want := []schemaCall{{user: "root", origin: "cluster-a", series: series}}
	if !reflect.DeepEqual(e.target.schema, want) {
		t.Errorf("ApplySchema calls = %+v, want %+v", e.target.schema, want)
	}

	resp = e.r.Handle(ctx, request(transfer.TypeSchema, transfer.EncodeSchema(transfer.Schema{Token: "stale", Series: series})))
	wantStatus(t, resp, CodeHandshakeRequired, HandshakeRequiredPrefix)
	resp = e.r.Handle(ctx, request(transfer.TypeSchema, append(transfer.EncodeSchema(transfer.Schema{Token: token}), 7)))
	wantStatus(t, resp, status.IllegalParameter, "pipe schema: corrupt pipe transfer body")
	if len(e.target.schema) != 1 {
		t.Errorf("%d ApplySchema calls after refused requests, want 1", len(e.target.schema))
	}
}

// TestHandleSchemaShortSeries: a full batch of the shortest series a
// sender makes decodes within the receiver's expansion bound.
func TestHandleSchemaShortSeries(t *testing.T) {
	e := newEnv(t)
	token := e.handshake(t)
	series := make([]model.Series, 1024)
	for i := range series {
		series[i] = model.Series{Path: model.Path{"root", "a", "b", "c"}, Type: model.Boolean, Tags: map[string]string{"k": "v"}}
	}
	resp := e.r.Handle(context.Background(), request(transfer.TypeSchema, transfer.EncodeSchema(transfer.Schema{Token: token, Series: series})))
	wantStatus(t, resp, status.Success, "")
}
