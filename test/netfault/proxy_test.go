package netfault

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// startEcho starts a line echo server for the test.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip writes a line on c and reads it back within a second.
func roundTrip(c net.Conn, line string) error {
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if got != line+"\n" {
		return errors.New("echoed " + got)
	}
	return nil
}

// fresh dials addr and round-trips a line on a new connection; a refused
// or reset dial is its error.
func fresh(addr, line string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	return roundTrip(c, line)
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProxy(t *testing.T) {
	p := StartProxy(t, startEcho(t))

	before := dial(t, p.Addr())
	if err := roundTrip(before, "hello"); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}

	p.Cut()
	if err := roundTrip(before, "again"); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection made before Cut: %v, want it reset", err)
	}
	if err := fresh(p.Addr(), "new"); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection made after Cut: %v, want it refused", err)
	}

	p.Restore()
	if err := roundTrip(dial(t, p.Addr()), "restored"); err != nil {
		t.Errorf("after Restore: %v", err)
	}

	live := dial(t, p.Addr())
	if err := roundTrip(live, "x"); err != nil {
		t.Fatal(err)
	}
	p.Blackhole()
	if err := roundTrip(live, "y"); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection made before Blackhole: %v, want it reset", err)
	}
	held := dial(t, p.Addr())
	if err := roundTrip(held, "z"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection made after Blackhole: %v, want no answer", err)
	}
	p.Restore()
	buf := make([]byte, 1)
	_ = held.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := held.Read(buf); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a held connection after Restore: %v, want it reset", err)
	}
	if err := roundTrip(dial(t, p.Addr()), "back"); err != nil {
		t.Errorf("after the second Restore: %v", err)
	}
	if a, r := p.Accepted(), p.Relayed(); a != 6 || r != 4 {
		t.Errorf("Accepted, Relayed = %d, %d; want 6, 4", a, r)
	}
}

// TestProxyTargetDown: with the target gone, a client's connection is
// reset rather than left hanging.
func TestProxyTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := StartProxy(t, addr)
	if err := fresh(p.Addr(), "x"); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("through a proxy to nothing: %v, want a reset", err)
	}
}
