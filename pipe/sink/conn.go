package sink

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// dialThrift connects to target (host:port) within timeout, honouring ctx.
// Every socket read and write is bounded by timeout too.
func dialThrift(ctx context.Context, target string, timeout time.Duration) (*thriftConn, error) {
	d := net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, err
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
