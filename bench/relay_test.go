package bench

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// TestRelayCountsBothWays: what a client sends reaches the target and
// counts as to-server bytes, the target's answer comes back and counts as
// to-client bytes, and Close ends relayed connections.
func TestRelayCountsBothWays(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The target answers each 1000-byte request with 10 bytes.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1000)
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						return
					}
					if _, err := c.Write(bytes.Repeat([]byte{'k'}, 10)); err != nil {
						return
					}
				}
			}()
		}
	}()
	r, err := StartRelay(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port())))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for _, c := range conns {
		for range 3 {
			if _, err := c.Write(bytes.Repeat([]byte{'x'}, 1000)); err != nil {
				t.Fatal(err)
			}
			ack := make([]byte, 10)
			if _, err := io.ReadFull(c, ack); err != nil {
				t.Fatal(err)
			}
			if string(ack) != "kkkkkkkkkk" {
				t.Fatalf("answer %q", ack)
			}
		}
	}
	if up, down := r.Bytes(); up != 6000 || down != 60 {
		t.Fatalf("counted %d bytes to the server and %d back, want 6000 and 60", up, down)
	}
	r.Close()
	conns[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conns[0].Read(make([]byte, 1)); err == nil {
		t.Fatal("a relayed connection is still open after Close")
	}
	if _, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port()))); err == nil {
		t.Fatal("the relay still accepts after Close")
	}
}
