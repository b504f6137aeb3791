package sink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// maxFrameBytes bounds a response frame; responses are statuses and small
// bodies, so this only guards against garbage.
const maxFrameBytes = 64 << 20

// thriftConn is one framed binary-protocol Thrift connection.
type thriftConn struct {
	target string
	nc     net.Conn
	client *thrift.TStandardClient
}

// tcpUserTimeout is how long sent data may stay unacknowledged by the
// peer's TCP stack before the connection fails (Linux only).
const tcpUserTimeout = 10 * time.Second

// keepAlive probes an idle connection after 5 s, every 2 s, and gives up
// after 3 unanswered probes: a pooled connection to a vanished peer is
// found dead in about 11 s rather than at its next use.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3}

// dialThrift connects to target (host:port) within timeout, honouring ctx,
// over TLS when tlsCfg is set. Every socket read and write is bounded by
// timeout too.
func dialThrift(ctx context.Context, target string, timeout time.Duration, tlsCfg *tls.Config) (*thriftConn, error) {
	d := net.Dialer{Timeout: timeout, KeepAliveConfig: keepAlive, Control: controlSocket}
	nc, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		tc := tls.Client(nc, tlsCfg)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("TLS with %s: %w", target, err)
		}
		nc = tc
	}
	conf := &thrift.TConfiguration{
		ConnectTimeout: timeout,
		SocketTimeout:  timeout,
		MaxFrameSize:   maxFrameBytes,
		MaxMessageSize: maxFrameBytes,
	}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(nc, conf), conf)
	proto := thrift.NewTBinaryProtocolConf(trans, conf)
	return &thriftConn{target: target, nc: nc, client: thrift.NewTStandardClient(proto, proto)}, nil
}

// call runs one RPC on c bounded by timeout and ctx. Thrift's socket does
// not watch contexts, so when either ends mid-call the connection is closed
// under the call to unblock it. lost reports that c is unusable: after any
// failed call the stream may be out of step, so it is dropped too.
func (c *thriftConn) call(ctx context.Context, timeout time.Duration, rpc func(ctx context.Context) error) (lost bool, err error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer watchStall(parent, c.target, timeout)()
	err = rpc(ctx)
	if !stop() {
		if err != nil {
			if perr := parent.Err(); perr != nil {
				err = perr
			} else {
				err = &timeoutError{timeout}
			}
		}
		return true, err
	}
	return err != nil, err
}

// stallWatch is a watchdog set on a context: a call that gets no answer
// within after is reported to stalled, once, while it goes on waiting up
// to its own timeout.
type stallWatch struct {
	after   time.Duration
	stalled func(target string, waited time.Duration)
}

type stallKey struct{}

// watch starts the watchdog of one call to target and returns its stop.
// A report under way when the call ends finishes before stop returns, and
// none starts after: whoever made the call hears of the stall before its
// outcome, so that a success can clear what the stall reported.
func (w stallWatch) watch(target string) (stop func()) {
	var mu sync.Mutex
	ended := false
	t := time.AfterFunc(w.after, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			w.stalled(target, w.after)
		}
	})
	return func() {
		t.Stop()
		mu.Lock()
		ended = true
		mu.Unlock()
	}
}

// watchStall starts the watchdog ctx carries (WithStallWatch), if any, on
// a call to target bounded by timeout, and returns its stop.
func watchStall(ctx context.Context, target string, timeout time.Duration) (stop func()) {
	if w, ok := ctx.Value(stallKey{}).(stallWatch); ok && w.after > 0 && w.after < timeout {
		return w.watch(target)
	}
	return func() {}
}

// WithStallWatch returns a context under which every sink call that goes
// unanswered for after calls stalled with the peer's host:port. The call
// itself still waits for its timeout (pipe_sink_timeout_ms). A call that
// ends while stalled runs returns once stalled has, so stalled should be
// quick.
func WithStallWatch(ctx context.Context, after time.Duration, stalled func(target string, waited time.Duration)) context.Context {
	return context.WithValue(ctx, stallKey{}, stallWatch{after: after, stalled: stalled})
}

// StallError describes a call that has had no answer for a while.
type StallError struct {
	Target string
	Waited time.Duration
}

// Error says who has not answered for how long.
func (e *StallError) Error() string {
	return fmt.Sprintf("no answer from %s for %s (the transfer waits up to pipe_sink_timeout_ms, then is retried)", e.Target, e.Waited)
}

// close closes the connection; it is safe to call more than once.
func (c *thriftConn) close() { c.nc.Close() }

// timeoutError is a call that got no answer in time.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s", e.d) }
func (e *timeoutError) Timeout() bool { return true }

// retryable reports whether a failed call may be retried at once on a new
// connection: a connection that went stale while idle fails fast (reset,
// EOF), whereas a timeout already took the whole time budget.
func retryable(err error) bool {
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return false
	}
	var tte thrift.TTransportException
	return !(errors.As(err, &tte) && tte.TypeId() == thrift.TIMED_OUT)
}
