package bench

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Relay is a TCP relay on loopback that counts the bytes it carries: the
// benchmark puts one between a replication client (a pipe's sink, a
// PostgreSQL subscription) and the server it dials, to measure what the
// replication puts on the wire. It counts payload bytes (what the
// applications write), not TCP/IP headers.
type Relay struct {
	ln     net.Listener
	target string

	toServer atomic.Int64 // bytes from the clients to the target
	toClient atomic.Int64 // bytes from the target to the clients

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// StartRelay listens on a free loopback port and forwards each connection
// it accepts to target (host:port) until Close.
func StartRelay(target string) (*Relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay listen: %w", err)
	}
	r := &Relay{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Port is the loopback port clients dial instead of the target's.
func (r *Relay) Port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// Bytes returns the bytes carried so far from the clients to the target
// and back.
func (r *Relay) Bytes() (toServer, toClient int64) { return r.toServer.Load(), r.toClient.Load() }

// Close stops accepting, closes every relayed connection and waits for
// the relay's goroutines to end. It is idempotent.
func (r *Relay) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		r.ln.Close()
		for c := range r.conns {
			c.Close()
		}
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		if !r.track(c, s) {
			return
		}
		r.wg.Add(2)
		go r.pipe(s, c, &r.toServer)
		go r.pipe(c, s, &r.toClient)
	}
}

// track registers a relayed pair, or closes it when the relay is closing.
func (r *Relay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		r.conns[c] = struct{}{}
	}
	return true
}

// pipe copies src to dst, counting into n, then closes both: a side that
// hangs up ends the pair, as a direct connection would end.
func (r *Relay) pipe(dst, src net.Conn, n *atomic.Int64) {
	defer r.wg.Done()
	// A reset or a close ends the copy alike: its error says nothing more.
	_, _ = io.Copy(countingWriter{dst, n}, src)
	dst.Close()
	src.Close()
	r.mu.Lock()
	delete(r.conns, dst)
	delete(r.conns, src)
	r.mu.Unlock()
}

// countingWriter adds the bytes written through it to n. It counts them
// before it writes them, so that once the peer has seen (and answered)
// bytes, the count holds them; what a failed write did not send is taken
// back.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	k, err := c.w.Write(p)
	c.n.Add(int64(k - len(p)))
	return k, err
}
