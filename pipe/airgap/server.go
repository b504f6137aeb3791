package airgap

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// Handler serves the requests of air-gap connections: the pipe receiver,
// the same one that serves pipeTransfer on the client port.
type Handler interface {
	// Handle serves one request; ctx carries the connection
	// (clientconn.From), which the handler marks authenticated once a
	// handshake on it succeeds.
	Handle(ctx context.Context, req *pipethrift.TPipeTransferReq) *pipethrift.TPipeTransferResp
	// ConnClosed forgets what the handler holds for a connection.
	ConnClosed(connID uint64)
}

// Defaults of Config.
const (
	DefaultMaxFrameBytes         = 256 << 20
	DefaultPreLoginMaxFrameBytes = 64 << 10
	DefaultLoginTimeout          = 10 * time.Second
	DefaultReadTimeout           = 900 * time.Second
	DefaultMaxConnections        = 4096
)

// connIDBase sets the top bit of every air-gap connection id, keeping them
// apart from the client port's, which count up from 1: the handler keys
// sessions by connection id and serves both listeners.
const connIDBase = 1 << 63

// Config configures a Server. Zero fields take the defaults.
type Config struct {
	// Addr is the host:port to listen on (dn_rpc_address and
	// pipe_air_gap_receiver_port).
	Addr string
	// MaxFrameBytes bounds a frame on a connection that has handshaken
	// (thrift_max_frame_size); default DefaultMaxFrameBytes.
	MaxFrameBytes int
	// PreLoginMaxFrameBytes bounds a frame before the connection's
	// handshake succeeded (dn_rpc_prelogin_max_frame_size); default
	// DefaultPreLoginMaxFrameBytes.
	PreLoginMaxFrameBytes int
	// LoginTimeout is the time a connection has, from its accept, to
	// complete a handshake (dn_rpc_login_timeout_ms); default
	// DefaultLoginTimeout.
	LoginTimeout time.Duration
	// ReadTimeout bounds the wait for a whole frame, idle time before it
	// included, on a connection that has handshaken (pipe_sink_timeout_ms,
	// as IoTDB's receiver sets its socket timeout); default
	// DefaultReadTimeout.
	ReadTimeout time.Duration
	// MaxConnections caps the air-gap connections open at once
	// (dn_rpc_max_concurrent_client_num); one past the cap is closed as
	// soon as it is accepted. Default DefaultMaxConnections.
	MaxConnections int
}

func (c *Config) applyDefaults() {
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.PreLoginMaxFrameBytes <= 0 {
		c.PreLoginMaxFrameBytes = DefaultPreLoginMaxFrameBytes
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = DefaultLoginTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
}

// Server is the air-gap receiver: it accepts connections, reads their
// frames one at a time and answers each with one byte.
type Server struct {
	cfg     Config
	h       Handler
	log     *slog.Logger
	metrics *metrics

	ln      net.Listener
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	nextID  atomic.Uint64
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// New returns a Server feeding h; Start listens. Metrics are registered on
// reg when it is not nil.
func New(cfg Config, h Handler, logger *slog.Logger, reg prometheus.Registerer) *Server {
	cfg.applyDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, h: h, log: logger.With("component", "pipe-air-gap-receiver"),
		metrics: newMetrics(reg), conns: make(map[net.Conn]struct{})}
}

// Start listens on Config.Addr and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("air-gap receiver: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	s.ln = ln // from here on Close closes it
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept()
	s.log.Info("pipe air-gap receiver listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the address listened on; nil before Start.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serving reports whether the server accepts connections: started and not
// closed, for the node's readiness.
func (s *Server) Serving() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln != nil && !s.closing
}

// Close stops listening, closes every connection and waits for their
// requests to end. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.ln == nil || s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.cancel()
	err := s.ln.Close()
	s.wg.Wait()
	s.metrics.unregister()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("air-gap accept failed", "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-s.ctx.Done():
				return
			}
			continue
		}
		if !s.track(nc) {
			continue
		}
		c := &conn{srv: s, nc: nc, id: connIDBase | s.nextID.Add(1), remote: nc.RemoteAddr().String()}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc)
			c.serve()
		}()
	}
}

// track records a new connection; it closes one past the cap, or any once
// the server is closing.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.conns) >= s.cfg.MaxConnections {
		if !s.closing {
			s.log.Warn("air-gap connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max", s.cfg.MaxConnections)
			s.metrics.closed.WithLabelValues(closedTooMany).Inc()
		}
		nc.Close()
		return false
	}
	s.conns[nc] = struct{}{}
	s.metrics.open.Inc()
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, nc)
	s.metrics.open.Dec()
}

// conn is one air-gap connection; it implements clientconn.Conn.
type conn struct {
	srv           *Server
	nc            net.Conn
	id            uint64
	remote        string
	authenticated atomic.Bool
}

// ID is the connection's id, its top bit set.
func (c *conn) ID() uint64 { return c.id }

// Remote is the peer's host:port.
func (c *conn) Remote() string { return c.remote }

// Authenticate lifts the pre-login limits; the handler calls it once a
// handshake succeeded.
func (c *conn) Authenticate() { c.authenticated.Store(true) }

func (c *conn) preLogin() bool { return !c.authenticated.Load() }

func (c *conn) answer(b byte) error {
	_, err := c.nc.Write([]byte{b})
	return err
}

// serve reads and answers frames until the peer leaves, a frame is bad or
// a deadline passes. Before the handshake the whole exchange must end
// within LoginTimeout of the accept, with frames of PreLoginMaxFrameBytes
// at most; afterwards each frame must arrive whole within ReadTimeout.
func (c *conn) serve() {
	s := c.srv
	log := s.log.With("remote", c.remote)
	defer s.h.ConnClosed(c.id)
	defer c.nc.Close()
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetKeepAlive(true)
	}
	log.Debug("air-gap connection accepted")
	loginDeadline := time.Now().Add(s.cfg.LoginTimeout)
	ctx := clientconn.With(s.ctx, c)
	br := bufio.NewReader(c.nc)
	for {
		limit, deadline := s.cfg.PreLoginMaxFrameBytes, loginDeadline
		if !c.preLogin() {
			limit, deadline = s.cfg.MaxFrameBytes, time.Now().Add(s.cfg.ReadTimeout)
		}
		_ = c.nc.SetReadDeadline(deadline)
		req, err := ReadFrame(br, limit)
		if err != nil {
			c.closeOn(log, err, limit)
			return
		}
		_ = c.nc.SetWriteDeadline(time.Now().Add(s.cfg.ReadTimeout))
		answer, hangUp := c.handle(ctx, log, req)
		if hangUp {
			// The one-byte answer cannot say "try again later": a FAIL
			// would stop the sender's pipe as for a wrong password, while
			// a closed connection is retried.
			log.Info("air-gap connection closed: the login throttle asks the sender to wait")
			s.metrics.closed.WithLabelValues(closedThrottled).Inc()
			return
		}
		if err := c.answer(answer); err != nil {
			log.Info("air-gap connection closed: answering failed", "err", err)
			s.metrics.closed.WithLabelValues(closedIO).Inc()
			return
		}
	}
}

// closeOn logs why a frame could not be read and, for a frame that was
// refused rather than cut off, answers FAIL before the connection closes,
// as IoTDB's receiver does.
func (c *conn) closeOn(log *slog.Logger, err error, limit int) {
	reason := closedIO
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || c.srv.ctx.Err() != nil:
		log.Debug("air-gap connection closed by the peer")
		c.srv.metrics.closed.WithLabelValues(closedEOF).Inc()
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		reason = closedTimeout
		what := "no frame within the read timeout (pipe_sink_timeout_ms)"
		if c.preLogin() {
			what = "no handshake within the login timeout (dn_rpc_login_timeout_ms)"
		}
		log.Info("air-gap connection closed: "+what, "err", err)
	case errors.Is(err, ErrTooLarge):
		reason = closedOversize
		key := "thrift_max_frame_size"
		if c.preLogin() {
			key = "dn_rpc_prelogin_max_frame_size, before a handshake"
		}
		log.Warn("air-gap connection closed: frame over the limit", "err", err, "limit", limit, "key", key)
	case errors.Is(err, ErrChecksum):
		reason = closedChecksum
		log.Warn("air-gap connection closed: bad checksum", "err", err)
	case errors.Is(err, ErrBadLength), errors.Is(err, ErrELanguage):
		reason = closedMalformed
		log.Warn("air-gap connection closed: malformed frame", "err", err)
	default:
		log.Info("air-gap connection closed", "err", err)
	}
	c.srv.metrics.closed.WithLabelValues(reason).Inc()
	if reason != closedIO && reason != closedTimeout {
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_ = c.answer(ResponseFail)
	}
}

// handle runs one request and returns its one-byte answer. The reason of
// a failure can only be logged: the protocol has no room for it. hangUp
// asks for the connection to be closed without an answer instead: the
// login throttle refused a handshake, a reason to wait, not to stop.
func (c *conn) handle(ctx context.Context, log *slog.Logger, req Request) (answer byte, hangUp bool) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("BUG: panic while serving an air-gap request", "type", req.Type, "panic", p, "stack", string(debug.Stack()))
			answer = ResponseFail
		}
		result := "ok"
		if answer != ResponseOK {
			result = "fail"
		}
		c.srv.metrics.requests.WithLabelValues(result).Inc()
	}()
	resp := c.srv.h.Handle(ctx, &pipethrift.TPipeTransferReq{Version: req.Version, Type: req.Type, Body: req.Body})
	st := resp.GetStatus()
	if st != nil && (st.Code == int32(status.Success) || st.Code == int32(status.RedirectionRecommend)) {
		return ResponseOK, false
	}
	code, msg := int32(-1), "no status"
	if st != nil {
		code, msg = st.Code, st.GetMessage()
	}
	log.Warn("air-gap request refused", "type", req.Type, "e_language", req.ELanguage, "code", code, "message", msg)
	return ResponseFail, throttle.IsRefusal(msg)
}
