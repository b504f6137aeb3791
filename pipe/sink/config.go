package sink

import "time"

// Defaults of Config, as IoTDB's pipe_sink_* settings.
const (
	DefaultTimeout    = 900 * time.Second
	DefaultMaxClients = 16
	DefaultSelectors  = 4
)

// Config holds node-level sink settings. Zero fields take the defaults.
type Config struct {
	// ClusterID is this (sending) cluster's id, sent at handshake so the
	// receiver can refuse its own cluster and mark the origin of writes.
	ClusterID string
	// SenderVersion is this node's version, sent at handshake.
	SenderVersion string
	// Timeout (pipe_sink_timeout_ms) bounds one connect, one handshake and
	// one transfer, and is the socket read/write timeout. Default
	// DefaultTimeout (900 s).
	Timeout time.Duration
	// MaxClients (pipe_sink_max_client_number) is the connection pool size
	// of an async sink, and so the number of transfers it runs in
	// parallel. Default DefaultMaxClients (16).
	MaxClients int
	// Selectors (pipe_sink_selector_number) is accepted for compatibility
	// and has no effect. IoTDB's async sink multiplexes its non-blocking
	// clients over that many NIO selector threads; in Go every connection
	// is a blocking call on its own goroutine and the runtime's network
	// poller (one epoll instance for the process) does the multiplexing,
	// so there is no selector pool to size. Parallelism is MaxClients.
	Selectors int
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxClients <= 0 {
		c.MaxClients = DefaultMaxClients
	}
	if c.Selectors <= 0 {
		c.Selectors = DefaultSelectors
	}
	return c
}
