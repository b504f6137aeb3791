// Package netfault gives tests a network peer that misbehaves on purpose:
// a SilentPeer accepts connections and never answers, the way a receiver
// behind a dead link or a stopped process looks to a sender, until it is
// told to relay to a real server.
package netfault

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// SilentPeer listens on loopback. Connections it accepts are held open,
// never read from nor answered, until RelayTo names a server: from then on
// new connections are relayed to it. Everything is closed at test cleanup.
type SilentPeer struct {
	ln    net.Listener
	relay atomic.Pointer[string]
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

// StartSilentPeer starts a SilentPeer for the test.
func StartSilentPeer(t testing.TB) *SilentPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &SilentPeer{ln: ln}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// Addr is the peer's host:port.
func (p *SilentPeer) Addr() string { return p.ln.Addr().String() }

// Port is the peer's port.
func (p *SilentPeer) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// RelayTo makes connections accepted from now on relay to addr; the ones
// already held stay silent.
func (p *SilentPeer) RelayTo(addr string) { p.relay.Store(&addr) }

func (p *SilentPeer) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *SilentPeer) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		to := p.relay.Load()
		if to == nil {
			continue
		}
		up, err := net.Dial("tcp", *to)
		if err != nil {
			c.Close()
			continue
		}
		p.track(up)
		p.wg.Go(func() { _, _ = io.Copy(up, c); up.Close() })
		p.wg.Go(func() { _, _ = io.Copy(c, up); c.Close() })
	}
}

func (p *SilentPeer) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
