package clientrpc

import (
	"net"
	"sync"
	"time"
)

// Why a connection was turned away or dropped before it logged in, as
// sluice_rpc_connections_refused_total's reason label says it.
const (
	refusedLimit        = "limit"
	refusedLoginTimeout = "login_timeout"
	refusedPreLogin     = "prelogin_frame"
)

// ID, Remote and Authenticate make conn a clientconn.Conn, which the other
// services of the client port (the pipe receiver) find in a request's
// context: the receiver's handshake authenticates the connection it
// arrived on, as openSession does.

// ID is the connection's id, unique for the Server's lifetime.
func (c *conn) ID() uint64 { return c.id }

// Remote is the peer's address.
func (c *conn) Remote() string { return c.remote }

// Authenticate lifts the pre-login limits: requests may then be as large as
// Config.MaxFrameBytes and the login timeout no longer applies.
func (c *conn) Authenticate() { c.authenticated.Store(true) }

// frameLimit is the largest request the connection accepts now.
func (c *conn) frameLimit() int64 {
	if c.authenticated.Load() {
		return int64(c.srv.cfg.MaxFrameBytes)
	}
	return int64(c.srv.cfg.PreLoginMaxFrameBytes)
}

// startLoginTimer closes the connection if it has not logged in within
// Config.LoginTimeout. The returned func stops the timer.
func (c *conn) startLoginTimer() (stop func() bool) {
	t := time.AfterFunc(c.srv.cfg.LoginTimeout, func() {
		if c.authenticated.Load() {
			return
		}
		c.srv.metrics.refused.WithLabelValues(refusedLoginTimeout).Inc()
		c.srv.log.Info("closing a connection that did not log in", "remote", c.remote, "timeout", c.srv.cfg.LoginTimeout)
		_ = c.nc.Close()
	})
	return t.Stop
}

// refuse closes a connection accepted past Config.MaxConnections.
func (s *Server) refuse(nc net.Conn, open int) {
	_ = nc.Close()
	s.metrics.refused.WithLabelValues(refusedLimit).Inc()
	if n := s.refusals.note(time.Now()); n > 0 {
		s.log.Warn("refusing client connections: too many open (dn_rpc_max_concurrent_client_num)",
			"open", open, "limit", s.cfg.MaxConnections, "refused_since_last_warning", n, "remote", nc.RemoteAddr().String())
	}
}

// refusalLog rate-limits the warning about refused connections to one
// every refusalLogEvery, counting what it did not log.
type refusalLog struct {
	mu      sync.Mutex
	last    time.Time
	pending int
}

const refusalLogEvery = 10 * time.Second

// note records a refusal and returns how many to report now (0: stay
// quiet).
func (l *refusalLog) note(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending++
	if !l.last.IsZero() && now.Sub(l.last) < refusalLogEvery {
		return 0
	}
	n := l.pending
	l.last, l.pending = now, 0
	return n
}
