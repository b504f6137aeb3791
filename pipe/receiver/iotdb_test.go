package receiver

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

const iotdbGoldenDir = "/work/shared/iotdb-golden/pipe"

func iotdbGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(iotdbGoldenDir, name+".body.bin"))
	if os.IsNotExist(err) {
		t.Skipf("golden file %s not present", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// iotdbParams encodes a V2 handshake body.
func iotdbParams(kv ...string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(kv)/2))
	for _, s := range kv {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func iotdbString(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

func TestIoTDBHandshakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  int16
		body []byte
		code status.Code
		msg  string
	}{
		{"golden v1", iotdbwire.TypeHandshakeV1, nil, status.Success, ""},
		{"golden v2", iotdbwire.TypeHandshakeV2, nil, status.Success, ""},
		{"v1 precision", iotdbwire.TypeHandshakeV1, iotdbString("us"), CodeIoTDBHandshakeError, "timestamp precision us"},
		{"v2 precision", iotdbwire.TypeHandshakeV2, iotdbParams("clusterID", "a", "timestampPrecision", "ns"), CodeIoTDBHandshakeError, "timestamp precision ns"},
		{"v2 no cluster", iotdbwire.TypeHandshakeV2, iotdbParams("timestampPrecision", "ms"), CodeIoTDBHandshakeError, "clusterId"},
		{"v2 same cluster", iotdbwire.TypeHandshakeV2, iotdbParams("clusterID", receiverCluster, "timestampPrecision", "ms"), CodeIoTDBHandshakeError, "same cluster"},
		{"v2 no precision", iotdbwire.TypeHandshakeV2, iotdbParams("clusterID", "a"), CodeIoTDBHandshakeError, "timestampPrecision"},
		{"v2 wrong password", iotdbwire.TypeHandshakeV2, iotdbParams("clusterID", "a", "timestampPrecision", "ms", "username", "root", "password", "nope"), status.WrongLoginPassword, ""},
		{"v2 credentials", iotdbwire.TypeHandshakeV2, iotdbParams("clusterID", "a", "timestampPrecision", "ms", "username", "root", "password", "root"), status.Success, ""},
		{"v2 corrupt", iotdbwire.TypeHandshakeV2, []byte{0, 0, 0, 9}, CodeIoTDBHandshakeError, "corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			body := tc.body
			if body == nil {
				name := "handshake_v1"
				if tc.typ == iotdbwire.TypeHandshakeV2 {
					name = "handshake_v2"
				}
				body = iotdbGolden(t, name)
			}
			wantStatus(t, e.r.Handle(context.Background(), request(tc.typ, body)), tc.code, tc.msg)
		})
	}
}

// TestIoTDBDefaultPasswordChanged: a sender naming no user logs in as
// IoTDB's default root/root, which fails once root's password changed.
func TestIoTDBDefaultPasswordChanged(t *testing.T) {
	e := newEnv(t)
	e.r = New(&strictTarget{e.target}, nil, nil, nil)
	wantStatus(t, e.r.Handle(context.Background(), request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.WrongLoginPassword, "")
	wantStatus(t, e.r.Handle(context.Background(), request(iotdbwire.TypeTabletRaw, iotdbGolden(t, "tablet_raw_aligned"))), CodeIoTDBHandshakeError, HandshakeRequiredPrefix)
}

// strictTarget refuses root/root, as a server whose root password was
// changed does.
type strictTarget struct{ *fakeTarget }

func (s *strictTarget) Login(ctx context.Context, user, password string) error {
	if password == "root" {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s", user)
	}
	return s.fakeTarget.Login(ctx, user, password)
}

func TestIoTDBGoldenRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     int16
		tablets int
	}{
		{"tablet_raw_nonaligned", iotdbwire.TypeTabletRaw, 1},
		{"tablet_raw_aligned", iotdbwire.TypeTabletRaw, 1},
		{"tablet_binary", iotdbwire.TypeTabletBinary, 1},
		{"tablet_insert_node", iotdbwire.TypeTabletInsertNode, 1},
		{"tablet_batch", iotdbwire.TypeTabletBatch, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			body := iotdbGolden(t, tc.name)
			// Before a handshake: refused, nothing written.
			if tc.typ != iotdbwire.TypeTabletInsertNode {
				wantStatus(t, e.r.Handle(ctx, request(tc.typ, body)), CodeIoTDBHandshakeError, HandshakeRequiredPrefix)
			}
			wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV2, iotdbGolden(t, "handshake_v2"))), status.Success, "")
			wantStatus(t, e.r.Handle(ctx, request(tc.typ, body)), status.Success, "")
			calls := e.target.takeInserts()
			if len(calls) != 1 || len(calls[0].tablets) != tc.tablets {
				t.Fatalf("inserts %+v, want one of %d tablets", calls, tc.tablets)
			}
			if calls[0].origin != "00000000-0000-0000-0000-000000000001" {
				t.Fatalf("origin %q", calls[0].origin)
			}
			if got := calls[0].tablets[0].Points(); got != 22 {
				t.Fatalf("%d points, want 22", got)
			}
			if len(e.target.authUsers) != 1 || e.target.authUsers[0] != "root" {
				t.Fatalf("authorized %v", e.target.authUsers)
			}
			// A refused privilege writes nothing.
			e.target.authErr = status.Errorf(status.NoPermission, "no WRITE_DATA")
			wantStatus(t, e.r.Handle(ctx, request(tc.typ, body)), status.NoPermission, "")
			if calls := e.target.takeInserts(); len(calls) != 0 {
				t.Fatalf("wrote %d batches without the privilege", len(calls))
			}
			// A changed password ends the connection's handshake.
			e.target.authErr = nil
			e.target.setStamp("v2")
			wantStatus(t, e.r.Handle(ctx, request(tc.typ, body)), CodeIoTDBHandshakeError, "changed or dropped")
			// Corrupt and truncated bodies are refused with 303.
			e.target.setStamp("v1")
			wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
			wantStatus(t, e.r.Handle(ctx, request(tc.typ, body[:len(body)-1])), status.IllegalParameter, "corrupt")
		})
	}
}

// TestIoTDBAndSluiceOnOneReceiver: Sluice's own handshake and tablets
// still work, and type 2 means Sluice's tablets on a connection that did
// not handshake as IoTDB.
func TestIoTDBAndSluiceOnOneReceiver(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token := e.handshake(t)
	body := transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: nil})
	wantStatus(t, e.r.Handle(ctx, request(transfer.TypeTablets, body)), status.Success, "")
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTabletInsertNode, iotdbGolden(t, "tablet_insert_node"))), CodeHandshakeRequired, HandshakeRequiredPrefix)
	// Schema and configuration sync is refused, handshaken or not.
	for _, typ := range []int16{0, 50, 100, 202} {
		wantStatus(t, e.r.Handle(ctx, request(typ, nil)), CodeIoTDBPipeTypeError, "data only")
	}
	// TsFile transfers need an IoTDB handshake too.
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, nil)), CodeIoTDBHandshakeError, HandshakeRequiredPrefix)
}

func TestIoTDBOversizeBody(t *testing.T) {
	e := newEnv(t)
	e.r = New(e.target, nil, nil, nil, WithMaxPayloadBytes(100))
	ctx := context.Background()
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTabletRaw, iotdbGolden(t, "tablet_raw_aligned"))), status.IllegalParameter, "limit of 100 bytes")
}

// TestIoTDBThenSluiceHandshake: a Sluice handshake on a connection that
// spoke IoTDB's protocol makes type 2 Sluice's tablets again.
func TestIoTDBThenSluiceHandshake(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTabletInsertNode, iotdbGolden(t, "tablet_insert_node"))), status.Success, "")
	token := e.handshake(t)
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTabletInsertNode, iotdbGolden(t, "tablet_insert_node"))), CodeHandshakeRequired, HandshakeRequiredPrefix)
	wantStatus(t, e.r.Handle(ctx, request(transfer.TypeTablets, transfer.EncodeTablets(transfer.Tablets{Token: token}))), status.Success, "")
}

func TestIoTDBConnClosedForgetsSender(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
	e.r.ConnClosed(0)
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTabletRaw, iotdbGolden(t, "tablet_raw_aligned"))), CodeIoTDBHandshakeError, HandshakeRequiredPrefix)
}

// TestIoTDBGoldenThriftStructs: the golden requests' whole structs, in
// Thrift's binary and compact protocols, carry version 1, IoTDB's type and
// the body the decoders read.
func TestIoTDBGoldenThriftStructs(t *testing.T) {
	types := map[string]int16{
		"handshake_v1":          iotdbwire.TypeHandshakeV1,
		"handshake_v2":          iotdbwire.TypeHandshakeV2,
		"tablet_raw_nonaligned": iotdbwire.TypeTabletRaw,
		"tablet_raw_aligned":    iotdbwire.TypeTabletRaw,
		"tablet_binary":         iotdbwire.TypeTabletBinary,
		"tablet_insert_node":    iotdbwire.TypeTabletInsertNode,
		"tablet_batch":          iotdbwire.TypeTabletBatch,
	}
	for name, typ := range types {
		body := iotdbGolden(t, name)
		for _, enc := range []string{"tbinary", "tcompact"} {
			raw, err := os.ReadFile(filepath.Join(iotdbGoldenDir, name+"."+enc+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			buf := thrift.NewTMemoryBuffer()
			if _, err := buf.Write(raw); err != nil {
				t.Fatal(err)
			}
			var p thrift.TProtocol = thrift.NewTBinaryProtocolConf(buf, nil)
			if enc == "tcompact" {
				p = thrift.NewTCompactProtocolConf(buf, nil)
			}
			var req pipethrift.TPipeTransferReq
			if err := req.Read(context.Background(), p); err != nil {
				t.Fatalf("%s.%s: %v", name, enc, err)
			}
			if req.Version != transfer.Version || req.Type != typ || !bytes.Equal(req.Body, body) {
				t.Fatalf("%s.%s: version %d type %d body of %d bytes; want %d %d %d", name, enc, req.Version, req.Type, len(req.Body), transfer.Version, typ, len(body))
			}
		}
	}
}

// TestIoTDBCompressed: an IoTDB sender with sink.compressor set wraps its
// tablet requests in a compressed request, which is served on a
// connection that handshook as IoTDB.
func TestIoTDBCompressed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cs, err := transfer.ParseCompressors("zstd")
	if err != nil {
		t.Fatal(err)
	}
	body, err := transfer.EncodeCompressed(transfer.Version, iotdbwire.TypeTabletBinary, iotdbGolden(t, "tablet_binary"), cs, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.r.Handle(ctx, request(transfer.TypeCompressed, body)), CodeHandshakeRequired, HandshakeRequiredPrefix)
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
	wantStatus(t, e.r.Handle(ctx, request(transfer.TypeCompressed, body)), status.Success, "")
	if calls := e.target.takeInserts(); len(calls) != 1 || calls[0].origin != IoTDBV1Origin {
		t.Fatalf("inserts %+v, want one from %s", calls, IoTDBV1Origin)
	}
}
