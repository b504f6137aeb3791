package receiver

import (
	"context"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

func TestHandleHandshake(t *testing.T) {
	with := func(f func(*transfer.Handshake)) []byte {
		h := goodHandshake()
		f(&h)
		return transfer.EncodeHandshake(h)
	}
	tests := []struct {
		name     string
		req      *pipethrift.TPipeTransferReq
		wantCode status.Code
		wantMsg  string
	}{
		{"ok", request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake())), status.Success, ""},
		{"bad version", &pipethrift.TPipeTransferReq{Version: 2, Type: transfer.TypeHandshake, Body: transfer.EncodeHandshake(goodHandshake())},
			status.PipeError, "unsupported pipe transfer version 2: this receiver speaks version 1"},
		{"bad precision", request(transfer.TypeHandshake, with(func(h *transfer.Handshake) { h.TimestampPrecision = "ns" })),
			status.PipeError, `the sender uses "ns", this receiver "ms"`},
		{"no precision", request(transfer.TypeHandshake, with(func(h *transfer.Handshake) { h.TimestampPrecision = "" })),
			status.PipeError, "timestamp precision mismatch"},
		{"bad password", request(transfer.TypeHandshake, with(func(h *transfer.Handshake) { h.Password = "nope" })),
			status.WrongLoginPassword, "authentication failed for user root"},
		{"self cluster", request(transfer.TypeHandshake, with(func(h *transfer.Handshake) { h.ClusterID = receiverCluster })),
			status.PipeError, "a pipe cannot sync a cluster to itself"},
		{"no cluster id", request(transfer.TypeHandshake, with(func(h *transfer.Handshake) { h.ClusterID = "" })),
			status.IllegalParameter, "no sender cluster id"},
		{"corrupt body", request(transfer.TypeHandshake, []byte{0xff}),
			status.IllegalParameter, "corrupt pipe transfer body"},
		{"unknown type", request(99, nil), status.PipeError, "unknown pipe transfer request type 99"},
		{"nil request", nil, status.IllegalParameter, "no body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			resp := e.r.Handle(context.Background(), tt.req)
			wantStatus(t, resp, tt.wantCode, tt.wantMsg)
			if tt.wantCode != status.Success {
				if n := e.r.sessions.len(); n != 0 {
					t.Fatalf("%d tokens after a refused handshake", n)
				}
				return
			}
			res, err := transfer.DecodeHandshakeResult(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if raw, err := hex.DecodeString(res.Token); err != nil || len(raw) != 16 || res.ClusterID != receiverCluster {
				t.Fatalf("result %+v: want cluster %s and a 128-bit hex token", res, receiverCluster)
			}
		})
	}
}

func TestHandshakeTokensDiffer(t *testing.T) {
	e := newEnv(t)
	if a, b := e.handshake(t), e.handshake(t); a == b {
		t.Fatalf("two handshakes got the same token %s", a)
	}
}

func TestHandleTablets(t *testing.T) {
	tabletsBody := func(token, origin string, tablets ...*model.Tablet) []byte {
		return transfer.EncodeTablets(transfer.Tablets{Token: token, Origin: origin, Tablets: tablets})
	}
	tests := []struct {
		name       string
		setup      func(e *env)
		body       func(token string) []byte
		wantCode   status.Code
		wantMsg    string
		wantOrigin string // of the one insert expected on success
	}{
		{name: "ok, origin is the sender",
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.Success, wantOrigin: "cluster-a"},
		{name: "ok, forwarded origin",
			body:     func(tok string) []byte { return tabletsBody(tok, "cluster-z", sampleTablet()) },
			wantCode: status.Success, wantOrigin: "cluster-z"},
		{name: "empty batch",
			body:     func(tok string) []byte { return tabletsBody(tok, "") },
			wantCode: status.Success},
		{name: "unknown token",
			body:     func(string) []byte { return tabletsBody("00112233445566778899aabbccddeeff", "", sampleTablet()) },
			wantCode: CodeHandshakeRequired, wantMsg: HandshakeRequiredPrefix},
		{name: "expired token",
			setup:    func(e *env) { e.clock.advance(TokenIdleTimeout) },
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: CodeHandshakeRequired, wantMsg: HandshakeRequiredPrefix},
		{name: "auth refused",
			setup:    func(e *env) { e.target.authErr = status.Errorf(status.NoPermission, "no WRITE_DATA on root.db.d.i") },
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.NoPermission, wantMsg: "no WRITE_DATA on root.db.d.i"},
		{name: "type mismatch",
			setup: func(e *env) {
				e.target.insertErr = status.Errorf(status.DataTypeMismatch, "root.db.d.i is INT64, got INT32")
			},
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.DataTypeMismatch, wantMsg: "root.db.d.i is INT64, got INT32"},
		{name: "path not exist",
			setup:    func(e *env) { e.target.insertErr = status.Errorf(status.PathNotExist, "root.db.d.i does not exist") },
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.PathNotExist, wantMsg: "does not exist"},
		{name: "out of ttl",
			setup:    func(e *env) { e.target.insertErr = status.Errorf(status.OutOfTTL, "time 1 is out of TTL") },
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.OutOfTTL, wantMsg: "out of TTL"},
		{name: "uncoded insert error",
			setup:    func(e *env) { e.target.insertErr = errPlain },
			body:     func(tok string) []byte { return tabletsBody(tok, "", sampleTablet()) },
			wantCode: status.InternalServerError, wantMsg: errPlain.Error()},
		{name: "corrupt payload",
			body: func(tok string) []byte {
				b := tabletsBody(tok, "", sampleTablet())
				return b[:len(b)-4]
			},
			wantCode: status.IllegalParameter, wantMsg: "corrupt pipe transfer body"},
		{name: "corrupt header",
			body:     func(string) []byte { return []byte{1, 0xff} },
			wantCode: status.IllegalParameter, wantMsg: "corrupt pipe transfer body"},
		{name: "invalid device",
			body: func(tok string) []byte {
				tb := sampleTablet()
				tb.Device = model.Path{"root"}
				return tabletsBody(tok, "", tb)
			},
			wantCode: status.IllegalPath, wantMsg: "too short"},
		{name: "duplicate measurement",
			body: func(tok string) []byte {
				tb := sampleTablet()
				tb.Measurements[1] = tb.Measurements[0]
				return tabletsBody(tok, "", tb)
			},
			wantCode: status.IllegalParameter, wantMsg: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			token := e.handshake(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			resp := e.r.Handle(context.Background(), request(transfer.TypeTablets, tt.body(token)))
			wantStatus(t, resp, tt.wantCode, tt.wantMsg)
			inserts := e.target.takeInserts()
			if tt.wantOrigin == "" {
				if len(inserts) != 0 {
					t.Fatalf("%d inserts, want none", len(inserts))
				}
				if IsHandshakeRequired(resp.Status) != (tt.wantCode == CodeHandshakeRequired) {
					t.Fatalf("IsHandshakeRequired(%v) = %v", resp.Status, !(tt.wantCode == CodeHandshakeRequired))
				}
				return
			}
			if len(inserts) != 1 || inserts[0].origin != tt.wantOrigin {
				t.Fatalf("inserts %+v, want one with origin %s", inserts, tt.wantOrigin)
			}
			if !reflect.DeepEqual(inserts[0].tablets, []*model.Tablet{sampleTablet()}) {
				t.Fatalf("inserted %+v, want %+v", inserts[0].tablets[0], sampleTablet())
			}
			if got := e.target.authUsers; !reflect.DeepEqual(got, []string{"root"}) {
				t.Fatalf("authorized %v, want [root]", got)
			}
		})
	}
}

// A used token stays valid past the idle timeout counted from handshake.
// A password changed while a handshake is being checked ends its token:
// the token keeps the password the sender proved, not the new one.
func TestPasswordChangedDuringHandshake(t *testing.T) {
	e := newEnv(t)
	e.target.afterLogin = func() { e.target.setStamp("v2") }
	token := e.handshake(t)
	body := transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: []*model.Tablet{sampleTablet()}})
	resp := e.r.Handle(context.Background(), request(transfer.TypeTablets, body))
	if !IsHandshakeRequired(resp.Status) {
		t.Fatalf("token of a handshake that raced a password change: %v, want handshake required", resp.Status)
	}
}

func TestTokenRefreshedOnUse(t *testing.T) {
	e := newEnv(t)
	token := e.handshake(t)
	body := transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: []*model.Tablet{sampleTablet()}})
	for range 3 {
		e.clock.advance(TokenIdleTimeout - 1)
		wantStatus(t, e.r.Handle(context.Background(), request(transfer.TypeTablets, body)), status.Success, "")
	}
}

func TestIsHandshakeRequired(t *testing.T) {
	msg := func(s string) *string { return &s }
	for _, tt := range []struct {
		st   *pipethrift.TSStatus
		want bool
	}{
		{nil, false},
		{&pipethrift.TSStatus{Code: 200}, false},
		{&pipethrift.TSStatus{Code: 1107, Message: msg("handshake required: token expired")}, true},
		{&pipethrift.TSStatus{Code: 1107, Message: msg("a pipe cannot sync a cluster to itself")}, false},
		{&pipethrift.TSStatus{Code: 801, Message: msg("handshake required")}, false},
	} {
		if got := IsHandshakeRequired(tt.st); got != tt.want {
			t.Errorf("IsHandshakeRequired(%v) = %v, want %v", tt.st, got, tt.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	token := e.handshake(t)
	body := transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: []*model.Tablet{sampleTablet()}})
	for range 2 {
		wantStatus(t, e.r.Handle(context.Background(), request(transfer.TypeTablets, body)), status.Success, "")
	}
	e.r.Handle(context.Background(), request(transfer.TypeTablets, []byte{1, 0xff}))
	e.r.Handle(context.Background(), request(42, nil))

	for _, c := range []struct {
		typ, code string
		want      float64
	}{
		{"handshake", "200", 1}, {"tablets", "200", 2}, {"tablets", "303", 1}, {"unknown", "1107", 1},
	} {
		if got := testutil.ToFloat64(e.r.metrics.requests.WithLabelValues(c.typ, c.code)); got != c.want {
			t.Errorf("requests{type=%s,code=%s} = %v, want %v", c.typ, c.code, got, c.want)
		}
	}
	if got := testutil.ToFloat64(e.r.metrics.points); got != 10 {
		t.Errorf("points = %v, want 10", got)
	}
	wantBytes := float64(len(transfer.EncodeHandshake(goodHandshake())) + 2*len(body) + 2)
	if got := testutil.ToFloat64(e.r.metrics.bytes); got != wantBytes {
		t.Errorf("bytes = %v, want %v", got, wantBytes)
	}
	if n, err := testutil.GatherAndCount(e.reg, "sluice_pipe_receiver_requests_total", "sluice_pipe_receiver_points_total", "sluice_pipe_receiver_bytes_total"); err != nil || n != 6 {
		t.Errorf("registered series: %d, %v; want 6", n, err)
	}
}

// A Target that panics costs one request, not the process.
func TestHandleRecoversPanic(t *testing.T) {
	e := newEnv(t)
	token := e.handshake(t)
	r := New(panicTarget{e.target}, nil, nil, nil)
	r.sessions = e.r.sessions
	body := transfer.EncodeTablets(transfer.Tablets{Token: token, Tablets: []*model.Tablet{sampleTablet()}})
	wantStatus(t, r.Handle(context.Background(), request(transfer.TypeTablets, body)), status.InternalServerError, "internal error in pipeTransfer")
}

type panicTarget struct{ *fakeTarget }

func (panicTarget) Insert(context.Context, []*model.Tablet, string) error { panic("boom") }

// A transfer over the receiver's limit is refused with a status naming the
// limit and the key, and nothing is inserted; one under it goes through.
func TestTabletsOverLimit(t *testing.T) {
	e := newEnv(t)
	const limit = 64 << 10
	e.r = New(e.target, nil, nil, nil, WithMaxPayloadBytes(limit))
	tok := e.handshake(t)
	big := &model.Tablet{Device: model.Path{"root", "db", "d"}, Measurements: []string{"t"}, Columns: []model.Column{model.NewColumn(model.Text, 100)}}
	for i := range 100 {
		big.Times = append(big.Times, int64(i))
		big.Columns[0].Append(strings.Repeat("x", 1<<10))
	}
	body := transfer.EncodeTablets(transfer.Tablets{Token: tok, Tablets: []*model.Tablet{big}})
	if len(body) > limit/10 {
		t.Fatalf("body of %d bytes does not compress; the test needs a small body", len(body))
	}
	resp := e.r.Handle(context.Background(), request(transfer.TypeTablets, body))
	wantStatus(t, resp, status.IllegalParameter, "over the limit of 65536 bytes (pipe_receiver_max_decompressed_bytes)")
	if got := e.target.takeInserts(); len(got) != 0 {
		t.Fatalf("%d inserts of a refused transfer", len(got))
	}
	resp = e.r.Handle(context.Background(), request(transfer.TypeTablets, transfer.EncodeTablets(transfer.Tablets{Token: tok, Tablets: []*model.Tablet{sampleTablet()}})))
	wantStatus(t, resp, status.Success, "")
}
