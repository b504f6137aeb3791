package sink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
)

// fakeIoTDB answers pipeTransfer as an IoTDB 1.3 DataNode does at the
// protocol level: a body its V1 handshake cannot read gets 1107 with the
// message of IoTDB's catch-all, handshakes are checked for the timestamp
// precision, and data requests are decoded with iotdbwire and answered
// with the next scripted status (success when none is left).
type fakeIoTDB struct {
	precision string // "ms" when empty
	noV2      bool   // a receiver that predates the V2 handshake
	// escape answers an unreadable V1 handshake with Thrift's
	// internal-error exception, as the first IoTDB 1.3 releases do.
	escape bool

	mu         sync.Mutex
	types      []int16 // every request's type, in order
	compressed int     // compressed requests among them
	params     map[string]string
	tablets    []*model.Tablet
	answers    []*pipethrift.TSStatus // for data requests, consumed in order
}

func (f *fakeIoTDB) answer(code int32, msg string) *pipethrift.TPipeTransferResp {
	return &pipethrift.TPipeTransferResp{Status: &pipethrift.TSStatus{Code: code, Message: &msg}}
}

func (f *fakeIoTDB) PipeTransfer(_ context.Context, req *pipethrift.TPipeTransferReq) (*pipethrift.TPipeTransferResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.types = append(f.types, req.Type)
	own := f.precision
	if own == "" {
		own = "ms"
	}
	checkPrecision := func(p string) *pipethrift.TPipeTransferResp {
		if p != own {
			return f.answer(1802, fmt.Sprintf("IoTDB receiver's timestamp precision %s, connector's timestamp precision %s. Validation fails.", own, p))
		}
		return f.answer(200, "")
	}
	switch req.Type {
	case iotdbwire.TypeHandshakeV1:
		p, err := iotdbwire.DecodeHandshakeV1(req.Body)
		if err != nil && f.escape {
			return nil, thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "Internal error processing pipeTransfer")
		}
		if err != nil {
			return f.answer(1107, fmt.Sprintf("Exception null encountered while handling request %v.", req)), nil
		}
		return checkPrecision(p), nil
	case iotdbwire.TypeHandshakeV2:
		if f.noV2 {
			break
		}
		params, err := iotdbwire.DecodeHandshakeV2(req.Body)
		if err != nil {
			return f.answer(1107, err.Error()), nil
		}
		f.params = params
		return checkPrecision(params[iotdbwire.KeyTimestampPrecision]), nil
	case transfer.TypeCompressed:
		f.compressed++
		_, typ, inner, err := transfer.DecodeCompressed(req.Body, 1<<20)
		if err != nil || (typ != iotdbwire.TypeTabletRaw && typ != iotdbwire.TypeTabletBatch) {
			return f.answer(1107, fmt.Sprintf("compressed request of type %d: %v", typ, err)), nil
		}
		return f.data(typ, inner), nil
	case iotdbwire.TypeTabletRaw, iotdbwire.TypeTabletBatch:
		return f.data(req.Type, req.Body), nil
	}
	return f.answer(1801, fmt.Sprintf("Unknown PipeRequestType %d.", req.Type)), nil
}

// data decodes and stores a data request, or answers it with the next
// scripted status.
func (f *fakeIoTDB) data(typ int16, body []byte) *pipethrift.TPipeTransferResp {
	tablets, err := iotdbwire.Decode(typ, body, 1<<20)
	if err != nil {
		return f.answer(1107, err.Error())
	}
	if len(f.answers) > 0 {
		st := f.answers[0]
		f.answers = f.answers[1:]
		if st.Code != 200 {
			return &pipethrift.TPipeTransferResp{Status: st}
		}
	}
	f.tablets = append(f.tablets, tablets...)
	return f.answer(200, "")
}

func (f *fakeIoTDB) script(codes ...int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range codes {
		msg := fmt.Sprintf("scripted %d", c)
		f.answers = append(f.answers, &pipethrift.TSStatus{Code: c, Message: &msg})
	}
}

func (f *fakeIoTDB) seen() (types []int16, tablets []*model.Tablet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.types), slices.Clone(f.tablets)
}

func startIoTDB(t *testing.T, f *fakeIoTDB) *thriftServer {
	t.Helper()
	return serveThrift(t, pipethrift.NewPipeTransferServiceProcessor(f))
}

// TestIoTDBSinkDetectsAndSends: Sluice's handshake first, IoTDB's V2 once
// the answer shows an IoTDB receiver, then one tablet as a raw tablet and
// several as a batch, every value arriving; a new connection to the same
// target goes straight to IoTDB's handshake.
func TestIoTDBSinkDetectsAndSends(t *testing.T) {
	for _, plugin := range []string{PluginThriftSync, PluginThrift} {
		t.Run(plugin, func(t *testing.T) {
			f := &fakeIoTDB{}
			srv := startIoTDB(t, f)
			attrs := thriftAttrs(plugin, srv.addr())
			attrs["sink.user"], attrs["sink.password"] = "writer", "secret"
			cfg := testConfig
			cfg.MaxClients = 1
			s := newTestSink(t, attrs, cfg)
			one := testBatch(7)
			rich := richBatch()
			for _, b := range []*pipe.Batch{one, rich} {
				if err := s.Transfer(t.Context(), b); err != nil {
					t.Fatal(err)
				}
			}
			types, got := f.seen()
			want := []int16{1, iotdbwire.TypeHandshakeV2, iotdbwire.TypeTabletRaw, iotdbwire.TypeTabletBatch}
			if !slices.Equal(types, want) {
				t.Fatalf("request types %v, want %v", types, want)
			}
			sent := append(slices.Clone(one.Tablets), rich.Tablets...)
			if len(got) != len(sent) {
				t.Fatalf("%d tablets arrived, want %d", len(got), len(sent))
			}
			for i := range sent {
				if err := sameTablet(got[i], sent[i]); err != nil {
					t.Fatalf("tablet %d: %v", i, err)
				}
			}
			f.mu.Lock()
			params := f.params
			f.mu.Unlock()
			if params[iotdbwire.KeyClusterID] != senderCluster || params[iotdbwire.KeyUsername] != "writer" ||
				params[iotdbwire.KeyPassword] != "secret" || params[iotdbwire.KeyTimestampPrecision] != "ms" {
				t.Fatalf("V2 handshake parameters %v", params)
			}
			if s.TargetClusterID() != "" {
				t.Fatalf("TargetClusterID = %q: an IoTDB receiver tells none", s.TargetClusterID())
			}

			srv.kill() // the next transfer needs a new connection
			if err := s.Transfer(t.Context(), testBatch(8)); err != nil {
				t.Fatal(err)
			}
			types, _ = f.seen()
			if rest := types[len(want):]; !slices.Equal(rest, []int16{iotdbwire.TypeHandshakeV2, iotdbwire.TypeTabletRaw}) {
				t.Fatalf("after reconnecting: %v, want IoTDB's handshake straight away", rest)
			}
		})
	}
}

// TestIoTDBSinkFallsBackToV1: an early IoTDB 1.3, whose receiver answers
// Sluice's handshake with Thrift's internal-error exception and knows no
// V2 handshake, gets V1 on the same connection.
func TestIoTDBSinkFallsBackToV1(t *testing.T) {
	f := &fakeIoTDB{noV2: true, escape: true}
	srv := startIoTDB(t, f)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	types, got := f.seen()
	want := []int16{1, iotdbwire.TypeHandshakeV2, iotdbwire.TypeHandshakeV1, iotdbwire.TypeTabletRaw}
	if !slices.Equal(types, want) || len(got) != 1 {
		t.Fatalf("request types %v with %d tablets, want %v with 1", types, len(got), want)
	}
}

// TestIoTDBSinkPrecision: a receiver keeping microseconds or nanoseconds
// refuses the millisecond handshake naming its precision; the sink
// handshakes again with it and converts timestamps.
func TestIoTDBSinkPrecision(t *testing.T) {
	for _, tc := range []struct {
		precision string
		scale     int64
	}{{"us", 1_000}, {"ns", 1_000_000}} {
		t.Run(tc.precision, func(t *testing.T) {
			f := &fakeIoTDB{precision: tc.precision}
			srv := startIoTDB(t, f)
			s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
			b := richBatch()
			if err := s.Transfer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			_, got := f.seen()
			for i, tb := range b.Tablets {
				for r, ts := range tb.Times {
					if got[i].Times[r] != ts*tc.scale {
						t.Fatalf("tablet %d row %d: time %d, want %d", i, r, got[i].Times[r], ts*tc.scale)
					}
				}
			}
			if b.Tablets[0].Times[0] != 1000 {
				t.Fatal("the batch's own timestamps were changed")
			}
			// A timestamp the receiver's precision cannot hold stops the pipe.
			far := testBatch(0)
			far.Tablets[0].Times[0] = math.MaxInt64 / 100
			if err := s.Transfer(t.Context(), far); !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "does not fit") {
				t.Fatalf("Transfer of a far timestamp = %v, want fatal", err)
			}
		})
	}
}

// TestIoTDBSinkStatuses: one case per way an IoTDB receiver answers a
// data request.
func TestIoTDBSinkStatuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []int32
		want    string // "ok", "fatal" or "retry"
		stored  int    // tablets stored in the end
	}{
		{"success", []int32{200}, "ok", 1},
		{"redirection recommended", []int32{400}, "ok", 0},
		{"idempotent conflict counts as applied", []int32{1809}, "ok", 0},
		{"temporarily unavailable is retried", []int32{1808}, "retry", 0},
		{"read failure is retried", []int32{1107}, "retry", 0},
		{"write rejected is retried", []int32{606}, "retry", 0},
		{"user conflict stops the pipe", []int32{1810}, "fatal", 0},
		{"unknown request type stops the pipe", []int32{1801}, "fatal", 0},
		{"no privilege stops the pipe", []int32{803}, "fatal", 0},
		{"type mismatch stops the pipe", []int32{614}, "fatal", 0},
		{"handshake lost: handshake again and resend", []int32{1802}, "ok", 1},
		{"handshake refused again stops the pipe", []int32{1802, 1802}, "fatal", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeIoTDB{}
			srv := startIoTDB(t, f)
			s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
			f.script(tc.answers...)
			err := s.Transfer(t.Context(), testBatch(1))
			switch tc.want {
			case "ok":
				if err != nil {
					t.Fatalf("Transfer = %v, want success", err)
				}
			case "fatal":
				if !errors.Is(err, pipe.ErrFatal) {
					t.Fatalf("Transfer = %v, want fatal", err)
				}
			case "retry":
				if err == nil || errors.Is(err, pipe.ErrFatal) {
					t.Fatalf("Transfer = %v, want a transient error", err)
				}
			}
			if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("scripted %d", tc.answers[len(tc.answers)-1])) {
				t.Fatalf("error %q does not carry the receiver's message", err)
			}
			if _, got := f.seen(); len(got) != tc.stored {
				t.Fatalf("%d tablets stored, want %d", len(got), tc.stored)
			}
		})
	}
}

func TestIoTDBSinkBatchSubStatus(t *testing.T) {
	f := &fakeIoTDB{}
	srv := startIoTDB(t, f)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	msg := "aligned conflict"
	f.mu.Lock()
	f.answers = []*pipethrift.TSStatus{{Code: 302, SubStatus: []*pipethrift.TSStatus{{Code: 200}, {Code: 1810, Message: &msg}}}}
	f.mu.Unlock()
	err := s.Transfer(t.Context(), richBatch())
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("Transfer = %v, want fatal naming the sub-status", err)
	}
}

// TestIoTDBSinkHandshakeRefusals: an IoTDB receiver's refusal of its
// handshake stops the pipe with its words.
func TestIoTDBSinkHandshakeRefusals(t *testing.T) {
	// A precision neither end can convert to.
	f := &fakeIoTDB{precision: "s"}
	srv := startIoTDB(t, f)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	err := s.Transfer(t.Context(), testBatch(1))
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "timestamp precision s") {
		t.Fatalf("Transfer = %v, want fatal naming the precision", err)
	}
	if types, _ := f.seen(); !slices.Equal(types, []int16{1, iotdbwire.TypeHandshakeV2}) {
		t.Fatalf("request types %v", types)
	}
}

// TestThriftSinkRefusesMixedReceivers: node-urls naming a Sluice and an
// IoTDB receiver are two clusters.
func TestThriftSinkRefusesMixedReceivers(t *testing.T) {
	sluice := startReceiver(t, &fakeTarget{})
	iotdb := startIoTDB(t, &fakeIoTDB{})
	s := newTestSink(t, thriftAttrs(PluginThriftSync, sluice.addr(), iotdb.addr()), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	sluice.kill() // the next connection goes to the next target, IoTDB
	err := s.Transfer(t.Context(), testBatch(2))
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "list DataNodes of one cluster") {
		t.Fatalf("Transfer = %v, want fatal refusing the mix", err)
	}
}

// TestIoTDBSinkSSL: iotdb-thrift-ssl-sink detects an IoTDB receiver
// behind TLS the same way.
func TestIoTDBSinkSSL(t *testing.T) {
	dir := t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, certs.NodeCertFile), filepath.Join(dir, certs.NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIoTDB{}
	srv := serveThriftOn(t, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), pipethrift.NewPipeTransferServiceProcessor(f))
	attrs := thriftAttrs(PluginThriftSSL, srv.addr())
	attrs["sink.ssl.trust-store-path"] = filepath.Join(dir, certs.CACertFile)
	s := newTestSink(t, attrs, testConfig)
	if err := s.Transfer(t.Context(), richBatch()); err != nil {
		t.Fatal(err)
	}
	types, got := f.seen()
	if !slices.Equal(types, []int16{1, iotdbwire.TypeHandshakeV2, iotdbwire.TypeTabletBatch}) || len(got) != 3 {
		t.Fatalf("request types %v with %d tablets", types, len(got))
	}
}

// TestIoTDBSinkCompressed: with 'compressor' set, IoTDB's data requests go
// inside IoTDB's compressed request.
func TestIoTDBSinkCompressed(t *testing.T) {
	f := &fakeIoTDB{}
	srv := startIoTDB(t, f)
	attrs := thriftAttrs(PluginThriftSync, srv.addr())
	attrs["compressor"] = "snappy,zstd"
	s := newTestSink(t, attrs, testConfig)
	b := richBatch()
	if err := s.Transfer(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	types, got := f.seen()
	f.mu.Lock()
	compressed := f.compressed
	f.mu.Unlock()
	if !slices.Equal(types, []int16{1, iotdbwire.TypeHandshakeV2, transfer.TypeCompressed}) || compressed != 1 {
		t.Fatalf("request types %v", types)
	}
	for i := range b.Tablets {
		if err := sameTablet(got[i], b.Tablets[i]); err != nil {
			t.Fatalf("tablet %d: %v", i, err)
		}
	}
}

// TestIoTDBSinkLeavesSchemaOut: toward IoTDB, a batch's series schema is
// not sent (IoTDB creates series on first write); its tablets are, and a
// batch of schema alone sends nothing.
func TestIoTDBSinkLeavesSchemaOut(t *testing.T) {
	f := &fakeIoTDB{}
	srv := startIoTDB(t, f)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	schema := []model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64, Tags: map[string]string{"k": "v"}}}
	b := testBatch(3)
	b.Schema = schema
	for _, b := range []*pipe.Batch{b, {Schema: schema}} {
		if err := s.Transfer(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	types, got := f.seen()
	if want := []int16{1, iotdbwire.TypeHandshakeV2, iotdbwire.TypeTabletRaw}; !slices.Equal(types, want) {
		t.Fatalf("request types %v, want %v", types, want)
	}
	if len(got) != 1 {
		t.Fatalf("%d tablets arrived, want 1", len(got))
	}
}
