package consensus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/certs"
)

// ErrMuxClosed is returned by a Mux, and by the transports it handed out,
// once the Mux has been closed.
var ErrMuxClosed = errors.New("consensus mux closed")

// ErrGroupExists is returned when a transport is asked for a group that
// already has a live one on the same Mux.
var ErrGroupExists = errors.New("group already has a transport")

const (
	// muxMagic opens every connection dialled through a Mux; the byte after
	// it is the header version.
	muxMagic   = "SLMX"
	muxVersion = 1
	// maxGroupName bounds a group name so that its length fits one byte.
	maxGroupName = 255
	// handshakeTimeout bounds how long an accepted connection may take to
	// name its group.
	handshakeTimeout = 5 * time.Second
	// muxMaxPool is how many idle connections a transport keeps per peer.
	muxMaxPool = 3
)

// Mux shares one listener among the Raft groups of a node. Each connection
// dialled through one of its transports starts with a header naming the
// group it is for; the accepting Mux reads it and hands the connection to
// that group's transport. Every group of a node therefore has the same
// address, the Mux's.
type Mux struct {
	ln        net.Listener
	certs     *certs.Source // nil: plain TCP (cluster_insecure)
	addr      net.Addr      // advertised: what peers dial
	logger    *slog.Logger  // the node's, handed on to the transports
	log       *slog.Logger  // the mux's own records
	handshake time.Duration

	mu      sync.Mutex
	closed  bool
	groups  map[string]*streamLayer
	pending map[net.Conn]struct{} // accepted, header not read yet

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// NewMux starts accepting on ln. The Mux owns ln from then on. Peers are
// told to dial advertiseHost on ln's port: ln may be bound to a wildcard
// such as 0.0.0.0, which no peer can dial. An empty advertiseHost
// advertises ln's own address. With src, every connection, accepted or
// dialled, is mutual TLS with certificates of the cluster CA before any
// Raft byte crosses it; nil leaves them plain.
func NewMux(ln net.Listener, advertiseHost string, src *certs.Source, logger *slog.Logger) *Mux {
	return newMux(ln, advertiseHost, src, logger, handshakeTimeout)
}

func newMux(ln net.Listener, advertiseHost string, src *certs.Source, logger *slog.Logger, handshake time.Duration) *Mux {
	m := &Mux{
		ln:        ln,
		certs:     src,
		addr:      advertised(ln.Addr(), advertiseHost),
		logger:    logger,
		log:       logger.With("component", "raft-mux", "addr", ln.Addr().String(), "advertised", advertiseHost),
		handshake: handshake,
		groups:    make(map[string]*streamLayer),
		pending:   make(map[net.Conn]struct{}),
		done:      make(chan struct{}),
	}
	m.wg.Add(1)
	go m.acceptLoop()
	return m
}

// Addr is the advertised address: what peers dial, and the
// raft.ServerAddress of every group on this node.
func (m *Mux) Addr() net.Addr { return m.addr }

// advertised is the address peers dial to reach a listener bound at
// bound: host on bound's port, or bound itself when host is empty.
func advertised(bound net.Addr, host string) net.Addr {
	tcp, ok := bound.(*net.TCPAddr)
	if host == "" || !ok {
		return bound
	}
	return advertisedAddr(net.JoinHostPort(host, strconv.Itoa(tcp.Port)))
}

// advertisedAddr is a TCP address by name, which may be a host name that
// only the peers resolve.
type advertisedAddr string

// Network is "tcp".
func (advertisedAddr) Network() string { return "tcp" }

// String is host:port.
func (a advertisedAddr) String() string { return string(a) }

// Transport returns a raft.Transport for the group called name (e.g.
// "region-7"). It receives the connections whose header names the group and
// dials peers with such a header. Closing the transport, which raft does on
// Shutdown, unregisters the group. Asking twice for a live group fails with
// ErrGroupExists.
func (m *Mux) Transport(name string, timeout time.Duration) (raft.Transport, error) {
	if name == "" || len(name) > maxGroupName {
		return nil, fmt.Errorf("raft transport for group %q: name must be 1 to %d bytes", name, maxGroupName)
	}
	l := &streamLayer{mux: m, name: name, conns: make(chan net.Conn), done: make(chan struct{}), open: make(map[*muxConn]struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if err := m.register(l); err != nil {
		return nil, fmt.Errorf("raft transport for group %s: %w", name, err)
	}
	nt := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  l,
		MaxPool: muxMaxPool,
		Timeout: timeout,
		Logger:  newHCLogger(m.logger.With("group", name), name),
	})
	return &transport{NetworkTransport: nt, timeoutNow: min(timeout, TimeoutNowLimit)}, nil
}

// TimeoutNowLimit bounds how long a leader waits for the TimeoutNow RPC of
// a leadership transfer: the election timeout of the groups on a Mux
// (1 s). hashicorp/raft gives a transfer that long before reporting it
// failed, but refuses every Apply until the RPC itself returns, which
// against a paused or cut-off target (whose kernel still completes the
// TCP connection, then answers neither the TLS handshake nor the RPC)
// would be the transport's whole I/O timeout.
const TimeoutNowLimit = time.Second

// transport is raft's NetworkTransport with a bounded TimeoutNow.
type transport struct {
	*raft.NetworkTransport
	timeoutNow time.Duration
	calls      sync.WaitGroup // TimeoutNow RPCs given up on but not ended
}

// TimeoutNow sends the RPC and waits for at most t.timeoutNow. An RPC given
// up on goes on in the background until the transport's I/O timeout or
// Close ends it.
func (t *transport) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	var r raft.TimeoutNowResponse
	done := make(chan error, 1)
	t.calls.Add(1)
	go func() {
		defer t.calls.Done()
		done <- t.NetworkTransport.TimeoutNow(id, target, args, &r)
	}()
	timer := time.NewTimer(t.timeoutNow)
	defer timer.Stop()
	select {
	case err := <-done:
		*resp = r
		return err
	case <-timer.C:
		return fmt.Errorf("TimeoutNow to %s at %s: no answer within %s", id, target, t.timeoutNow)
	}
}

// Close closes the transport, which ends the RPCs in flight on its
// connections, and waits for the TimeoutNow RPCs given up on.
func (t *transport) Close() error {
	err := t.NetworkTransport.Close()
	t.calls.Wait()
	return err
}

func (m *Mux) register(l *streamLayer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrMuxClosed
	}
	if _, ok := m.groups[l.name]; ok {
		return ErrGroupExists
	}
	m.groups[l.name] = l
	return nil
}

// Close stops accepting, closes the listener and every connection not yet
// taken by its group, and waits for the Mux's goroutines. Transports still
// open keep their established connections until they are closed, but can no
// longer dial. Close is idempotent.
func (m *Mux) Close() error {
	m.closeOnce.Do(func() {
		m.mu.Lock()
		m.closed = true
		close(m.done)
		for c := range m.pending {
			c.Close()
		}
		m.mu.Unlock()
		if err := m.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			m.closeErr = fmt.Errorf("close raft mux listener: %w", err)
		}
		m.wg.Wait()
	})
	return m.closeErr
}

// acceptLoop hands every accepted connection to its own handshake goroutine,
// so that a client slow to send its header holds up no one else.
func (m *Mux) acceptLoop() {
	defer m.wg.Done()
	var delay time.Duration
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if m.isClosed() {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				m.log.Error("raft mux listener closed under the mux", "err", err)
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			m.log.Warn("raft mux accept failed, retrying", "err", err, "backoff", delay)
			select {
			case <-m.done:
				return
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		m.startHandshake(c)
	}
}

func (m *Mux) isClosed() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

func (m *Mux) startHandshake(c net.Conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		c.Close()
		return
	}
	m.pending[c] = struct{}{}
	m.wg.Add(1)
	go m.serveHandshake(c)
}

// serveHandshake reads c's header and offers c to the group it names until
// that group accepts it or the group or the Mux closes.
func (m *Mux) serveHandshake(raw net.Conn) {
	defer m.wg.Done()
	c, err := m.certs.ServerConn(raw, m.handshake)
	var name string
	if err == nil {
		name, err = readHeader(c, m.handshake)
	} else {
		m.log.Warn("raft mux refused a connection: it is not a node of this cluster", "remote", raw.RemoteAddr().String(), "err", err)
		c = raw
	}
	m.mu.Lock()
	delete(m.pending, raw)
	m.mu.Unlock()
	if err != nil {
		if !m.isClosed() {
			m.log.Debug("raft mux dropped connection with bad header", "remote", c.RemoteAddr().String(), "err", err)
		}
		c.Close()
		return
	}
	l := m.group(name)
	if l == nil {
		m.log.Debug("raft mux dropped connection for unknown group", "remote", c.RemoteAddr().String(), "group", name)
		c.Close()
		return
	}
	tc, err := l.track(c)
	if err != nil {
		c.Close()
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		tc.Close()
	case <-m.done:
		tc.Close()
	}
}

func (m *Mux) group(name string) *streamLayer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.groups[name]
}

// writeHeader names group on a freshly dialled connection.
func writeHeader(c net.Conn, group string, timeout time.Duration) error {
	if timeout > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
	}
	hdr := make([]byte, 0, len(muxMagic)+2+len(group))
	hdr = append(hdr, muxMagic...)
	hdr = append(hdr, muxVersion, byte(len(group)))
	hdr = append(hdr, group...)
	if _, err := c.Write(hdr); err != nil {
		return err
	}
	return c.SetWriteDeadline(time.Time{})
}

// readHeader reads the group name written by writeHeader, giving up after
// timeout.
func readHeader(c net.Conn, timeout time.Duration) (string, error) {
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	var fixed [len(muxMagic) + 2]byte
	if _, err := io.ReadFull(c, fixed[:]); err != nil {
		return "", fmt.Errorf("read header: %w", err)
	}
	if string(fixed[:len(muxMagic)]) != muxMagic {
		return "", fmt.Errorf("bad magic %q", fixed[:len(muxMagic)])
	}
	if v := fixed[len(muxMagic)]; v != muxVersion {
		return "", fmt.Errorf("unsupported header version %d", v)
	}
	n := int(fixed[len(muxMagic)+1])
	if n == 0 {
		return "", errors.New("empty group name")
	}
	name := make([]byte, n)
	if _, err := io.ReadFull(c, name); err != nil {
		return "", fmt.Errorf("read group name: %w", err)
	}
	return string(name), c.SetReadDeadline(time.Time{})
}

// streamLayer is one group's raft.StreamLayer on a Mux. It tracks every
// connection it accepted or dialled and closes them all when it is closed:
// raft's NetworkTransport leaves those to the stream layer, and without this
// its connection handlers would outlive the group.
type streamLayer struct {
	mux   *Mux
	name  string
	conns chan net.Conn // unbuffered: a conn is either accepted or still with its handshake
	done  chan struct{}
	// ctx ends when the layer closes, aborting dials in their handshake.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	open      map[*muxConn]struct{}
	closeOnce sync.Once
}

// Accept returns the next connection addressed to the group, or an error
// wrapping net.ErrClosed once the layer is closed.
func (l *streamLayer) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, fmt.Errorf("raft group %s: accept: %w", l.name, net.ErrClosed)
	}
}

// Addr is the Mux's address, shared by every group of the node.
func (l *streamLayer) Addr() net.Addr { return l.mux.Addr() }

// Dial connects to the Mux at address and names the group.
func (l *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if l.mux.isClosed() {
		return nil, fmt.Errorf("raft group %s: dial %s: %w", l.name, address, ErrMuxClosed)
	}
	d := net.Dialer{Timeout: timeout}
	raw, err := d.DialContext(l.ctx, "tcp", string(address))
	if err != nil {
		return nil, fmt.Errorf("raft group %s: %w", l.name, err)
	}
	// A peer that is paused completes the TCP connection in its kernel but
	// never the handshake: closing the layer must not wait for that.
	stop := context.AfterFunc(l.ctx, func() { raw.Close() })
	defer stop()
	c, err := l.mux.certs.ClientConn(raw, string(address), timeout)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("raft group %s: %w", l.name, err)
	}
	if err := writeHeader(c, l.name, timeout); err != nil {
		c.Close()
		return nil, fmt.Errorf("raft group %s: write header to %s: %w", l.name, address, err)
	}
	tc, err := l.track(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("raft group %s: dial %s: %w", l.name, address, err)
	}
	return tc, nil
}

// Close unregisters the group from the Mux and closes its connections.
func (l *streamLayer) Close() error {
	l.closeOnce.Do(func() {
		l.mux.mu.Lock()
		if l.mux.groups[l.name] == l {
			delete(l.mux.groups, l.name)
		}
		l.mux.mu.Unlock()

		l.cancel()
		l.mu.Lock()
		l.closed = true
		close(l.done)
		open := l.open
		l.open = nil
		l.mu.Unlock()
		for c := range open {
			c.closedByLayer.Store(true)
			c.Conn.Close()
		}
	})
	return nil
}

func (l *streamLayer) track(c net.Conn) (*muxConn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("raft group %s: %w", l.name, net.ErrClosed)
	}
	tc := &muxConn{Conn: c, layer: l}
	l.open[tc] = struct{}{}
	return tc, nil
}

func (l *streamLayer) forget(c *muxConn) {
	l.mu.Lock()
	delete(l.open, c)
	l.mu.Unlock()
}

// muxConn is a connection a streamLayer tracks until it is closed.
type muxConn struct {
	net.Conn
	layer         *streamLayer
	closedByLayer atomic.Bool
}

// Read reports the end of a connection the layer closed as io.EOF, which
// raft's connection handler takes as a normal end rather than an error.
func (c *muxConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && c.closedByLayer.Load() {
		err = io.EOF
	}
	return n, err
}

// Close closes the connection and stops tracking it.
func (c *muxConn) Close() error {
	c.layer.forget(c)
	return c.Conn.Close()
}
