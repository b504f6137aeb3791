package clientrpc

import (
	"context"
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

// Authenticate marks the connection that ctx's request arrived on as logged
// in: its requests may then be as large as Config.MaxFrameBytes and the
// login timeout no longer applies. openSession calls it on success; other
// services on the client port (the pipe receiver's handshake) call it
// once they have checked credentials. Without a connection in ctx it does
// nothing.
func Authenticate(ctx context.Context) {
	if c := connFrom(ctx); c != nil {
		c.authenticated.Store(true)
	}
}

// Conn describes the client connection a request arrived on.
type Conn struct {
	// ID is unique among the Server's connections for its lifetime.
	ID uint64
	// Remote is the peer's address, host:port.
	Remote string
}

// ConnOf returns the connection that ctx's request arrived on; false for
// a ctx that carries none (an in-process call).
func ConnOf(ctx context.Context) (Conn, bool) {
	if c := connFrom(ctx); c != nil {
		return Conn{ID: c.id, Remote: c.remote}, true
	}
	return Conn{}, false
}

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
