package receiver

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// IoTDB 1.3's pipe status codes (TSStatusCode), which its senders act on.
const (
	// CodeIoTDBPipeTypeError answers a request type this receiver does not
	// take from an IoTDB sender.
	CodeIoTDBPipeTypeError status.Code = 1801
	// CodeIoTDBHandshakeError answers a refused IoTDB handshake (timestamp
	// precision, cluster id), and an IoTDB data request on a connection
	// that has not handshaken.
	CodeIoTDBHandshakeError status.Code = 1802
)

// IoTDB's defaults for the sink's username and password, which an IoTDB
// 1.3 receiver logs in with when the sender names no user.
const (
	iotdbDefaultUser     = "root"
	iotdbDefaultPassword = "root"
)

// IoTDBV1Origin is the origin recorded for writes from an IoTDB sender
// that handshook with V1, which names no cluster.
const IoTDBV1Origin = "iotdb-v1-sender"

// iotdbSender is a connection that handshook as an IoTDB 1.3 sender: the
// user its writes are made as, the stamp of the password it proved, and
// its cluster.
type iotdbSender struct {
	user       string
	credential string
	cluster    string
}

// iotdbSenders maps connections to the IoTDB senders on them. IoTDB's
// protocol has no token: a connection's handshake covers the requests
// that follow on it, until it closes or handshakes again.
type iotdbSenders struct {
	fileDir string // WithFileDir; "" refuses TsFile transfers
	maxFile int64  // WithMaxFileBytes; 0 means DefaultMaxFileBytes

	mu         sync.Mutex
	byConn     map[uint64]iotdbSender
	files      map[uint64]*iotdbFiles // TsFile transfers under way (iotdb_file.go)
	dirCleared bool
}

func (s *iotdbSenders) maxFileBytes() int64 {
	if s.maxFile > 0 {
		return s.maxFile
	}
	return DefaultMaxFileBytes
}

func (s *iotdbSenders) get(conn uint64) (iotdbSender, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byConn[conn]
	return p, ok
}

// has reports whether connection conn handshook as an IoTDB sender.
func (s *iotdbSenders) has(conn uint64) bool {
	_, ok := s.get(conn)
	return ok
}

func (s *iotdbSenders) set(conn uint64, p iotdbSender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byConn == nil {
		s.byConn = make(map[uint64]iotdbSender)
	}
	s.byConn[conn] = p
}

// drop forgets the sender on conn and deletes the files it sent.
func (s *iotdbSenders) drop(conn uint64) {
	s.mu.Lock()
	fs := s.files[conn]
	delete(s.byConn, conn)
	delete(s.files, conn)
	s.mu.Unlock()
	if fs != nil {
		fs.close()
	}
}

// handleIoTDB serves req when it is an IoTDB 1.3 request: a V1 handshake
// (told from Sluice's by its body), a V2 handshake, TabletInsertNode on a
// connection that handshook as IoTDB, or another IoTDB request type.
// It returns false for a request of Sluice's own protocol.
func (r *Receiver) handleIoTDB(ctx context.Context, typ int16, body []byte) (*pipethrift.TPipeTransferResp, bool) {
	conn := connOf(ctx)
	switch typ {
	case iotdbwire.TypeHandshakeV1:
		precision, err := iotdbwire.DecodeHandshakeV1(body)
		if err != nil {
			// Sluice's handshake: the connection speaks Sluice's protocol
			// from now on.
			r.iotdb.drop(conn.id)
			return nil, false
		}
		return reply(r.iotdbHandshake(ctx, conn, map[string]string{iotdbwire.KeyTimestampPrecision: precision}, false), nil), true
	case iotdbwire.TypeHandshakeV2:
		params, err := iotdbwire.DecodeHandshakeV2(body)
		if err != nil {
			return reply(status.Errorf(CodeIoTDBHandshakeError, "pipe handshake: %v", err), nil), true
		}
		return reply(r.iotdbHandshake(ctx, conn, params, true), nil), true
	case iotdbwire.TypeTabletInsertNode:
		if _, ok := r.iotdb.get(conn.id); !ok {
			return nil, false // Sluice's tablets
		}
		return reply(r.iotdbTablets(ctx, conn, typ, body), nil), true
	case iotdbwire.TypeTabletRaw, iotdbwire.TypeTabletBinary, iotdbwire.TypeTabletBatch:
		return reply(r.iotdbTablets(ctx, conn, typ, body), nil), true
	case 0, 50, 100, 101, 102, 200, 201, 202:
		// ConfigNode handshakes, schema and configuration plans and
		// snapshots: Sluice takes data only.
		return reply(status.Errorf(CodeIoTDBPipeTypeError,
			"pipe request type %d (IoTDB schema or configuration sync) is not supported: Sluice takes data only, creating series on first write (see docs/compatibility.md)", typ), nil), true
	case iotdbwire.TypeTsFilePiece, iotdbwire.TypeTsFilePieceWithMod:
		return r.iotdbFilePiece(ctx, conn, body, typ == iotdbwire.TypeTsFilePiece), true
	case iotdbwire.TypeTsFileSeal, iotdbwire.TypeTsFileSealWithMod:
		return reply(r.iotdbFileSeal(ctx, conn, body, typ == iotdbwire.TypeTsFileSealWithMod), nil), true
	}
	if typ != transfer.TypeCompressed && r.iotdb.has(conn.id) {
		return reply(status.Errorf(CodeIoTDBPipeTypeError, "unknown PipeRequestType %d", typ), nil), true
	}
	return nil, false
}

// iotdbHandshake checks an IoTDB sender's handshake parameters, as an
// IoTDB 1.3 receiver does, and proves its credentials: the V2 parameters'
// username and password, or IoTDB's defaults (root/root) when it names
// none, checked like a login. On success the connection speaks IoTDB's
// protocol until it closes.
func (r *Receiver) iotdbHandshake(ctx context.Context, conn connInfo, params map[string]string, v2 bool) error {
	user, password := iotdbDefaultUser, iotdbDefaultPassword
	if u, ok := params[iotdbwire.KeyUsername]; ok {
		user = u
	} else if u, ok := params["user"]; ok {
		user = u
	}
	if p, ok := params[iotdbwire.KeyPassword]; ok {
		password = p
	}
	cluster := params[iotdbwire.KeyClusterID]
	log := r.log.With("protocol", "iotdb", "sender_cluster", cluster, "user", user, "remote", conn.remote)
	stamp, err := r.checkIoTDBHandshake(ctx, params, v2, user, password, throttle.Host(conn.remote))
	if err != nil {
		r.iotdb.drop(conn.id)
		log.Warn("pipe handshake refused", "code", int(status.CodeOf(err)), "err", err)
		return err
	}
	if cluster == "" {
		cluster = IoTDBV1Origin
	}
	r.iotdb.drop(conn.id) // a new handshake starts afresh, as IoTDB's does
	r.iotdb.set(conn.id, iotdbSender{user: user, credential: stamp, cluster: cluster})
	if c, ok := clientconn.From(ctx); ok {
		c.Authenticate()
	}
	log.Info("pipe handshake accepted")
	return nil
}

func (r *Receiver) checkIoTDBHandshake(ctx context.Context, params map[string]string, v2 bool, user, password, host string) (string, error) {
	if v2 {
		cluster, ok := params[iotdbwire.KeyClusterID]
		if !ok {
			return "", status.Errorf(CodeIoTDBHandshakeError, "Handshake request does not contain clusterId.")
		}
		if own := r.target.ClusterID(); cluster == own {
			return "", status.Errorf(CodeIoTDBHandshakeError, "Receiver and sender are from the same cluster %s.", cluster)
		}
		if _, ok := params[iotdbwire.KeyTimestampPrecision]; !ok {
			return "", status.Errorf(CodeIoTDBHandshakeError, "Handshake request does not contain timestampPrecision.")
		}
	}
	if p := params[iotdbwire.KeyTimestampPrecision]; p != transfer.PrecisionMillis {
		return "", status.Errorf(CodeIoTDBHandshakeError,
			"IoTDB receiver's timestamp precision %s, connector's timestamp precision %s. Validation fails.", transfer.PrecisionMillis, p)
	}
	if err := r.throttle.Check(user, host); err != nil {
		return "", err
	}
	stamp, stampErr := r.target.Credential(user)
	if err := r.target.Login(ctx, user, password); err != nil {
		r.throttle.Failed(user, host)
		return "", err
	}
	r.throttle.Succeeded(user, host)
	if stampErr != nil {
		return "", stampErr
	}
	return stamp, nil
}

// iotdbTablets decodes and applies one IoTDB data request, through the
// same privilege check, limits and origin marking as Sluice's tablets.
func (r *Receiver) iotdbTablets(ctx context.Context, conn connInfo, typ int16, body []byte) error {
	p, err := r.iotdbSenderOf(conn)
	if err != nil {
		return err
	}
	if len(body) > r.maxPayload {
		return status.Errorf(status.IllegalParameter, "pipe transfer of %d bytes exceeds the limit of %d bytes (pipe_receiver_max_decompressed_bytes)", len(body), r.maxPayload)
	}
	// Decoded tablets take at most 32 times their wire size (a one-byte
	// absent TEXT value becomes a 16-byte string header, a one-byte
	// BOOLEAN a bool and a null flag), and never more than the limit.
	limit := min(r.maxPayload, 32*len(body)+4096)
	if err := r.memory.acquire(ctx, int64(limit)); err != nil {
		return status.Errorf(status.WriteProcessReject, "pipe tablets: waited for decoding memory until %v", err)
	}
	defer r.memory.release(int64(limit))
	tablets, err := iotdbwire.Decode(typ, body, limit)
	switch {
	case errors.Is(err, iotdbwire.ErrTooLarge):
		return status.Errorf(status.IllegalParameter, "pipe tablets: %v (pipe_receiver_max_decompressed_bytes)", err)
	case errors.Is(err, iotdbwire.ErrUnsupported):
		return status.Errorf(status.UnsupportedOperation, "pipe tablets: %v", err)
	case err != nil:
		return status.Errorf(status.IllegalParameter, "pipe tablets: %v", err)
	}
	return r.applyIoTDB(ctx, p, tablets)
}

// iotdbSenderOf returns the IoTDB sender that handshook on conn, while its
// user's password is the one it proved.
func (r *Receiver) iotdbSenderOf(conn connInfo) (iotdbSender, error) {
	p, ok := r.iotdb.get(conn.id)
	if !ok {
		return iotdbSender{}, status.Errorf(CodeIoTDBHandshakeError, "%s: this connection has not made an IoTDB pipe handshake", HandshakeRequiredPrefix)
	}
	if stamp, err := r.target.Credential(p.user); err != nil || stamp != p.credential {
		r.iotdb.drop(conn.id)
		return iotdbSender{}, status.Errorf(CodeIoTDBHandshakeError, "%s: user %s was changed or dropped since the handshake", HandshakeRequiredPrefix, p.user)
	}
	return p, nil
}

// applyIoTDB checks and writes tablets from sender p.
func (r *Receiver) applyIoTDB(ctx context.Context, p iotdbSender, tablets []*model.Tablet) error {
	tablets = nonEmpty(tablets)
	if len(tablets) == 0 {
		return nil
	}
	points := 0
	for _, t := range tablets {
		if err := t.Validate(); err != nil {
			code := status.IllegalParameter
			if errors.Is(err, model.ErrBadPath) {
				code = status.IllegalPath
			}
			return status.Errorf(code, "pipe tablets: %w", err)
		}
		points += t.Points()
	}
	if err := r.target.Authorize(p.user, tablets); err != nil {
		return err
	}
	if err := r.target.Insert(ctx, tablets, p.cluster); err != nil {
		lvl := slog.LevelDebug
		if status.CodeOf(err) == status.InternalServerError && ctx.Err() == nil {
			lvl = slog.LevelError
		}
		r.log.Log(ctx, lvl, "pipe insert failed", "protocol", "iotdb", "sender_cluster", p.cluster, "tablets", len(tablets), "err", err)
		return err
	}
	r.metrics.points.Add(float64(points))
	return nil
}

// nonEmpty drops tablets without rows or columns, which IoTDB senders may
// send (a row whose every value was a null of unknown type) and which
// write nothing.
func nonEmpty(ts []*model.Tablet) []*model.Tablet {
	out := ts[:0]
	for _, t := range ts {
		if len(t.Times) > 0 && len(t.Columns) > 0 {
			out = append(out, t)
		}
	}
	return out
}
