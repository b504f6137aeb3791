package clientrpc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// Backend is the DataNode as the client service sees it.
type Backend interface {
	// Login checks a user's credentials. It returns a status-coded error
	// (status.WrongLoginPassword, status.UserNotExist) when they do not match.
	Login(ctx context.Context, user, password string) error
	// Run executes one statement on behalf of user, resolving date-time
	// literals in zone. It returns a nil Result for statements without rows;
	// the caller closes the Result's Rows. Errors carry status codes
	// (status.Errorf); an error without one is reported as an internal error.
	Run(ctx context.Context, user string, zone *time.Location, stmt ast.Statement) (*model.Result, error)
}

// Redirector is implemented by a backend that knows where each device's
// region is led: a write of one device led elsewhere succeeds with IoTDB's
// redirection recommendation (400) naming that DataNode's client endpoint.
type Redirector interface {
	// LeaderEndpoint is the client endpoint of the DataNode leading
	// device's region, when that is not this node.
	LeaderEndpoint(device model.Path) (host string, port int, ok bool)
}

// Defaults of Config.
const (
	DefaultMaxFrameBytes = 256 << 20
	DefaultFetchSize     = 10000
	DefaultMaxPageBytes  = 4 << 20
	DefaultVersion       = "1.3.2"

	DefaultMaxConnections        = 4096
	DefaultPreLoginMaxFrameBytes = 64 << 10
	DefaultLoginTimeout          = 10 * time.Second
)

// Config configures a Server. Zero fields take the documented defaults.
type Config struct {
	// Addr is the host:port to listen on, e.g. "0.0.0.0:6667".
	Addr string
	// MaxFrameBytes bounds the size of one request frame. A larger request
	// is read and discarded and answered with status OversizeRecord (522).
	// Default DefaultMaxFrameBytes (256 MiB).
	MaxFrameBytes int
	// FetchSizeDefault is the page size, in rows, of a query whose request
	// gives none. Default DefaultFetchSize (10000, as IoTDB).
	FetchSizeDefault int
	// MaxPageBytes cuts a result page short once its encoded values reach
	// this size. The Go client refuses response frames over 16,384,000
	// bytes, so keep it well below that. Default DefaultMaxPageBytes (4 MiB).
	MaxPageBytes int
	// Version is reported by GetProperties and OpenSession. Default
	// DefaultVersion, the IoTDB version whose protocol is served.
	Version string
	// Parse turns SQL text into statements. Default parser.Parse.
	Parse func(sql string) ([]ast.Statement, error)
	// ExtraMethods are served on the same port next to TSIService, keyed by
	// Thrift method name (the DataNode adds pipeTransfer here). They see
	// the same framing and protocol as TSIService calls.
	ExtraMethods map[string]thrift.TProcessorFunction
	// OnDisconnect, when set, is told the ConnOf id of every connection
	// that closes, so that what the extra methods hold for it (the pipe
	// receiver's tokens) goes with it.
	OnDisconnect func(connID uint64)

	// MaxConnections caps the connections open at once; one past the cap
	// is closed as soon as it is accepted. Default DefaultMaxConnections.
	MaxConnections int
	// PreLoginMaxFrameBytes bounds a request on a connection that has not
	// logged in yet (openSession, or a pipe handshake through Authenticate):
	// a larger one is answered with OversizeRecord and the connection is
	// dropped, so strangers cannot make the server buffer MaxFrameBytes.
	// Default DefaultPreLoginMaxFrameBytes (64 KiB).
	PreLoginMaxFrameBytes int
	// LoginTimeout closes a connection that has not logged in within it.
	// Default DefaultLoginTimeout (10 s).
	LoginTimeout time.Duration
	// TLS, when set, serves every connection over TLS
	// (enable_thrift_ssl); a client speaking plain Thrift gets nothing
	// answered.
	TLS *tls.Config
	// Queries registers every statement while it runs and its result is
	// open, for SHOW QUERIES and KILL QUERY. Default a registry of its own
	// for DataNode 0.
	Queries *queries.Registry
	// Throttle slows down repeated failed logins per user and address.
	// Default a throttle.New(throttle.DefaultPolicy) of the Server's own.
	Throttle *throttle.Throttle
}

func (c *Config) applyDefaults() {
	if c.MaxFrameBytes <= 0 || c.MaxFrameBytes > maxFrameLimit {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.FetchSizeDefault <= 0 {
		c.FetchSizeDefault = DefaultFetchSize
	}
	if c.MaxPageBytes <= 0 {
		c.MaxPageBytes = DefaultMaxPageBytes
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.Queries == nil {
		c.Queries = queries.New(0)
	}
	if c.Parse == nil {
		c.Parse = parser.Parse
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.PreLoginMaxFrameBytes <= 0 {
		c.PreLoginMaxFrameBytes = DefaultPreLoginMaxFrameBytes
	}
	c.PreLoginMaxFrameBytes = min(c.PreLoginMaxFrameBytes, c.MaxFrameBytes)
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = DefaultLoginTimeout
	}
	if c.Throttle == nil {
		c.Throttle = throttle.New(throttle.DefaultPolicy)
	}
}

// maxFrameLimit is the largest frame Thrift's signed 32-bit sizes can describe.
const maxFrameLimit = 1<<31 - 1

// ErrServerClosed is returned by Start on a Server that was closed.
var ErrServerClosed = errors.New("client rpc server closed")

// Server serves TSIService to clients. Create it with New, then Start it.
type Server struct {
	cfg       Config
	backend   Backend
	log       *slog.Logger
	metrics   *metrics
	processor *rpc.TSIServiceProcessor

	nextSessionID atomic.Int64
	nextQueryID   atomic.Int64
	nextConnID    atomic.Uint64
	refusals      refusalLog

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	started  bool
	closed   bool
	cancel   context.CancelFunc
	serveCtx context.Context // Start's, until Close
	wg       sync.WaitGroup
}

// New returns a Server that runs requests on b. Metrics are registered on
// reg when it is not nil.
func New(cfg Config, b Backend, logger *slog.Logger, reg prometheus.Registerer) *Server {
	cfg.applyDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:     cfg,
		backend: b,
		log:     logger.With("component", "clientrpc"),
		metrics: newMetrics(reg),
		conns:   make(map[*conn]struct{}),
	}
	s.processor = rpc.NewTSIServiceProcessor(&service{srv: s})
	for name, fn := range cfg.ExtraMethods {
		s.processor.AddToProcessorMap(name, fn)
	}
	return s
}

// Start listens on Config.Addr and serves connections in the background
// until ctx is done or Close is called. It returns listen errors.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.started {
		return errors.New("client rpc server already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.TLS != nil {
		// The handshake runs on each connection's first read, in its own
		// goroutine, within the login timeout.
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.ln, s.cancel, s.serveCtx, s.started = ln, cancel, ctx, true
	s.goAttach(func() {
		<-ctx.Done()
		s.shutdownConns()
	})
	s.goAttach(func() { s.acceptLoop(ctx, ln) })
	s.log.Info("client rpc service listening", "addr", ln.Addr().String())
	return nil
}

// Addr returns the listening address, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serving reports whether the server accepts connections: started, and
// neither closed nor stopped by the end of Start's context.
func (s *Server) Serving() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started && !s.closed && s.serveCtx.Err() == nil
}

// Close stops accepting, closes every connection (ending its sessions and
// queries) and waits for all goroutines. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.shutdownConns()
	s.wg.Wait()
	return nil
}

// shutdownConns closes the listener and every connection; the goroutines
// serving them notice and exit.
func (s *Server) shutdownConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		_ = s.ln.Close()
	}
	for c := range s.conns {
		_ = c.nc.Close()
	}
}

// goAttach runs f on a goroutine that Close waits for.
func (s *Server) goAttach(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

func (s *Server) acceptLoop(ctx context.Context, ln net.Listener) {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Resource exhaustion (EMFILE and the like): wait and retry.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
				continue
			case <-ctx.Done():
				return
			}
		}
		backoff = 0
		c := &conn{srv: s, nc: nc, id: s.nextConnID.Add(1), remote: nc.RemoteAddr().String(), sessions: make(map[int64]*session)}
		s.mu.Lock()
		if s.closed || ctx.Err() != nil {
			s.mu.Unlock()
			_ = nc.Close()
			return
		}
		if open := len(s.conns); open >= s.cfg.MaxConnections {
			s.mu.Unlock()
			s.refuse(nc, open)
			continue
		}
		s.conns[c] = struct{}{}
		s.metrics.connections.Set(float64(len(s.conns)))
		s.mu.Unlock()
		s.goAttach(func() {
			c.serve(ctx)
			s.mu.Lock()
			delete(s.conns, c)
			s.metrics.connections.Set(float64(len(s.conns)))
			s.mu.Unlock()
		})
	}
}
