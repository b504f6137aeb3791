package receiver

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// MethodName is the Thrift method the receiver serves, as IoTDB names it.
const MethodName = "pipeTransfer"

// CodeHandshakeRequired is the status code of a data request whose token
// the receiver does not know (expired, or issued before a restart). Its
// message starts with HandshakeRequiredPrefix, which tells it apart from
// other PipeError replies.
const CodeHandshakeRequired = status.PipeError

// HandshakeRequiredPrefix starts the message of a CodeHandshakeRequired
// reply.
const HandshakeRequiredPrefix = "handshake required"

// IsHandshakeRequired reports whether st asks the sender to handshake
// again and resend: nothing of the request was applied.
func IsHandshakeRequired(st *pipethrift.TSStatus) bool {
	return st != nil && st.Code == int32(CodeHandshakeRequired) && strings.HasPrefix(st.GetMessage(), HandshakeRequiredPrefix)
}

// Target is the DataNode as the receiver sees it. Its errors carry status
// codes (status.Errorf); one without is reported as InternalServerError.
type Target interface {
	// ClusterID is this cluster's id.
	ClusterID() string
	// Login checks credentials: status.WrongLoginPassword (801) or
	// status.UserNotExist when they do not match.
	Login(ctx context.Context, user, password string) error
	// Credential is a stamp of user's current password
	// (auth.State.Credential): a token lives only while it is unchanged.
	Credential(user string) (string, error)
	// Authorize checks that user may write every series of tablets
	// (WRITE_DATA): status.NoPermission (803) otherwise.
	Authorize(user string, tablets []*model.Tablet) error
	// Insert writes tablets, recording origin as the cluster they came
	// from. It returns nil only once they are durable. Writes to an
	// existing (series, time) overwrite it. Errors: status.DataTypeMismatch
	// (614), status.PathNotExist (508, schema auto-creation off),
	// status.OutOfTTL (607), ...
	Insert(ctx context.Context, tablets []*model.Tablet, origin string) error
	// ApplySchema brings series in line with the sender's, as user
	// (WRITE_SCHEMA): a series it lacks is created with the given type,
	// encoding, compressor, alias, tags and attributes; one it has with
	// the same type gets the alias, tags and attributes upserted, and
	// nothing is changed when they already hold. A series of another type
	// is status.DataTypeMismatch (614). Applying the same series twice
	// changes nothing the second time.
	ApplySchema(ctx context.Context, user string, series []model.Series, origin string) error
}

// DefaultMaxPayloadBytes is the default of WithMaxPayloadBytes, the
// default of pipe_receiver_max_decompressed_bytes: 128 MiB, which lets a
// sender's largest batch (65,536 points) average 2 KiB a point.
const DefaultMaxPayloadBytes = 128 << 20

// Option changes a Receiver's defaults.
type Option func(*Receiver)

// WithMaxPayloadBytes bounds the decompressed payload of one transfer, and
// the memory of the tablets decoded from it, to n bytes
// (pipe_receiver_max_decompressed_bytes); n <= 0 keeps
// DefaultMaxPayloadBytes. A larger transfer is refused with
// status.IllegalParameter, naming the limit, before it is decompressed or
// as soon as decompression passes the limit.
func WithMaxPayloadBytes(n int) Option {
	return func(r *Receiver) {
		if n > 0 {
			r.maxPayload = n
		}
	}
}

// Receiver serves pipe transfers for one Target. It is safe for concurrent
// use and starts no goroutines.
type Receiver struct {
	target     Target
	maxPayload int
	// memory is what transfers being decoded may take together: twice
	// maxPayload, the payload and its tablets of one transfer at the limit.
	memory   *memoryBudget
	throttle *throttle.Throttle
	log      *slog.Logger
	metrics  *metrics
	sessions *sessions
	iotdb    iotdbSenders // connections speaking IoTDB 1.3's protocol (iotdb.go)
}

// New returns a Receiver applying transfers to t. Failed handshakes count
// against th, shared with the client service's logins (nil: a throttle of
// the Receiver's own). Metrics are registered on reg when it is not nil.
func New(t Target, th *throttle.Throttle, logger *slog.Logger, reg prometheus.Registerer, opts ...Option) *Receiver {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if th == nil {
		th = throttle.New(throttle.DefaultPolicy)
	}
	r := &Receiver{
		target:     t,
		maxPayload: DefaultMaxPayloadBytes,
		throttle:   th,
		log:        logger.With("component", "pipe-receiver"),
		metrics:    newMetrics(reg),
		sessions:   newSessions(TokenIdleTimeout, MaxTokens, time.Now),
	}
	for _, o := range opts {
		o(r)
	}
	r.memory = newMemoryBudget(2 * int64(r.maxPayload))
	return r
}

// ConnClosed forgets the tokens handed out on a connection that closed
// (clientrpc.Config.OnDisconnect): a token is good on its connection only,
// so it would only take room in the table.
func (r *Receiver) ConnClosed(connID uint64) {
	r.sessions.dropConn(connID)
	r.iotdb.drop(connID)
}

// Method returns the Thrift processor function of pipeTransfer, to serve
// as clientrpc.Config.ExtraMethods[MethodName].
func (r *Receiver) Method() thrift.TProcessorFunction {
	fn, ok := pipethrift.NewPipeTransferServiceProcessor(handler{r}).GetProcessorFunction(MethodName)
	if !ok {
		panic("BUG: generated pipe transfer processor has no " + MethodName)
	}
	return fn
}

// handler adapts Receiver to the generated service interface.
type handler struct{ r *Receiver }

func (h handler) PipeTransfer(ctx context.Context, req *pipethrift.TPipeTransferReq) (*pipethrift.TPipeTransferResp, error) {
	return h.r.Handle(ctx, req), nil
}

// Handle serves one request. Every outcome, success or not, is a response
// with a status; it never panics on any input.
func (r *Receiver) Handle(ctx context.Context, req *pipethrift.TPipeTransferReq) (resp *pipethrift.TPipeTransferResp) {
	var reqType int16
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("BUG: panic while serving a pipe transfer", "type", reqType, "panic", p, "stack", string(debug.Stack()))
			resp = reply(status.Errorf(status.InternalServerError, "internal error in %s: %v", MethodName, p), nil)
		}
		r.metrics.observe(reqType, status.Code(resp.Status.Code))
	}()
	if req == nil {
		return reply(status.Errorf(status.IllegalParameter, "the pipe transfer request has no body"), nil)
	}
	reqType = req.Type
	r.metrics.bytes.Add(float64(len(req.Body)))
	if req.Version != transfer.Version {
		return reply(status.Errorf(status.PipeError, "unsupported pipe transfer version %d: this receiver speaks version %d", req.Version, transfer.Version), nil)
	}
	return r.serve(ctx, req.Type, req.Body, true)
}

// serve answers one request of type typ; a compressed request carries
// another, which may not be compressed again.
func (r *Receiver) serve(ctx context.Context, typ int16, body []byte, mayCompress bool) *pipethrift.TPipeTransferResp {
	if resp, ok := r.handleIoTDB(ctx, typ, body); ok {
		return resp
	}
	switch {
	case typ == transfer.TypeHandshake:
		res, err := r.handshake(ctx, body)
		return reply(err, res)
	case typ == transfer.TypeTablets:
		return reply(r.tablets(ctx, body), nil)
	case typ == transfer.TypeSchema:
		return reply(r.schema(ctx, body), nil)
	case typ == transfer.TypeCompressed && mayCompress:
		return r.compressed(ctx, body)
	}
	return reply(status.Errorf(status.PipeError, "unknown pipe transfer request type %d (version %d knows %d handshake, %d tablets, %d schema and %d compressed)",
		typ, transfer.Version, transfer.TypeHandshake, transfer.TypeTablets, transfer.TypeSchema, transfer.TypeCompressed), nil)
}

// compressed serves a request sent compressed (IoTDB's
// PipeTransferCompressedReq, sink.compressor). Every length it announces
// is checked against the payload limit before anything is decompressed,
// and the decompression's memory (a stage's input and output) is taken
// from the decoding budget while it runs; the request inside then takes
// its own.
//
// Only a connection that has handshaken may send one, so that a stranger
// gets no decompression done; the sender is told to handshake (IoTDB's
// senders, like Sluice's, send the handshake uncompressed).
func (r *Receiver) compressed(ctx context.Context, body []byte) *pipethrift.TPipeTransferResp {
	if id := connOf(ctx).id; !r.sessions.hasConn(id) && !r.iotdb.has(id) {
		return reply(status.Errorf(CodeHandshakeRequired, "%s: a compressed request needs a handshake on its connection first", HandshakeRequiredPrefix), nil)
	}
	need := int64(transfer.CompressedBound(body, r.maxPayload))
	if err := r.memory.acquire(ctx, need); err != nil {
		return reply(status.Errorf(status.WriteProcessReject, "pipe compressed request: waited for decoding memory until %v", err), nil)
	}
	version, typ, inner, err := transfer.DecodeCompressed(body, r.maxPayload)
	r.memory.release(need)
	switch {
	case errors.Is(err, transfer.ErrTooLarge):
		r.log.Warn("pipe transfer refused: over the size limit", "remote", connOf(ctx).remote, "err", err)
		return reply(status.Errorf(status.IllegalParameter, "pipe compressed request: %w (pipe_receiver_max_decompressed_bytes)", err), nil)
	case err != nil:
		return reply(status.Errorf(status.IllegalParameter, "pipe compressed request: %w", err), nil)
	case version != transfer.Version:
		return reply(status.Errorf(status.PipeError, "unsupported pipe transfer version %d inside a compressed request: this receiver speaks version %d", version, transfer.Version), nil)
	}
	return r.serve(ctx, typ, inner, false)
}

// handshake checks a sender and returns the encoded HandshakeResult.
func (r *Receiver) handshake(ctx context.Context, body []byte) ([]byte, error) {
	h, err := transfer.DecodeHandshake(body)
	if err != nil {
		return nil, status.Errorf(status.IllegalParameter, "pipe handshake: %w", err)
	}
	conn := connOf(ctx)
	log := r.log.With("sender_cluster", h.ClusterID, "user", h.User, "sender_version", h.SenderVersion, "remote", conn.remote)
	stamp, err := r.checkHandshake(ctx, h, throttle.Host(conn.remote))
	if err != nil {
		log.Warn("pipe handshake refused", "code", int(status.CodeOf(err)), "err", err)
		return nil, err
	}
	own := r.target.ClusterID()
	token := r.sessions.add(peer{user: h.User, cluster: h.ClusterID, conn: conn.id, credential: stamp})
	if c, ok := clientconn.From(ctx); ok {
		c.Authenticate()
	}
	log.Info("pipe handshake accepted")
	return transfer.EncodeHandshakeResult(transfer.HandshakeResult{ClusterID: own, Token: token, MaxPayloadBytes: r.maxPayload}), nil
}

// checkHandshake checks the sender and returns the stamp of the password
// it proved; host is its address for the login throttle.
func (r *Receiver) checkHandshake(ctx context.Context, h transfer.Handshake, host string) (string, error) {
	if h.TimestampPrecision != transfer.PrecisionMillis {
		return "", status.Errorf(status.PipeError, "timestamp precision mismatch: the sender uses %q, this receiver %q",
			h.TimestampPrecision, transfer.PrecisionMillis)
	}
	if h.ClusterID == "" {
		return "", status.Errorf(status.IllegalParameter, "pipe handshake names no sender cluster id")
	}
	if err := r.throttle.Check(h.User, host); err != nil {
		return "", err
	}
	// The stamp is read before the password is checked: a password
	// changed in between ends the token at its first use, rather than
	// binding it to a password the sender never proved. Its error waits
	// for the login's, which says nothing of whether the user exists.
	stamp, stampErr := r.target.Credential(h.User)
	if err := r.target.Login(ctx, h.User, h.Password); err != nil {
		r.throttle.Failed(h.User, host)
		return "", err
	}
	r.throttle.Succeeded(h.User, host)
	if stampErr != nil {
		return "", stampErr
	}
	if own := r.target.ClusterID(); h.ClusterID == own {
		return "", status.Errorf(status.PipeError, "a pipe cannot sync a cluster to itself (cluster id %s)", own)
	}
	return stamp, nil
}

// tablets applies one batch of writes.
func (r *Receiver) tablets(ctx context.Context, body []byte) error {
	// Look at the token before decompressing: strangers get no work done.
	token, err := transfer.TabletsToken(body)
	if err != nil {
		return status.Errorf(status.IllegalParameter, "pipe tablets: %w", err)
	}
	p, err := r.peer(ctx, token)
	if err != nil {
		return err
	}
	// Decoding takes up to the payload's bound twice (payload, tablets);
	// concurrent transfers wait for each other past twice the limit.
	need := 2 * int64(transfer.PayloadBound(body, r.maxPayload))
	// The tablets live until the insert returns, so the memory is held
	// until then.
	if err := r.memory.acquire(ctx, need); err != nil {
		return status.Errorf(status.WriteProcessReject, "pipe tablets: waited for decoding memory until %v", err)
	}
	defer r.memory.release(need)
	batch, err := transfer.DecodeTabletsWithin(body, r.maxPayload)
	if errors.Is(err, transfer.ErrTooLarge) {
		r.log.Warn("pipe transfer refused: over the size limit", "sender_cluster", p.cluster, "user", p.user, "err", err)
		return status.Errorf(status.IllegalParameter, "pipe tablets: %w (pipe_receiver_max_decompressed_bytes)", err)
	}
	if err != nil {
		return status.Errorf(status.IllegalParameter, "pipe tablets: %w", err)
	}
	if len(batch.Tablets) == 0 {
		return nil
	}
	points := 0
	for _, t := range batch.Tablets {
		if err := t.Validate(); err != nil {
			code := status.IllegalParameter
			if errors.Is(err, model.ErrBadPath) {
				code = status.IllegalPath
			}
			return status.Errorf(code, "pipe tablets: %w", err)
		}
		points += t.Points()
	}
	if err := r.target.Authorize(p.user, batch.Tablets); err != nil {
		return err
	}
	origin := batch.Origin
	if origin == "" {
		origin = p.cluster
	}
	if err := r.target.Insert(ctx, batch.Tablets, origin); err != nil {
		lvl := slog.LevelDebug
		if status.CodeOf(err) == status.InternalServerError && ctx.Err() == nil {
			lvl = slog.LevelError
		}
		r.log.Log(ctx, lvl, "pipe insert failed", "sender_cluster", p.cluster, "origin", origin, "tablets", len(batch.Tablets), "err", err)
		return err
	}
	r.metrics.points.Add(float64(points))
	return nil
}

// peer returns the sender a token stands for. A token is good only on the
// connection that handshook and only while its user's password is the one
// it handshook with: a copied token, a changed password and a dropped user
// all send the sender back to the handshake, which checks credentials
// again.
//
// An empty token stands for the connection's own session: the air-gap
// protocol answers a handshake with one byte, so its sender never learns
// the token. That grants nothing a token would not, a token being good on
// its own connection only.
func (r *Receiver) peer(ctx context.Context, token string) (peer, error) {
	conn := connOf(ctx)
	var p peer
	var ok bool
	if token == "" {
		token, p, ok = r.sessions.ofConn(conn.id)
	} else {
		p, ok = r.sessions.get(token)
	}
	if !ok {
		return peer{}, status.Errorf(CodeHandshakeRequired, "%s: the pipe transfer token is unknown or expired", HandshakeRequiredPrefix)
	}
	if conn.id != p.conn {
		r.log.Warn("pipe transfer token used on another connection", "remote", conn.remote, "user", p.user)
		return peer{}, status.Errorf(CodeHandshakeRequired, "%s: the pipe transfer token belongs to another connection", HandshakeRequiredPrefix)
	}
	if stamp, err := r.target.Credential(p.user); err != nil || stamp != p.credential {
		r.sessions.drop(token)
		return peer{}, status.Errorf(CodeHandshakeRequired, "%s: user %s was changed or dropped since the handshake", HandshakeRequiredPrefix, p.user)
	}
	return p, nil
}

// connInfo is the connection a request came on: id 0 and no address for
// an in-process call.
type connInfo struct {
	id     uint64
	remote string
}

func connOf(ctx context.Context) connInfo {
	if c, ok := clientconn.From(ctx); ok {
		return connInfo{id: c.ID(), remote: c.Remote()}
	}
	return connInfo{}
}

// reply builds a response from an outcome.
func reply(err error, body []byte) *pipethrift.TPipeTransferResp {
	st := &pipethrift.TSStatus{Code: int32(status.CodeOf(err))}
	if err != nil {
		msg := err.Error()
		st.Message = &msg
		body = nil
	}
	return &pipethrift.TPipeTransferResp{Status: st, Body: body}
}

var _ pipethrift.PipeTransferService = handler{}
