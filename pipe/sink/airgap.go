package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/airgap"
	"github.com/sluicedb/sluice/pipe/transfer"
)

// AirGapMaxPayloadBytes is the most tablet bytes (uncompressed, as
// transfer.Split counts them) the air-gap sink puts in one request. Its
// receiver cannot tell it its pipe_receiver_max_decompressed_bytes as a
// Thrift receiver's handshake does, so the sink splits batches to a size
// every receiver at its defaults takes.
const AirGapMaxPayloadBytes = 16 << 20

// airGapSink is iotdb-air-gap-sink: Sluice's handshake and tablets
// requests framed as IoTDB's air-gap protocol (pipe/airgap) on one plain
// TCP connection, each answered OK or FAIL in one byte. The handshake's
// answer carries no token: the receiver binds the session to the
// connection. Transfers are serialised, as IoTDB's air-gap sink sends
// them, so the receiver applies them in order. The connection opens
// lazily to the next target round-robin, failing over to the others.
type airGapSink struct {
	sinkBase
	conn *slotPool[*airGapConn] // one slot: the connection
}

// airGapConn is a connection that handshook.
type airGapConn struct {
	target string
	nc     net.Conn
}

func (c *airGapConn) close() { c.nc.Close() }

func newAirGapSink(a *attributes, cfg Config, logger *slog.Logger, m *sinkMetrics) *airGapSink {
	return &airGapSink{sinkBase: newSinkBase(a, cfg, logger, m), conn: newSlotPool[*airGapConn](1, m)}
}

// InFlight is 1: transfers take turns on the one connection.
func (s *airGapSink) InFlight() int { return 1 }

// TargetClusterID is "": the air-gap protocol's answers carry no cluster
// id. A receiver refuses a handshake from its own cluster instead.
func (s *airGapSink) TargetClusterID() string { return "" }

// Connections is 1 while the connection is open, else 0.
func (s *airGapSink) Connections() int { return s.conn.count() }

// Transfer sends the batch and returns nil once the receiver answered OK
// to every part of it. The air-gap protocol carries data only: a batch's
// series schema is left out.
func (s *airGapSink) Transfer(ctx context.Context, b *pipe.Batch) error {
	if len(b.Tablets) == 0 {
		return nil
	}
	return s.conn.transfer(ctx, b, s.transfer)
}

// transfer sends b on the slot's connection, opening one if needed, and
// once more on a new connection when an idle one turned out stale.
func (s *airGapSink) transfer(ctx context.Context, slot **airGapConn, b *pipe.Batch) error {
	for attempt := 0; ; attempt++ {
		c, fresh, err := connectSlot(ctx, slot, s.dial)
		if err != nil {
			return err
		}
		err = s.sendBatch(ctx, c, b)
		if err == nil {
			return nil
		}
		// After a FAIL the receiver may have closed the connection (it
		// does after a bad frame), or the session may have ended (the
		// user's password changed), which only a new handshake tells;
		// after an I/O error the stream is out of step. Either way the
		// next transfer starts on a new connection.
		s.conn.drop(c)
		*slot = nil
		var refused *airGapRefused
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, pipe.ErrFatal), errors.As(err, &refused):
			return err
		case !fresh && attempt == 0 && retryable(err):
			s.log.Debug("idle air-gap connection failed, retrying on a new one", "target", c.target, "err", err)
			continue
		}
		return fmt.Errorf("%s %s: transfer: %w", s.a.plugin, c.target, err)
	}
}

// sendBatch sends b's tablets in requests of AirGapMaxPayloadBytes at most,
// in order; a failure resends them all, which applying tolerates.
func (s *airGapSink) sendBatch(ctx context.Context, c *airGapConn, b *pipe.Batch) error {
	for _, part := range transfer.Split(b.Tablets, AirGapMaxPayloadBytes) {
		typ, body, err := encodeTablets(s.a, transfer.Tablets{Origin: b.Origin, Tablets: part}, nil)
		if err != nil {
			return err
		}
		ok, err := s.send(ctx, c, typ, body, s.cfg.Timeout)
		if err != nil {
			return err
		}
		if !ok {
			return &airGapRefused{plugin: s.a.plugin, target: c.target}
		}
	}
	return nil
}

// airGapRefused is a transfer the receiver answered FAIL. It is retried
// with backoff: the one-byte answer does not say whether retrying can help
// (a full disk) or not (a missing privilege), which the receiver's log
// tells.
type airGapRefused struct{ plugin, target string }

func (e *airGapRefused) Error() string {
	return fmt.Sprintf("%s %s: the receiver refused the transfer (the air-gap protocol answers only OK or FAIL; the receiver's log names the cause)", e.plugin, e.target)
}

// dial opens and handshakes a connection on the next target round-robin,
// failing over through the others.
func (s *airGapSink) dial(ctx context.Context) (*airGapConn, error) {
	c, err := dialNext(ctx, s.failover, s.conn, s.connect, s.handshake)
	if err != nil {
		return nil, err
	}
	s.log.Debug("connected", "target", c.target)
	return c, nil
}

// connect opens a TCP connection to target.
func (s *airGapSink) connect(ctx context.Context, target string) (*airGapConn, error) {
	d := net.Dialer{Timeout: s.a.airGapHandshakeTimeout, KeepAliveConfig: keepAlive, Control: controlSocket}
	nc, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			err = fmt.Errorf("%w (is the target's air-gap receiver on: pipe_air_gap_receiver_enabled=true, pipe_air_gap_receiver_port?)", err)
		}
		return nil, unreachable(ctx, target, err)
	}
	return &airGapConn{target: target, nc: nc}, nil
}

// handshake opens c's session. A FAIL is final: the receiver refuses the
// credentials, the timestamp precision or a sender of its own cluster,
// none of which retrying cures.
func (s *airGapSink) handshake(ctx context.Context, c *airGapConn) error {
	body := transfer.EncodeHandshake(transfer.Handshake{
		ClusterID:          s.cfg.ClusterID,
		TimestampPrecision: transfer.PrecisionMillis,
		User:               s.a.user,
		Password:           s.a.password,
		SenderVersion:      s.cfg.SenderVersion,
	})
	ok, err := s.send(ctx, c, transfer.TypeHandshake, body, s.a.airGapHandshakeTimeout)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("%s %s: handshake: %w", s.a.plugin, c.target, err)
	case !ok:
		return fatalf("%s %s: handshake refused for user %s: the air-gap receiver answers FAIL without a reason; check the sink's user and password (checked like a login), that the user may write, and that the target is another cluster's Sluice air-gap receiver. The receiver's log names the cause", s.a.plugin, c.target, s.a.user)
	}
	return nil
}

// send writes one request and reads its answer, within timeout and ctx.
func (s *airGapSink) send(ctx context.Context, c *airGapConn, typ int16, body []byte, timeout time.Duration) (ok bool, err error) {
	if err := s.limit.wait(ctx, len(body)); err != nil {
		return false, err
	}
	frame := airgap.Encode(transfer.Version, typ, body, s.a.airGapELanguage)
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	// Sockets do not watch contexts: an ended ctx moves the deadline to
	// the past, which fails the read or write under way.
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer watchStall(ctx, c.target, timeout)()
	if _, err := c.nc.Write(frame); err != nil {
		return false, err
	}
	s.m.sent(len(frame))
	var answer [1]byte
	if _, err := io.ReadFull(c.nc, answer[:]); err != nil {
		return false, err
	}
	return answer[0] == airgap.ResponseOK, nil
}

// Close closes the connection; a transfer in progress fails and later ones
// return ErrClosed. It is idempotent.
func (s *airGapSink) Close() error {
	s.conn.close()
	return nil
}
