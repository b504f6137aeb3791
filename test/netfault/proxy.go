package netfault

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy relays TCP connections from a loopback address of its own to a
// target, and cuts that link on demand, the way a network between two
// clusters fails: Cut resets every relayed connection and refuses new
// ones, Blackhole resets them and holds new ones open without an answer,
// Restore relays again. Put it between a client (a pipe sink) and its
// server (the receiver) by giving the client Addr instead of the server's
// address. Its methods are safe for concurrent use; everything is closed
// at test cleanup.
type Proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	state linkState
	links map[net.Conn]net.Conn // client side -> target side, relayed
	held  []net.Conn            // accepted while black-holed
	done  bool

	accepted, relayed atomic.Int64
}

type linkState int

const (
	linkUp linkState = iota
	linkCut
	linkBlackhole
)

// StartProxy starts a Proxy to target (host:port) for the test.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, links: map[net.Conn]net.Conn{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port, to give the client instead of the
// target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Cut resets every connection and refuses new ones (they are accepted
// and reset at once) until Restore.
func (p *Proxy) Cut() { p.set(linkCut) }

// Blackhole resets every connection; new ones are accepted and then get
// no answer, as behind a link that drops packets, until Restore resets
// them.
func (p *Proxy) Blackhole() { p.set(linkBlackhole) }

// Restore relays new connections again and resets those held by
// Blackhole.
func (p *Proxy) Restore() { p.set(linkUp) }

// Accepted is the number of connections accepted so far; Relayed those of
// them relayed to the target.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Relayed is the number of connections relayed to the target so far.
func (p *Proxy) Relayed() int64 { return p.relayed.Load() }

func (p *Proxy) set(s linkState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = s
	if s != linkUp {
		for c, up := range p.links {
			reset(c)
			reset(up)
		}
		clear(p.links)
	}
	if s != linkBlackhole {
		for _, c := range p.held {
			reset(c)
		}
		p.held = nil
	}
}

// Close stops the proxy and resets every connection. It is idempotent.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
	p.ln.Close()
	p.set(linkCut)
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		p.mu.Lock()
		state, done := p.state, p.done
		if state == linkBlackhole && !done {
			p.held = append(p.held, c)
		}
		p.mu.Unlock()
		switch {
		case done || state == linkCut:
			reset(c)
		case state == linkUp:
			p.wg.Go(func() { p.relay(c) })
		}
	}
}

// relay dials the target for client connection c and copies both ways
// until either side closes or the link is cut.
func (p *Proxy) relay(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	if p.state != linkUp || p.done {
		// Cut while dialling.
		p.mu.Unlock()
		reset(c)
		reset(up)
		return
	}
	p.links[c] = up
	p.mu.Unlock()
	p.relayed.Add(1)
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// One direction ended: end the pair, as a stream proxy does.
		dst.Close()
		src.Close()
	}
	wg.Go(func() { pipe(up, c) })
	wg.Go(func() { pipe(c, up) })
	wg.Wait()
	p.mu.Lock()
	delete(p.links, c)
	p.mu.Unlock()
}

// reset closes c with a TCP reset rather than an orderly close: the peer's
// next read or write fails at once, as when a link is cut and the
// connection's state lost.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
