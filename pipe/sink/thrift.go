package sink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// thriftSink is iotdb-thrift-sync-sink (one connection) and
// iotdb-thrift-sink / iotdb-thrift-async-sink (a pool of MaxClients).
//
// A Transfer takes an idle connection slot, waiting while all are busy, so
// with one slot transfers are serialised and the receiver applies them in
// the order they were made; with more, parallel transfers may be applied
// in any order. Slots open their connection lazily, each to the next target
// round-robin, failing over to the following targets when one cannot be
// reached or refuses transiently.
type thriftSink struct {
	sinkBase
	inFlight int
	conns    *slotPool[*pipeConn] // inFlight slots
	// allowSelf lets a handshake with this very cluster succeed (Probe
	// reports the id and leaves the verdict to its caller).
	allowSelf bool

	mu       sync.Mutex // guards what the handshakes found, below
	targetID string
	// kind is what the first successful handshake found: kindSluice or
	// kindIoTDB; every target must be of the same kind.
	kind string
	// iotdbTargets are the targets found to be IoTDB receivers: later
	// connections to them skip Sluice's handshake.
	iotdbTargets map[string]bool
}

// Kinds of receiver a Thrift sink may find at its targets.
const (
	kindSluice = "Sluice"
	kindIoTDB  = "IoTDB"
)

// pipeConn is a connection with its transfer session.
type pipeConn struct {
	*thriftConn
	client *pipethrift.PipeTransferServiceClient
	token  string // from the last handshake
	// maxPayload is the receiver's limit on a transfer's payload, from
	// the last handshake; 0 when it did not say.
	maxPayload int
	// iotdb is set when the receiver is an IoTDB 1.3 DataNode, which
	// speaks IoTDB's protocol (iotdb.go) rather than Sluice's.
	iotdb *iotdbSession
}

func newThriftSink(a *attributes, cfg Config, inFlight int, logger *slog.Logger, m *sinkMetrics) *thriftSink {
	return &thriftSink{sinkBase: newSinkBase(a, cfg, logger, m), inFlight: inFlight, conns: newSlotPool[*pipeConn](inFlight, m)}
}

// Connections is how many connections are open, idle or busy.
func (s *thriftSink) Connections() int { return s.conns.count() }

// InFlight is the number of connections: 1 for the sync sink.
func (s *thriftSink) InFlight() int { return s.inFlight }

// TargetClusterID is the cluster id the first successful handshake
// reported, or "" before one.
func (s *thriftSink) TargetClusterID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.targetID
}

// Transfer sends the batch on an idle connection and returns nil once the
// receiver answered success.
func (s *thriftSink) Transfer(ctx context.Context, b *pipe.Batch) error {
	return s.conns.transfer(ctx, b, s.transfer)
}

// transfer sends b on the slot's connection, opening one if needed. It
// tries twice at most: once more on a new connection when an idle one
// turned out stale, or after a new handshake when the receiver forgot the
// session's token.
func (s *thriftSink) transfer(ctx context.Context, slot **pipeConn, b *pipe.Batch) error {
	for attempt := 0; ; attempt++ {
		pc, fresh, err := connectSlot(ctx, slot, s.dial)
		if err != nil {
			return err
		}
		// A batch over the receiver's limit goes as several transfers, in
		// order; a failure resends them all, which applying tolerates.
		var parts [][]*model.Tablet
		if len(b.Tablets) > 0 {
			parts = [][]*model.Tablet{b.Tablets}
		}
		if pc.maxPayload > 0 && len(b.Tablets) > 0 {
			parts = transfer.Split(b.Tablets, pc.maxPayload-s.requestOverhead(pc, b))
		}
		resp, lost, err := s.sendSchema(ctx, pc, b)
		if err != nil || lost || (resp != nil && !pc.succeeded(resp.GetStatus())) {
			parts = nil
		}
		buf := takeBody()
		for _, part := range parts {
			var typ int16
			var body []byte
			if typ, body, err = s.encode(pc, b.Origin, part, (*buf)[:0]); err != nil {
				break
			}
			resp, lost, err = s.send(ctx, pc, typ, body)
			keepBody(buf, body)
			if err != nil || lost || !pc.succeeded(resp.GetStatus()) {
				break
			}
		}
		giveBody(buf)
		if lost {
			s.conns.drop(pc)
			*slot = nil
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, pipe.ErrFatal):
			return err
		case err != nil && !fresh && attempt == 0 && retryable(err):
			s.log.Debug("idle connection failed, retrying on a new one", "target", pc.target, "err", err)
			continue
		case err != nil:
			return fmt.Errorf("%s %s: transfer: %w", s.a.plugin, pc.target, err)
		case resp == nil:
			return nil // nothing this target takes
		}
		st := resp.GetStatus()
		switch {
		case pc.succeeded(st):
			if st.Code == codeIoTDBIdempotentConflict {
				s.log.Info("IoTDB receiver reports an idempotent conflict: counted as applied", "target", pc.target, "message", st.GetMessage())
			}
			return nil
		case pc.handshakeRequired(st) && attempt == 0:
			s.log.Debug("receiver asks for a new handshake", "target", pc.target, "code", st.Code)
			if err := s.handshake(ctx, pc); err != nil {
				s.conns.drop(pc)
				*slot = nil
				return err
			}
			continue
		}
		return s.statusError(pc, st)
	}
}

// sendSchema sends b's series schema ahead of its tablets, so that series
// exist with their type, alias and tags before points arrive. IoTDB
// receivers take data only: nothing is sent to them, nor for a batch
// without schema (nil response).
func (s *thriftSink) sendSchema(ctx context.Context, pc *pipeConn, b *pipe.Batch) (*pipethrift.TPipeTransferResp, bool, error) {
	if len(b.Schema) == 0 || pc.iotdb != nil {
		return nil, false, nil
	}
	typ, body, err := compressRequest(s.a, transfer.TypeSchema,
		transfer.EncodeSchema(transfer.Schema{Token: pc.token, Origin: b.Origin, Series: b.Schema}))
	if err != nil {
		return nil, false, err
	}
	return s.send(ctx, pc, typ, body)
}

// encode returns the request type and body that carry tablets: Sluice's
// tablets (encodeTablets), or toward an IoTDB receiver IoTDB's raw
// tablets (iotdbSession.encode), with 'compressor' set inside IoTDB's
// compressed request. An uncompressed body of Sluice's is appended to dst.
func (s *thriftSink) encode(pc *pipeConn, origin string, tablets []*model.Tablet, dst []byte) (int16, []byte, error) {
	if pc.iotdb == nil {
		return encodeTablets(s.a, transfer.Tablets{Token: pc.token, Origin: origin, Tablets: tablets}, dst)
	}
	typ, body, err := pc.iotdb.encode(tablets)
	if err != nil {
		return 0, nil, fatalf("%s %s: %v", s.a.plugin, pc.target, err)
	}
	return compressRequest(s.a, typ, body)
}

// encodeTablets returns the request type and body that carry t in
// Sluice's protocol: its uncompressed tablets body, or with a's
// 'compressor' set that body inside IoTDB's compressed request. The
// uncompressed body is appended to dst.
//
// Uncompressed is the default because compression costs the sender more
// CPU than the pipe may take on a LAN (zstd about 40 ns a point against
// 4 ns to encode it, on a sender ingesting 3M points/s a core), while a
// thin uplink is better served by naming zstd: docs/pipes.md has the
// figures. Every Sluice receiver reads the uncompressed body.
func encodeTablets(a *attributes, t transfer.Tablets, dst []byte) (int16, []byte, error) {
	if len(a.compressors) == 0 {
		return transfer.TypeTablets, transfer.AppendTabletsUncompressed(dst, t), nil
	}
	return compressRequest(a, transfer.TypeTablets, transfer.EncodeTabletsUncompressed(t))
}

// compressRequest wraps a request of type typ in IoTDB's compressed
// request when a's 'compressor' is set, and returns it as it is otherwise.
func compressRequest(a *attributes, typ int16, body []byte) (int16, []byte, error) {
	if len(a.compressors) == 0 {
		return typ, body, nil
	}
	out, err := transfer.EncodeCompressed(transfer.Version, typ, body, a.compressors, a.zstdLevel)
	if err != nil {
		return 0, nil, fatalf("%s: compressor: %v", a.plugin, err)
	}
	return transfer.TypeCompressed, out, nil
}

// requestOverhead is what a compressed request adds to the payload in the
// length the receiver checks against its limit: the request's version
// and type, and the tablets body's header.
func (s *thriftSink) requestOverhead(pc *pipeConn, b *pipe.Batch) int {
	if len(s.a.compressors) == 0 {
		return 0
	}
	return 3 + 1 + 3*binary.MaxVarintLen64 + len(pc.token) + len(b.Origin)
}

// dial opens and handshakes a connection on the next target round-robin,
// failing over through the others.
func (s *thriftSink) dial(ctx context.Context) (*pipeConn, error) {
	pc, err := dialNext(ctx, s.failover, s.conns, s.connect, s.handshake)
	if err != nil {
		return nil, err
	}
	s.log.Debug("connected", "target", pc.target, "target_cluster", s.TargetClusterID(), "iotdb", pc.iotdb != nil)
	return pc, nil
}

// connect opens a Thrift connection to target, over TLS for the SSL sink.
func (s *thriftSink) connect(ctx context.Context, target string) (*pipeConn, error) {
	tlsCfg, err := s.a.tlsConfig(target)
	if err != nil {
		return nil, err
	}
	c, err := dialThrift(ctx, target, s.cfg.Timeout, tlsCfg)
	if err != nil {
		return nil, unreachable(ctx, target, err)
	}
	return &pipeConn{thriftConn: c, client: pipethrift.NewPipeTransferServiceClient(c.client)}, nil
}

// handshake (re)opens pc's transfer session and records the token and the
// target's cluster id. It tells a Sluice receiver from an IoTDB 1.3 one
// by the answer to Sluice's handshake, which an IoTDB receiver cannot
// read (isIoTDBAnswer), and then handshakes as IoTDB's sink does; a
// target once found to be IoTDB gets IoTDB's handshake straight away.
func (s *thriftSink) handshake(ctx context.Context, pc *pipeConn) error {
	if pc.iotdb != nil || s.isIoTDBTarget(pc.target) {
		return s.handshakeIoTDB(ctx, pc)
	}
	body := transfer.EncodeHandshake(transfer.Handshake{
		ClusterID:          s.cfg.ClusterID,
		TimestampPrecision: transfer.PrecisionMillis,
		User:               s.a.user,
		Password:           s.a.password,
		SenderVersion:      s.cfg.SenderVersion,
	})
	resp, _, err := s.send(ctx, pc, transfer.TypeHandshake, body)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, pipe.ErrFatal):
		return err
	case isIoTDBFailure(err):
		return s.foundIoTDB(ctx, pc)
	case err != nil:
		return fmt.Errorf("%s %s: handshake: %w", s.a.plugin, pc.target, err)
	}
	if st := resp.GetStatus(); !succeeded(st.Code) {
		if isIoTDBAnswer(st) {
			return s.foundIoTDB(ctx, pc)
		}
		return s.statusError(pc, st)
	}
	res, err := transfer.DecodeHandshakeResult(resp.GetBody())
	if err == nil && res.Token == "" {
		err = errors.New("no token")
	}
	if err != nil {
		return fatalf("%s %s: unreadable handshake answer (%v): is the target a Sluice DataNode of a compatible version?", s.a.plugin, pc.target, err)
	}
	if !s.allowSelf && s.cfg.ClusterID != "" && res.ClusterID == s.cfg.ClusterID {
		return fatalf("%s %s: the target is this cluster (%s): a pipe cannot sync a cluster into itself", s.a.plugin, pc.target, res.ClusterID)
	}
	if err := s.sameKind(pc.target, kindSluice); err != nil {
		return err
	}
	s.mu.Lock()
	prev := s.targetID
	if prev == "" {
		s.targetID = res.ClusterID
	}
	s.mu.Unlock()
	if prev != "" && prev != res.ClusterID {
		return fatalf("%s %s: the target belongs to cluster %s but earlier targets to %s: list DataNodes of one cluster", s.a.plugin, pc.target, res.ClusterID, prev)
	}
	pc.token, pc.maxPayload = res.Token, res.MaxPayloadBytes
	return nil
}

// foundIoTDB records that pc's target is an IoTDB receiver and opens
// pc's session with it.
func (s *thriftSink) foundIoTDB(ctx context.Context, pc *pipeConn) error {
	s.log.Info("target is an IoTDB receiver: speaking IoTDB's pipe protocol", "target", pc.target)
	s.mu.Lock()
	if s.iotdbTargets == nil {
		s.iotdbTargets = map[string]bool{}
	}
	s.iotdbTargets[pc.target] = true
	s.mu.Unlock()
	return s.handshakeIoTDB(ctx, pc)
}

// handshakeIoTDB opens pc's session with an IoTDB receiver.
func (s *thriftSink) handshakeIoTDB(ctx context.Context, pc *pipeConn) error {
	if err := s.iotdbHandshake(ctx, pc); err != nil {
		return err
	}
	return s.sameKind(pc.target, kindIoTDB)
}

func (s *thriftSink) isIoTDBTarget(target string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.iotdbTargets[target]
}

// sameKind records the kind of receiver the first handshake found and
// refuses a target of the other kind: one pipe syncs to one cluster.
func (s *thriftSink) sameKind(target, kind string) error {
	s.mu.Lock()
	prev := s.kind
	if prev == "" {
		s.kind = kind
	}
	s.mu.Unlock()
	if prev != "" && prev != kind {
		return fatalf("%s %s: the target speaks %s's pipe protocol but earlier targets speak %s's: list DataNodes of one cluster", s.a.plugin, target, kind, prev)
	}
	return nil
}

// send makes one pipeTransfer call. lost reports that pc must be dropped.
func (s *thriftSink) send(ctx context.Context, pc *pipeConn, typ int16, body []byte) (resp *pipethrift.TPipeTransferResp, lost bool, err error) {
	if err := s.limit.wait(ctx, len(body)); err != nil {
		return nil, false, err
	}
	req := &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: typ, Body: body}
	lost, err = pc.call(ctx, s.cfg.Timeout, func(ctx context.Context) (err error) {
		resp, err = pc.client.PipeTransfer(ctx, req)
		return err
	})
	s.m.sent(len(body))
	var ae thrift.TApplicationException
	switch {
	case errors.As(err, &ae) && ae.TypeId() == thrift.UNKNOWN_METHOD:
		return nil, true, fatalf("%s %s: the target does not serve pipeTransfer (%v): is it a Sluice or IoTDB 1.2+ DataNode client port?", s.a.plugin, pc.target, err)
	case err != nil:
		return nil, lost, err
	case resp.GetStatus() == nil:
		return nil, true, errors.New("answer without a status")
	}
	return resp, lost, nil
}

// statusError classifies a receiver's refusal on pc. Besides the common
// fatal codes, a Sluice receiver's PipeError (1107) is fatal: it uses it
// for protocol refusals (version, timestamp precision, a sender of its own
// cluster), except for the handshake-required reply, which stays
// transient when it comes again right after a new handshake. An IoTDB
// receiver's refusals are classified by iotdbStatusError.
func (s *thriftSink) statusError(pc *pipeConn, st *pipethrift.TSStatus) error {
	if pc.iotdb != nil {
		return s.iotdbStatusError(pc.target, st)
	}
	handshakeAgain := receiver.IsHandshakeRequired(st)
	protocolRefusal := func(code int32) bool { return code == int32(status.PipeError) && !handshakeAgain }
	return statusError(s.a.plugin, pc.target, st.Code, st.GetMessage(), subStatuses(st), protocolRefusal)
}

// Close closes every connection; transfers in progress fail and later ones
// return ErrClosed. It is idempotent.
func (s *thriftSink) Close() error {
	s.conns.close()
	return nil
}
