package clientrpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/status"
)

// openSessionHead is the start of an openSession call in the binary
// protocol, the bytes a client sends first.
func openSessionHead(t *testing.T) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{})
	if err := p.WriteMessageBegin(context.Background(), "openSession", thrift.CALL, 1); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// announce connects and sends a frame header of size bytes followed by
// the openSession head, then as much of body as the server takes.
func announce(t *testing.T, addr string, size uint32, body int) (net.Conn, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], size)
	head := openSessionHead(t)
	if _, err := nc.Write(append(hdr[:], head...)); err != nil {
		return nc, err
	}
	for sent := 0; sent < body; {
		chunk := make([]byte, min(body-sent, 1<<20))
		sent += len(chunk)
		_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Write(chunk); err != nil {
			return nc, err // the server hung up, as it should
		}
	}
	return nc, nil
}

// readReply reads one framed reply, or returns the read error.
func readReply(nc net.Conn) ([]byte, error) {
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(nc, body)
	return body, err
}

// waitClosed fails unless the server closes nc (reads end) within 10 s.
func waitClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open")
	}
}

func TestPreLoginFrameLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PreLoginMaxFrameBytes = 8 << 10 })

	// The server reads the first oversizeHeadBytes to name the method,
	// answers and hangs up.
	nc, _ := announce(t, e.srv.Addr().String(), 1<<20, oversizeHeadBytes)
	reply, err := readReply(nc)
	if err != nil {
		t.Fatalf("no reply to an oversize request before login: %v", err)
	}
	if !bytes.Contains(reply, []byte("before login")) || !bytes.Contains(reply, []byte("8192")) {
		t.Fatalf("reply %q does not explain the pre-login limit", reply)
	}
	waitClosed(t, nc)
	if got := testutil.ToFloat64(e.srv.metrics.refused.WithLabelValues(refusedPreLogin)); got != 1 {
		t.Fatalf("refused{reason=prelogin_frame} = %v, want 1", got)
	}

	// After login the same connection may send up to MaxFrameBytes: a
	// 100 KB tablet goes through.
	s := e.session(t, 0)
	tablet, _ := sixTablet(t, "root.sg.d1", 250, 250) // about 40 KB
	r, err := s.InsertTablet(tablet, false)
	wantCode(t, r, err, status.Success)
}

// TestPreLoginFloodStaysSmall: connections announcing 256 MiB and
// streaming 32 MiB each before logging in do not make the server buffer
// them.
func TestPreLoginFloodStaysSmall(t *testing.T) {
	e := newEnv(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, _ := announce(t, e.srv.Addr().String(), 256<<20, 32<<20)
			_, _ = readReply(nc)
		}()
	}
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 64<<20 {
		t.Fatalf("heap grew by %d MiB under the pre-login flood", grew>>20)
	}
	if got := testutil.ToFloat64(e.srv.metrics.refused.WithLabelValues(refusedPreLogin)); got != 3 {
		t.Fatalf("refused{reason=prelogin_frame} = %v, want 3", got)
	}
}

func TestLoginTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.LoginTimeout = 300 * time.Millisecond })
	idle, err := net.Dial("tcp", e.srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	s := e.session(t, 0)

	waitClosed(t, idle)
	if got := testutil.ToFloat64(e.srv.metrics.refused.WithLabelValues(refusedLoginTimeout)); got != 1 {
		t.Fatalf("refused{reason=login_timeout} = %v, want 1", got)
	}
	// The logged-in session outlives the timeout.
	time.Sleep(400 * time.Millisecond)
	r, err := s.SetStorageGroup("root.sg")
	wantCode(t, r, err, status.Success)
}

func TestConnectionCap(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxConnections = 2 })
	first := e.session(t, 0)
	second := e.raw(t)

	extra, err := net.Dial("tcp", e.srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	waitClosed(t, extra)
	if got := testutil.ToFloat64(e.srv.metrics.refused.WithLabelValues(refusedLimit)); got != 1 {
		t.Fatalf("refused{reason=limit} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.srv.metrics.connections); got != 2 {
		t.Fatalf("connections_open = %v, want 2", got)
	}

	// The sessions inside the cap keep working, and a freed slot is
	// taken again.
	r, err := first.SetStorageGroup("root.sg")
	wantCode(t, r, err, status.Success)
	_ = second.trans.Close()
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(e.srv.metrics.connections) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the closed connection was never released")
		}
		time.Sleep(10 * time.Millisecond)
	}
	third := e.session(t, 0)
	r, err = third.SetStorageGroup("root.sg2")
	wantCode(t, r, err, status.Success)
}

func TestFailedLoginsAreThrottled(t *testing.T) {
	th := throttle.New(throttle.Policy{Free: 2, First: 400 * time.Millisecond, Max: time.Second, Forget: time.Minute, MaxEntries: 10})
	e := newEnv(t, func(c *Config) { c.Throttle = th })
	c, other := e.raw(t), e.raw(t) // two connections, logged in before the guessing
	login := func(pw string) *rpc.TSOpenSessionResp {
		user := "root"
		resp, err := c.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
			ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: "UTC", Username: &user, Password: &pw})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for range 3 {
		wantCode(t, login("wrong").GetStatus(), nil, status.WrongLoginPassword)
	}
	// Three failures, two free: until the delay has passed every attempt,
	// the right password included and on any connection, is refused before
	// the password is looked at.
	for _, cl := range []*rawClient{c, other} {
		user, pw := "root", "root"
		resp, err := cl.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
			ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: "UTC", Username: &user, Password: &pw})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetStatus().GetCode() != int32(status.WrongLoginPassword) || !strings.Contains(resp.GetStatus().GetMessage(), "try again in") {
			t.Fatalf("attempt inside the delay: %v", resp.GetStatus())
		}
	}
	time.Sleep(th.RetryIn("root", "127.0.0.1"))
	wantCode(t, login("root").GetStatus(), nil, status.Success)
	if d := th.RetryIn("root", "127.0.0.1"); d != 0 {
		t.Fatalf("delay after a successful login: %v", d)
	}
	if got := testutil.ToFloat64(e.srv.metrics.loginFailures); got != 3 {
		t.Fatalf("login_failures_total = %v, want 3 (refusals are not failures)", got)
	}
}

func TestRefusalLogIsRateLimited(t *testing.T) {
	var l refusalLog
	t0 := time.Unix(1000, 0)
	if n := l.note(t0); n != 1 {
		t.Fatalf("first refusal reports %d, want 1", n)
	}
	for i := range 5 {
		if n := l.note(t0.Add(time.Duration(i+1) * time.Second)); n != 0 {
			t.Fatalf("refusal %d within the interval reported %d", i+2, n)
		}
	}
	if n := l.note(t0.Add(refusalLogEvery + time.Second)); n != 6 {
		t.Fatalf("after the interval: %d reported, want the 5 held back and this one", n)
	}
}
