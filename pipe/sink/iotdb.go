package sink

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// IoTDB 1.3's status codes (TSStatusCode) that its pipe receivers answer
// and its senders act on, besides the common ones in package status.
const (
	// codeIoTDBTypeError answers a request type the receiver does not
	// know: to a V2 handshake, a receiver older than V2.
	codeIoTDBTypeError int32 = 1801
	// codeIoTDBHandshakeError refuses a handshake (timestamp precision,
	// a sender of the receiver's own cluster).
	codeIoTDBHandshakeError int32 = 1802
	// codeIoTDBIdempotentConflict: the write changes nothing the receiver
	// keeps (out of its TTL, a conflict it resolved); IoTDB's sender
	// counts it as done.
	codeIoTDBIdempotentConflict int32 = 1809
	// codeIoTDBUserConflict: the receiver's schema conflicts with the
	// write in a way a user has to resolve (aligned vs non-aligned, a
	// schema quota).
	codeIoTDBUserConflict int32 = 1810
)

// iotdbExceptionMarker is in the message of the status an IoTDB 1.3
// receiver answers a request it failed to read with (PipeError, 1107,
// "Exception ... encountered while handling request ..."). Sent Sluice's
// handshake, an IoTDB receiver answers with it: the body is not the
// timestamp precision string its V1 handshake of the same type number
// carries. A Sluice receiver never does: it answers Sluice's handshake
// with success or a refusal of its own words.
const iotdbExceptionMarker = "encountered while handling request"

// precisionScale is by how much a millisecond timestamp is multiplied in
// each precision an IoTDB receiver may keep.
var precisionScale = map[string]int64{"ms": 1, "us": 1_000, "ns": 1_000_000}

// iotdbSession is what a connection to an IoTDB receiver keeps from its
// handshake: the timestamp precision both ends agreed on.
type iotdbSession struct {
	precision string
	scale     int64
}

// isIoTDBAnswer reports whether st is an IoTDB receiver's answer to
// Sluice's handshake (see iotdbExceptionMarker).
func isIoTDBAnswer(st *pipethrift.TSStatus) bool {
	return st.Code == int32(status.PipeError) && strings.Contains(st.GetMessage(), iotdbExceptionMarker)
}

// isIoTDBFailure reports whether err is how the first IoTDB 1.3 releases
// answer Sluice's handshake: their receiver lets its failure to read the
// body escape, and Thrift answers with an internal-error exception, after
// which the connection is still in step. Sluice's receiver answers every
// request with a status and never raises one.
func isIoTDBFailure(err error) bool {
	var ae thrift.TApplicationException
	return errors.As(err, &ae) && ae.TypeId() == thrift.INTERNAL_ERROR
}

// iotdbHandshake opens pc's session with an IoTDB receiver as IoTDB's own
// sink does: a V2 handshake, or V1 when the receiver does not know V2.
// Both name the timestamp precision, milliseconds first; a receiver that
// refuses them naming its own precision (microseconds or nanoseconds) is
// asked again with it, and timestamps are converted on the way.
func (s *thriftSink) iotdbHandshake(ctx context.Context, pc *pipeConn) error {
	precision := "ms"
	for attempt := 0; ; attempt++ {
		st, err := s.iotdbHandshakeOnce(ctx, pc, precision)
		if err != nil {
			return err
		}
		if succeeded(st.Code) {
			pc.iotdb = &iotdbSession{precision: precision, scale: precisionScale[precision]}
			return nil
		}
		if p, ok := receiverPrecision(st); ok && attempt == 0 && p != precision {
			s.log.Info("IoTDB receiver keeps another timestamp precision; converting", "target", pc.target, "precision", p)
			precision = p
			continue
		}
		return s.iotdbStatusError(pc.target, st)
	}
}

// iotdbHandshakeOnce sends the V2 handshake, then V1 if the receiver
// answers that it does not know V2, and returns the last answer's status.
func (s *thriftSink) iotdbHandshakeOnce(ctx context.Context, pc *pipeConn, precision string) (*pipethrift.TSStatus, error) {
	params := []iotdbwire.HandshakeParam{
		{Key: iotdbwire.KeyTimestampPrecision, Value: precision},
		{Key: iotdbwire.KeyClusterID, Value: s.cfg.ClusterID},
		{Key: iotdbwire.KeyConvertOnTypeMismatch, Value: "false"},
		{Key: iotdbwire.KeyLoadTsFileStrategy, Value: "sync"},
		{Key: iotdbwire.KeyUsername, Value: s.a.user},
		{Key: iotdbwire.KeyPassword, Value: s.a.password},
	}
	st, err := s.handshakeCall(ctx, pc, iotdbwire.TypeHandshakeV2, iotdbwire.EncodeHandshakeV2(params))
	if err != nil || st.Code != codeIoTDBTypeError {
		return st, err
	}
	s.log.Debug("IoTDB receiver has no V2 handshake; using V1", "target", pc.target)
	return s.handshakeCall(ctx, pc, iotdbwire.TypeHandshakeV1, iotdbwire.EncodeHandshakeV1(precision))
}

// handshakeCall sends one handshake request and returns its answer's
// status; errors are the call's, classified as handshake failures.
func (s *thriftSink) handshakeCall(ctx context.Context, pc *pipeConn, typ int16, body []byte) (*pipethrift.TSStatus, error) {
	resp, _, err := s.send(ctx, pc, typ, body)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, pipe.ErrFatal):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%s %s: handshake: %w", s.a.plugin, pc.target, err)
	}
	return resp.GetStatus(), nil
}

// receiverPrecision reads the receiver's timestamp precision from its
// refusal of the handshake's ("IoTDB receiver's timestamp precision us,
// connector's timestamp precision ms. Validation fails.").
func receiverPrecision(st *pipethrift.TSStatus) (string, bool) {
	if st.Code != codeIoTDBHandshakeError {
		return "", false
	}
	_, rest, ok := strings.Cut(st.GetMessage(), "receiver's timestamp precision ")
	if !ok {
		return "", false
	}
	p, _, _ := strings.Cut(rest, ",")
	_, known := precisionScale[p]
	return p, known
}

// encode returns the request type and body carrying tablets to an IoTDB
// receiver: a raw tablet for one, a batch of raw tablets for more, with
// timestamps in the session's precision.
func (sess *iotdbSession) encode(tablets []*model.Tablet) (int16, []byte, error) {
	tablets, err := sess.scaled(tablets)
	if err != nil {
		return 0, nil, err
	}
	if len(tablets) == 1 {
		body, err := iotdbwire.EncodeTabletRaw(tablets[0])
		return iotdbwire.TypeTabletRaw, body, err
	}
	body, err := iotdbwire.EncodeTabletBatch(tablets)
	return iotdbwire.TypeTabletBatch, body, err
}

// scaled returns tablets with their timestamps in the session's
// precision, copying those it changes. A timestamp the precision cannot
// hold is refused.
func (sess *iotdbSession) scaled(tablets []*model.Tablet) ([]*model.Tablet, error) {
	if sess.scale == 1 {
		return tablets, nil
	}
	out := make([]*model.Tablet, len(tablets))
	for i, t := range tablets {
		c := *t
		c.Times = make([]int64, len(t.Times))
		for r, ts := range t.Times {
			if ts > math.MaxInt64/sess.scale || ts < math.MinInt64/sess.scale {
				return nil, fmt.Errorf("timestamp %d of %s does not fit in the receiver's precision %s", ts, t.Device, sess.precision)
			}
			c.Times[r] = ts * sess.scale
		}
		out[i] = &c
	}
	return out, nil
}

// iotdbStatusError classifies an IoTDB receiver's refusal as IoTDB's
// sender does, except that what IoTDB's sender would give up on and drop
// after a while stops the pipe instead, so nothing is dropped silently:
// besides the common fatal codes, a refused handshake (1802), a request
// type the receiver does not take (1801) and a user conflict (1810) are
// fatal. Everything else is retried: among it the receiver's read
// failures (1107) and its temporary unavailability (1808: read-only, out
// of memory), which IoTDB's sender retries without end.
func (s *thriftSink) iotdbStatusError(target string, st *pipethrift.TSStatus) error {
	fatal := func(code int32) bool {
		return code == codeIoTDBHandshakeError || code == codeIoTDBTypeError || code == codeIoTDBUserConflict
	}
	return statusError(s.a.plugin, target, st.Code, st.GetMessage(), subStatuses(st), fatal)
}

// succeeded reports whether st means the receiver applied the request:
// for an IoTDB receiver, an idempotent conflict (1809) also counts, as
// IoTDB's sender counts it.
func (pc *pipeConn) succeeded(st *pipethrift.TSStatus) bool {
	return succeeded(st.Code) || (pc.iotdb != nil && st.Code == codeIoTDBIdempotentConflict)
}

// handshakeRequired reports whether st asks for a new handshake before the
// request is sent again: Sluice's expired token, or an IoTDB receiver
// that holds no handshake for this connection.
func (pc *pipeConn) handshakeRequired(st *pipethrift.TSStatus) bool {
	if pc.iotdb != nil {
		return st.Code == codeIoTDBHandshakeError
	}
	return receiver.IsHandshakeRequired(st)
}
