package receiver

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
)

// compressedReq wraps a request as IoTDB's compressed request.
func compressedReq(t *testing.T, typ int16, body []byte, cs ...transfer.Compressor) []byte {
	t.Helper()
	b, err := transfer.EncodeCompressed(transfer.Version, typ, body, cs, transfer.DefaultZstdLevel)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompressedRequests: a handshake and tablets sent compressed with
// each compressor are served as if sent plain.
func TestCompressedRequests(t *testing.T) {
	for _, name := range transfer.Compressors() {
		t.Run(name, func(t *testing.T) {
			cs, err := transfer.ParseCompressors(name)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			// Compressed requests need a handshake on the connection
			// first; a compressed handshake then renews it.
			resp := e.r.Handle(context.Background(), request(transfer.TypeCompressed,
				compressedReq(t, transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake()), cs...)))
			wantStatus(t, resp, CodeHandshakeRequired, HandshakeRequiredPrefix)
			e.handshake(t)
			resp = e.r.Handle(context.Background(), request(transfer.TypeCompressed,
				compressedReq(t, transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake()), cs...)))
			wantStatus(t, resp, status.Success, "")
			res, err := transfer.DecodeHandshakeResult(resp.GetBody())
			if err != nil {
				t.Fatal(err)
			}
			body := transfer.EncodeTabletsUncompressed(transfer.Tablets{Token: res.Token, Tablets: []*model.Tablet{sampleTablet()}})
			resp = e.r.Handle(context.Background(), request(transfer.TypeCompressed, compressedReq(t, transfer.TypeTablets, body, cs...)))
			wantStatus(t, resp, status.Success, "")
			if got := e.target.takeInserts(); len(got) != 1 || got[0].tablets[0].Rows() != sampleTablet().Rows() {
				t.Fatalf("inserts %+v", got)
			}
		})
	}
}

func TestCompressedRefused(t *testing.T) {
	e := newEnv(t)
	const limit = 64 << 10
	e.r = New(e.target, nil, nil, nil, WithMaxPayloadBytes(limit))
	tok := e.handshake(t)
	big := &model.Tablet{Device: model.Path{"root", "db", "d"}, Measurements: []string{"t"}, Columns: []model.Column{model.NewColumn(model.Text, 100)}}
	for i := range 100 {
		big.Times = append(big.Times, int64(i))
		big.Columns[0].Append(strings.Repeat("x", 1<<10))
	}
	body := compressedReq(t, transfer.TypeTablets, transfer.EncodeTabletsUncompressed(transfer.Tablets{Token: tok, Tablets: []*model.Tablet{big}}), transfer.Zstd)
	resp := e.r.Handle(context.Background(), request(transfer.TypeCompressed, body))
	wantStatus(t, resp, status.IllegalParameter, "over the limit of 65536 bytes (pipe_receiver_max_decompressed_bytes)")

	lying := compressedReq(t, transfer.TypeTablets, transfer.EncodeTabletsUncompressed(transfer.Tablets{Token: tok, Tablets: []*model.Tablet{sampleTablet()}}), transfer.Gzip)
	binary.BigEndian.PutUint32(lying[2:6], limit)
	resp = e.r.Handle(context.Background(), request(transfer.TypeCompressed, lying))
	wantStatus(t, resp, status.IllegalParameter, "corrupt")

	nested := compressedReq(t, transfer.TypeCompressed, compressedReq(t, transfer.TypeTablets, []byte{0}, transfer.Snappy), transfer.Snappy)
	resp = e.r.Handle(context.Background(), request(transfer.TypeCompressed, nested))
	wantStatus(t, resp, status.IllegalParameter, "compressed request inside")

	oldVersion, err := transfer.EncodeCompressed(transfer.Version+1, transfer.TypeTablets, []byte{0}, []transfer.Compressor{transfer.LZ4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp = e.r.Handle(context.Background(), request(transfer.TypeCompressed, oldVersion))
	wantStatus(t, resp, status.PipeError, "unsupported pipe transfer version")
	if got := e.target.takeInserts(); len(got) != 0 {
		t.Fatalf("%d inserts of refused transfers", len(got))
	}
}
