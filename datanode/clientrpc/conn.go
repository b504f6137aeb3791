package clientrpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"slices"
	"sync/atomic"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/status"
)

// conn is one client connection. A reader goroutine splits the byte stream
// into frames; the serving goroutine runs them one at a time, so the
// sessions map needs no lock. The reader keeps reading while a request runs,
// which is how a client disconnecting mid-request cancels its context.
type conn struct {
	srv    *Server
	nc     net.Conn
	id     uint64
	remote string

	// authenticated is set once a login succeeded on the connection; the
	// reader goroutine reads it to choose the frame limit.
	authenticated atomic.Bool

	compact  bool // protocol of the connection, sniffed from its first frame
	sniffed  bool
	sessions map[int64]*session // owned by the serving goroutine
	loginErr error              // the last failed login, for RequestStatementId
}

// frame is one request. body is nil for an oversize frame, whose head holds
// the first bytes (enough to name the method) and size the full length.
// limit is the limit it exceeded; preLogin says that limit was the
// pre-login one, after which the connection is dropped.
type frame struct {
	body     []byte
	head     []byte
	size     int64
	limit    int64
	preLogin bool
}

// connFrom returns the connection a handler's request arrived on.
func connFrom(ctx context.Context) *conn {
	cc, _ := clientconn.From(ctx)
	c, _ := cc.(*conn)
	return c
}

// The first byte of a message tells the protocol apart: strict binary
// messages start with the version word 0x8001, compact ones with 0x82.
const compactProtocolID = 0x82

// oversizeHeadBytes is how much of an oversize frame is kept to name the
// method in the reply.
const oversizeHeadBytes = 4096

func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := c.srv.log.With("remote", c.remote)
	log.Debug("client connected")
	stopLoginTimer := c.startLoginTimer()
	defer stopLoginTimer()

	frames := make(chan frame)
	c.srv.goAttach(func() {
		defer cancel()
		defer close(frames)
		if err := c.readFrames(ctx, frames); err != nil && ctx.Err() == nil && !isDisconnect(err) {
			log.Info("dropping client connection", "err", err)
		}
	})

	hctx := clientconn.With(ctx, c)
	for f := range frames {
		if err := c.handle(hctx, f); err != nil {
			if ctx.Err() == nil && !isDisconnect(err) {
				log.Info("dropping client connection", "err", err)
			}
			break
		}
	}
	cancel()
	_ = c.nc.Close()
	for _, ss := range c.sessions {
		c.srv.closeSession(c, ss)
	}
	if f := c.srv.cfg.OnDisconnect; f != nil {
		f(c.id)
	}
	log.Debug("client disconnected")
}

// errPreLoginFrame ends a connection that sent a request over the pre-login
// limit before logging in.
var errPreLoginFrame = errors.New("request over the pre-login size limit")

func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// readFrames reads frames until the connection fails or ctx is done.
func (c *conn) readFrames(ctx context.Context, out chan<- frame) error {
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
			return err
		}
		size := int64(binary.BigEndian.Uint32(hdr[:]))
		limit := c.frameLimit()
		var f frame
		switch {
		case size > maxFrameLimit:
			return fmt.Errorf("frame size %d is not valid", size)
		case size > limit && !c.authenticated.Load():
			// A stranger announcing a large request: answer from its head
			// and hang up rather than read (or drain) the rest.
			head, err := readBody(c.nc, int(min(size, oversizeHeadBytes)))
			if err != nil {
				return err
			}
			c.srv.metrics.refused.WithLabelValues(refusedPreLogin).Inc()
			select {
			case out <- frame{head: head, size: size, limit: limit, preLogin: true}:
			case <-ctx.Done():
			}
			return errPreLoginFrame
		case size > limit:
			head, err := readBody(c.nc, int(min(size, oversizeHeadBytes)))
			if err != nil {
				return err
			}
			// Drain the rest so that the connection stays usable and the
			// client, which writes its whole request before reading, gets
			// the reply instead of a reset.
			if _, err := io.CopyN(io.Discard, c.nc, size-int64(len(head))); err != nil {
				return err
			}
			f = frame{head: head, size: size, limit: limit}
		case size <= wholeBodyBytes && c.authenticated.Load():
			// A logged-in client's request of a usual size is read
			// into one buffer of its size.
			body := make([]byte, size)
			if _, err := io.ReadFull(c.nc, body); err != nil {
				return err
			}
			f = frame{body: body, size: size}
		default:
			body, err := readBody(c.nc, int(size))
			if err != nil {
				return err
			}
			f = frame{body: body, size: size}
		}
		select {
		case out <- f:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readBody reads n bytes, growing the buffer as they arrive rather than
// trusting the announced size up front: it starts at readStep and doubles,
// so a peer announcing more than it sends holds at most twice what it sent,
// and the bytes are copied less than once on the way (growing by a fixed
// step copied a request of several MB many times over).
func readBody(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, readStep))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n, 2*cap(buf))-len(buf))
		}
		m, err := io.ReadFull(r, buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// readStep is the buffer a request body is first read into.
const readStep = 1 << 20

// wholeBodyBytes is the largest request of a logged-in client read into a
// buffer of its announced size at once: no growth, no copy. A client
// announcing that much and sending less holds no more than a request of
// that size would; larger ones grow with what arrives (readBody).
const wholeBodyBytes = 16 << 20

// handle runs one frame and writes the reply. An error means the
// connection must be dropped.
func (c *conn) handle(ctx context.Context, f frame) (err error) {
	first := f.body
	if first == nil {
		first = f.head
	}
	if !c.sniffed && len(first) > 0 {
		c.compact, c.sniffed = first[0] == compactProtocolID, true
	}
	out := thrift.NewTMemoryBuffer()
	oprot := c.protocol(out, 0)
	if f.body == nil {
		if err := c.replyOversize(ctx, f, oprot); err != nil {
			return err
		}
		if err := c.writeFrame(out.Bytes()); err != nil || !f.preLogin {
			return err
		}
		return errPreLoginFrame
	}

	in := thrift.NewTMemoryBuffer()
	in.Buffer = bytes.NewBuffer(f.body)
	iprot := c.protocol(in, len(f.body))
	if !c.compact {
		iprot = wholeBinary{TProtocol: iprot, in: in}
	}
	defer func() {
		// The generated code does not panic on bad input, but a bug must
		// cost one connection, not the process.
		if p := recover(); p != nil {
			c.srv.log.Error("BUG: panic while processing a client request", "remote", c.remote, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	_, perr := c.srv.processor.Process(ctx, iprot, oprot)
	if out.Len() == 0 {
		if perr == nil {
			return errors.New("request produced no reply")
		}
		return perr
	}
	if perr != nil {
		// A malformed or unknown call: the processor has written an
		// exception reply, and framing keeps the stream intact.
		c.srv.log.Debug("client request failed in the thrift layer", "remote", c.remote, "err", perr)
	}
	return c.writeFrame(out.Bytes())
}

// protocol returns the connection's protocol over t. A positive
// messageSize bounds every length the peer announces inside the message,
// so a forged list length cannot force a huge allocation.
func (c *conn) protocol(t thrift.TTransport, messageSize int) thrift.TProtocol {
	cfg := &thrift.TConfiguration{
		MaxMessageSize:    int32(c.srv.cfg.MaxFrameBytes),
		TBinaryStrictRead: thrift.BoolPtr(false),
	}
	if messageSize > 0 {
		cfg.MaxMessageSize = int32(messageSize)
	}
	if c.compact {
		return thrift.NewTCompactProtocolConf(t, cfg)
	}
	return thrift.NewTBinaryProtocolConf(t, cfg)
}

func (c *conn) writeFrame(payload []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	bufs := net.Buffers{hdr[:], payload}
	_, err := bufs.WriteTo(c.nc)
	return err
}

// statusMethods are the TSIService methods whose reply is a bare TSStatus,
// and execMethods those replying with a TSExecuteStatementResp: an
// oversize request to one of them gets a regular reply carrying
// OversizeRecord; other methods get a Thrift application exception.
var (
	statusMethods = map[string]bool{
		"closeSession": true, "executeBatchStatement": true, "cancelOperation": true,
		"closeOperation": true, "setTimeZone": true, "setStorageGroup": true,
		"createTimeseries": true, "createAlignedTimeseries": true, "createMultiTimeseries": true,
		"deleteTimeseries": true, "deleteStorageGroups": true, "insertRecord": true,
		"insertStringRecord": true, "insertTablet": true, "insertTablets": true,
		"insertRecords": true, "insertRecordsOfOneDevice": true,
		"insertStringRecordsOfOneDevice": true, "insertStringRecords": true,
		"testInsertTablet": true, "testInsertTablets": true, "testInsertRecord": true,
		"testInsertStringRecord": true, "testInsertRecords": true,
		"testInsertRecordsOfOneDevice": true, "testInsertStringRecords": true,
		"deleteData": true, "createSchemaTemplate": true, "appendSchemaTemplate": true,
		"pruneSchemaTemplate": true, "setSchemaTemplate": true, "unsetSchemaTemplate": true,
		"setUsingTemplate": true, "unsetUsingTemplate": true, "dropSchemaTemplate": true,
		"executeOperationSync": true,
	}
	execMethods = map[string]bool{
		"executeStatement": true, "executeQueryStatement": true, "executeUpdateStatement": true,
		"executeRawDataQuery": true, "executeLastDataQuery": true,
	}
)

// replyOversize answers a request that exceeded MaxFrameBytes.
func (c *conn) replyOversize(ctx context.Context, f frame, oprot thrift.TProtocol) error {
	in := thrift.NewTMemoryBuffer()
	in.Buffer = bytes.NewBuffer(f.head)
	name, _, seqID, err := c.protocol(in, len(f.head)).ReadMessageBegin(ctx)
	if err != nil {
		return fmt.Errorf("oversize frame of %d bytes without a readable message header: %w", f.size, err)
	}
	msg := fmt.Sprintf("request %s of %d bytes exceeds the limit of %d bytes", name, f.size, f.limit)
	if f.preLogin {
		msg = fmt.Sprintf("request %s of %d bytes exceeds the limit of %d bytes before login: open a session first", name, f.size, f.limit)
	}
	c.srv.log.Warn("rejected oversize request", "remote", c.remote, "method", name, "bytes", f.size, "limit", f.limit, "before_login", f.preLogin)
	if _, known := c.srv.processor.GetProcessorFunction(name); known {
		c.srv.metrics.observe(name, status.OversizeRecord, 0)
	}
	st := &rpc.TSStatus{Code: int32(status.OversizeRecord), Message: &msg}

	var result interface {
		Write(context.Context, thrift.TProtocol) error
	}
	typ := thrift.REPLY
	switch {
	case statusMethods[name]:
		result = &rpc.TSIServiceInsertTabletResult{Success: st}
	case execMethods[name]:
		result = &rpc.TSIServiceExecuteStatementResult{Success: &rpc.TSExecuteStatementResp{Status: st, QueryId: thrift.Int64Ptr(noQuery)}}
	default:
		typ = thrift.EXCEPTION
		result = thrift.NewTApplicationException(thrift.PROTOCOL_ERROR, msg)
	}
	if err := oprot.WriteMessageBegin(ctx, name, typ, seqID); err != nil {
		return err
	}
	if err := result.Write(ctx, oprot); err != nil {
		return err
	}
	return oprot.WriteMessageEnd(ctx)
}
