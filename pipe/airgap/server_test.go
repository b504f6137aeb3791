package airgap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// Request types of fakeHandler.
const (
	typeHandshake int16 = 1
	typeData      int16 = 2
)

// fakeHandler takes a handshake whose body is "secret" and data on
// connections that handshook.
type fakeHandler struct {
	mu     sync.Mutex
	ids    []uint64 // connections seen
	closed []uint64
	bodies [][]byte
}

func (h *fakeHandler) Handle(ctx context.Context, req *pipethrift.TPipeTransferReq) *pipethrift.TPipeTransferResp {
	c, _ := clientconn.From(ctx)
	h.mu.Lock()
	h.ids = append(h.ids, c.ID())
	h.bodies = append(h.bodies, bytes.Clone(req.Body))
	h.mu.Unlock()
	code, msg := status.Success, ""
	switch req.Type {
	case typeHandshake:
		switch string(req.Body) {
		case "secret":
			c.Authenticate()
		case "throttled":
			code, msg = status.WrongLoginPassword, throttle.RefusalPrefix+" of user root from 127.0.0.1: try again in 250ms"
		default:
			code = status.WrongLoginPassword
		}
	case typeData:
		if !c.(*conn).authenticated.Load() {
			code = status.PipeError
		}
	default:
		code = status.PipeError
	}
	return &pipethrift.TPipeTransferResp{Status: &pipethrift.TSStatus{Code: int32(code), Message: &msg}}
}

func (h *fakeHandler) ConnClosed(id uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = append(h.closed, id)
}

func (h *fakeHandler) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

func (h *fakeHandler) closedIDs() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]uint64(nil), h.closed...)
}

func startServer(t *testing.T, cfg Config) (*Server, *fakeHandler, *prometheus.Registry) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	h := &fakeHandler{}
	reg := prometheus.NewRegistry()
	s := New(cfg, h, nil, reg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, h, reg
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends frame and returns the one-byte answer.
func exchange(t *testing.T, c net.Conn, frame []byte) byte {
	t.Helper()
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return b[0]
}

// wantRefused sends an oversize frame on c, which the server refuses after
// reading its header: it answers FAIL and closes the connection while the
// rest of the frame may still be on its way, so the write may fail and the
// FAIL may be lost to the reset. Either way the frame must be refused and
// the connection closed.
func wantRefused(t *testing.T, c net.Conn, frame []byte) {
	t.Helper()
	go func() { _, _ = c.Write(frame) }() // may fail once the server closes
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := io.ReadFull(c, b[:])
	switch {
	case n == 1 && b[0] != ResponseFail:
		t.Fatalf("oversize frame answered %#x, want FAIL", b[0])
	case n == 0 && !errors.Is(err, io.EOF) && !isReset(err):
		t.Fatalf("oversize frame: %v, want FAIL or the connection closed", err)
	}
	wantClosed(t, c)
}

// wantClosed fails unless the server closes c within a few seconds.
func wantClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if n, err := c.Read(b[:]); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("read %d bytes (%x), %v: want the connection closed", n, b[:n], err)
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

func TestServerAnswers(t *testing.T) {
	s, h, reg := startServer(t, Config{})
	c := dial(t, s)
	if got := exchange(t, c, Encode(1, typeData, []byte("early"), false)); got != ResponseFail {
		t.Fatalf("data before the handshake: %#x, want FAIL", got)
	}
	if got := exchange(t, c, Encode(1, typeHandshake, []byte("wrong"), false)); got != ResponseFail {
		t.Fatalf("refused handshake: %#x, want FAIL", got)
	}
	if got := exchange(t, c, Encode(1, typeHandshake, []byte("secret"), true)); got != ResponseOK {
		t.Fatalf("E-Language handshake: %#x, want OK", got)
	}
	if got := exchange(t, c, Encode(1, typeData, []byte("rows"), false)); got != ResponseOK {
		t.Fatalf("data: %#x, want OK", got)
	}
	c.Close()
	waitFor(t, func() bool { return len(h.closedIDs()) == 1 })
	h.mu.Lock()
	id := h.ids[0]
	for _, other := range h.ids {
		if other != id {
			t.Errorf("one connection had ids %v", h.ids)
		}
	}
	h.mu.Unlock()
	if id&connIDBase == 0 || h.closedIDs()[0] != id {
		t.Errorf("connection id %#x (closed %v): want the top bit set and ConnClosed told", id, h.closedIDs())
	}
	if ok, fail := testutil.ToFloat64(s.metrics.requests.WithLabelValues("ok")), testutil.ToFloat64(s.metrics.requests.WithLabelValues("fail")); ok != 2 || fail != 2 {
		t.Errorf("requests ok %v fail %v, want 2 and 2", ok, fail)
	}
	if n, err := testutil.GatherAndCount(reg, "sluice_pipe_air_gap_connections"); err != nil || n != 1 {
		t.Errorf("connections gauge: %d series, %v", n, err)
	}
}

// TestServerThrottledHandshakeHangsUp: a handshake the login throttle
// refuses is not answered FAIL, which would stop the sender's pipe as for a
// wrong password: the connection closes, and the sender retries.
func TestServerThrottledHandshakeHangsUp(t *testing.T) {
	s, _, _ := startServer(t, Config{})
	c := dial(t, s)
	if _, err := c.Write(Encode(1, typeHandshake, []byte("throttled"), false)); err != nil {
		t.Fatal(err)
	}
	wantClosed(t, c)
	if got := testutil.ToFloat64(s.metrics.closed.WithLabelValues(closedThrottled)); got != 1 {
		t.Errorf("throttled closes %v, want 1", got)
	}
}

// TestServerPreLoginLimit: before a handshake a frame over the pre-login
// limit is refused with FAIL and the connection closed; after one, the
// same frame is served.
func TestServerPreLoginLimit(t *testing.T) {
	s, h, _ := startServer(t, Config{PreLoginMaxFrameBytes: 1024, MaxFrameBytes: 1 << 20})
	big := Encode(1, typeData, make([]byte, 4096), false)

	c := dial(t, s)
	wantRefused(t, c, big)
	if got := testutil.ToFloat64(s.metrics.closed.WithLabelValues(closedOversize)); got != 1 {
		t.Errorf("oversize closes %v, want 1", got)
	}

	c = dial(t, s)
	if got := exchange(t, c, Encode(1, typeHandshake, []byte("secret"), false)); got != ResponseOK {
		t.Fatalf("handshake: %#x", got)
	}
	if got := exchange(t, c, big); got != ResponseOK {
		t.Fatalf("big frame after the handshake: %#x, want OK", got)
	}
	// Past the post-handshake limit: refused and closed, nothing handled.
	before := h.requests()
	wantRefused(t, c, Encode(1, typeData, make([]byte, 2<<20), false))
	if h.requests() != before {
		t.Errorf("an oversize frame reached the handler")
	}
}

func TestServerBadFrames(t *testing.T) {
	badCRC := Encode(1, typeHandshake, []byte("secret"), false)
	badCRC[len(badCRC)-1] ^= 0x20
	lengths := Encode(1, typeHandshake, []byte("secret"), false)
	lengths[3]++
	badWrapper := Encode(1, typeHandshake, []byte("secret"), true)
	badWrapper[len(badWrapper)-2] = '!'
	for _, tc := range []struct {
		name   string
		frame  []byte
		reason string
	}{
		{"bad checksum", badCRC, closedChecksum},
		{"lengths differ", lengths, closedMalformed},
		{"bad E-Language suffix", badWrapper, closedMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h, _ := startServer(t, Config{})
			c := dial(t, s)
			if got := exchange(t, c, tc.frame); got != ResponseFail {
				t.Fatalf("answer %#x, want FAIL", got)
			}
			wantClosed(t, c)
			if got := testutil.ToFloat64(s.metrics.closed.WithLabelValues(tc.reason)); got != 1 {
				t.Errorf("closes for %s: %v, want 1", tc.reason, got)
			}
			if n := h.requests(); n != 0 {
				t.Errorf("the handler saw %d requests of a bad frame", n)
			}
		})
	}
}

// TestServerDeadlines: a connection that never handshakes, or trickles a
// frame, is closed by its deadline.
func TestServerDeadlines(t *testing.T) {
	s, _, _ := startServer(t, Config{LoginTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})

	idle := dial(t, s)
	start := time.Now()
	wantClosed(t, idle)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("an idle connection was closed after %v, want about the login timeout", d)
	}

	// A stranger trickling its handshake a byte at a time: the login
	// timeout counts from the accept, not per byte.
	slow := dial(t, s)
	frame := Encode(1, typeHandshake, []byte("secret"), false)
	for _, b := range frame[:len(frame)-1] {
		if _, err := slow.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantClosed(t, slow)

	// After a handshake a half-sent frame is cut off by the read timeout.
	c := dial(t, s)
	if got := exchange(t, c, Encode(1, typeHandshake, []byte("secret"), false)); got != ResponseOK {
		t.Fatalf("handshake: %#x", got)
	}
	half := Encode(1, typeData, []byte("rows"), false)
	if _, err := c.Write(half[:10]); err != nil {
		t.Fatal(err)
	}
	wantClosed(t, c)
	if got := testutil.ToFloat64(s.metrics.closed.WithLabelValues(closedTimeout)); got != 3 {
		t.Errorf("timeout closes %v, want 3", got)
	}
}

func TestServerMaxConnections(t *testing.T) {
	s, _, _ := startServer(t, Config{MaxConnections: 1})
	first := dial(t, s)
	if got := exchange(t, first, Encode(1, typeHandshake, []byte("secret"), false)); got != ResponseOK {
		t.Fatalf("first connection: %#x", got)
	}
	second := dial(t, s)
	wantClosed(t, second)
	if got := exchange(t, first, Encode(1, typeData, nil, false)); got != ResponseOK {
		t.Fatalf("first connection after the second was refused: %#x", got)
	}
}

// TestServerClose: Close ends open connections and returns once their
// goroutines have.
func TestServerClose(t *testing.T) {
	s, h, _ := startServer(t, Config{})
	c := dial(t, s)
	if got := exchange(t, c, Encode(1, typeHandshake, []byte("secret"), false)); got != ResponseOK {
		t.Fatalf("handshake: %#x", got)
	}
	if !s.Serving() {
		t.Fatal("a started server is not serving")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Serving() {
		t.Fatal("a closed server is serving")
	}
	wantClosed(t, c)
	if len(h.closedIDs()) != 1 {
		t.Errorf("ConnClosed calls %v, want 1", h.closedIDs())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
