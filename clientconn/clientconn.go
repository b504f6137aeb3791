// Package clientconn carries, in a request's context, the client-port
// connection the request arrived on, so that the services sharing that port
// (the IoTDB client service and the pipe receiver) agree on who is
// connected without depending on each other.
package clientconn

import "context"

// Conn is a client-port connection.
type Conn interface {
	// ID is unique for the connection's lifetime among the connections
	// of every listener feeding the same services: the client port's
	// count up from 1, the pipe air-gap listener's have the top bit set.
	ID() uint64
	// Remote is the peer's address, host:port.
	Remote() string
	// Authenticate marks the connection logged in: its pre-login limits
	// (request size, login timeout) no longer apply.
	Authenticate()
}

type key struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c Conn) context.Context { return context.WithValue(ctx, key{}, c) }

// From returns the connection ctx carries; false for a ctx that carries
// none (an in-process call).
func From(ctx context.Context) (Conn, bool) {
	c, ok := ctx.Value(key{}).(Conn)
	return c, ok
}
