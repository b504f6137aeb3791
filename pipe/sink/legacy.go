package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/clientwire"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/status"
)

// closeSessionTimeout bounds the courtesy closeSession at Close.
const closeSessionTimeout = 2 * time.Second

// legacySink is iotdb-legacy-pipe-sink: it writes batches with the client
// protocol's insertTablets over one session, so any server that speaks
// IoTDB's TSIService can receive them. It cannot mark the writes' origin.
//
// It uses the generated TSIService client of iotdb-client-go rather than
// that module's client.Session, whose calls take no context and set no
// socket timeout (a stalled target would hang the pipe forever), whose
// Open does not check the login status, and whose automatic reconnect
// walks a process-wide list of every endpoint any session was made for
// (a legacy sink could reconnect to, and write into, another target).
type legacySink struct {
	sinkBase

	// turn serialises transfers (InFlight is 1) while letting a waiting
	// Transfer give up on its context.
	turn chan struct{}

	mu      sync.Mutex // guards the fields below against Close
	conn    *thriftConn
	client  *rpc.TSIServiceClient
	session int64
	next    int // target to try first on the next connect
	closed  bool
}

func newLegacySink(a *attributes, cfg Config, logger *slog.Logger, m *sinkMetrics) *legacySink {
	logger.Debug("legacy sink created", "targets", a.targets, "target_version", a.version)
	return &legacySink{sinkBase: newSinkBase(a, cfg, logger, m), turn: make(chan struct{}, 1)}
}

// TargetClusterID is empty: the client protocol does not reveal one.
func (s *legacySink) TargetClusterID() string { return "" }

// Connections is 1 while the session's connection is open.
func (s *legacySink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return 1
	}
	return 0
}

// InFlight is 1: one session, used in order.
func (s *legacySink) InFlight() int { return 1 }

// Transfer writes the batch with one insertTablets call per run of
// tablets of the same alignment, in order.
func (s *legacySink) Transfer(ctx context.Context, b *pipe.Batch) error {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.turn }()
	err := s.transfer(ctx, b)
	s.m.done(err)
	return err
}

func (s *legacySink) transfer(ctx context.Context, b *pipe.Batch) error {
	for run := range alignmentRuns(b.Tablets) {
		req, size, err := clientwire.InsertTabletsReq(run, run[0].Aligned)
		if err != nil {
			return fatalf("%s: cannot encode batch: %v", s.a.plugin, err)
		}
		if err := s.insert(ctx, req, size); err != nil {
			return err
		}
	}
	return nil
}

// insert sends one request. A connection that was already open may have
// gone stale while idle: a failure on it is retried once on a new one, as
// is NotLogin (the target forgot the session, e.g. after a restart).
func (s *legacySink) insert(ctx context.Context, req *rpc.TSInsertTabletsReq, size int) error {
	for attempt := 0; ; attempt++ {
		if err := s.limit.wait(ctx, size); err != nil {
			return err
		}
		c, client, session, fresh, err := s.connect(ctx)
		if err != nil {
			return err
		}
		req.SessionId = session
		var st *rpc.TSStatus
		lost, err := c.call(ctx, s.cfg.Timeout, func(ctx context.Context) (err error) {
			st, err = client.InsertTablets(ctx, req)
			return err
		})
		s.m.sent(size)
		if lost {
			s.drop(c)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !fresh && attempt == 0 && retryable(err):
			continue
		case err != nil:
			return fmt.Errorf("%s %s: insertTablets: %w", s.a.plugin, c.target, err)
		case succeeded(st.Code):
			return nil
		case st.Code == int32(status.NotLogin) && attempt == 0:
			s.drop(c)
			continue
		}
		return legacyStatusError(s.a.plugin, c.target, st)
	}
}

// connect returns the open session, or opens one on the first target that
// accepts, starting after the one used last (round-robin failover).
func (s *legacySink) connect(ctx context.Context) (c *thriftConn, client *rpc.TSIServiceClient, session int64, fresh bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, nil, 0, false, ErrClosed
	}
	if s.conn != nil {
		defer s.mu.Unlock()
		return s.conn, s.client, s.session, false, nil
	}
	first := s.next
	s.mu.Unlock()

	c, idx, err := tryTargets(s.failover, first, func(target string) (*thriftConn, error) {
		c, cl, id, err := s.open(ctx, target)
		switch {
		case err == nil:
			client, session = cl, id // of the target that accepts
		case !errors.Is(err, pipe.ErrFatal) && ctx.Err() == nil:
			err = s.failover.failed("legacy sink cannot connect", err)
		}
		return c, err
	})
	if err != nil {
		return nil, nil, 0, false, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return nil, nil, 0, false, ErrClosed
	}
	s.conn, s.client, s.session, s.next = c, client, session, (idx+1)%len(s.a.targets)
	s.mu.Unlock()
	s.m.connOpened()
	return c, client, session, true, nil
}

// open dials target and logs in.
func (s *legacySink) open(ctx context.Context, target string) (*thriftConn, *rpc.TSIServiceClient, int64, error) {
	c, err := dialThrift(ctx, target, s.cfg.Timeout, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: %w", s.a.plugin, target, err)
	}
	client := rpc.NewTSIServiceClient(c.client)
	user, password := s.a.user, s.a.password
	req := &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3,
		ZoneId:         "UTC",
		Username:       &user,
		Password:       &password,
	}
	var resp *rpc.TSOpenSessionResp
	_, err = c.call(ctx, s.cfg.Timeout, func(ctx context.Context) (err error) {
		resp, err = client.OpenSession(ctx, req)
		return err
	})
	if err == nil && resp.GetStatus() == nil {
		err = errors.New("openSession answered without a status")
	}
	if err != nil {
		c.close()
		var ae thrift.TApplicationException
		if errors.As(err, &ae) && ae.TypeId() == thrift.UNKNOWN_METHOD {
			return nil, nil, 0, fatalf("%s %s: target does not speak IoTDB's client protocol (%v)", s.a.plugin, target, err)
		}
		return nil, nil, 0, fmt.Errorf("%s %s: openSession: %w", s.a.plugin, target, err)
	}
	if st := resp.GetStatus(); !succeeded(st.Code) {
		c.close()
		return nil, nil, 0, legacyStatusError(s.a.plugin, target, st)
	}
	if !resp.IsSetSessionId() {
		c.close()
		return nil, nil, 0, fmt.Errorf("%s %s: openSession answered without a session id", s.a.plugin, target)
	}
	s.log.Info("legacy sink connected", "target", target, "user", user,
		"target_version", resp.GetConfiguration()["version"])
	return c, client, resp.GetSessionId(), nil
}

// drop forgets c (if it is still the current connection) and closes it.
func (s *legacySink) drop(c *thriftConn) {
	s.mu.Lock()
	if s.conn == c {
		s.conn, s.client = nil, nil
		s.m.connClosed()
	}
	s.mu.Unlock()
	c.close()
}

// Close ends the session and closes the connection. A transfer in
// progress fails. It is idempotent.
func (s *legacySink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	// When no transfer is running, say goodbye politely; otherwise the
	// client is busy and only closing the socket unblocks it.
	select {
	case s.turn <- struct{}{}:
		defer func() { <-s.turn }()
		s.mu.Lock()
		c, client, session := s.conn, s.client, s.session
		s.mu.Unlock()
		if c != nil {
			c.call(context.Background(), min(s.cfg.Timeout, closeSessionTimeout), func(ctx context.Context) error {
				_, err := client.CloseSession(ctx, &rpc.TSCloseSessionReq{SessionId: session})
				return err
			})
		}
	default:
	}
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		s.drop(c)
	}
	return nil
}

// legacyStatusError classifies a TSIService status.
func legacyStatusError(plugin, target string, st *rpc.TSStatus) error {
	var subs []subStatus
	for _, sub := range st.GetSubStatus() {
		if sub != nil {
			subs = append(subs, subStatus{code: sub.Code, msg: sub.GetMessage()})
		}
	}
	return statusError(plugin, target, st.Code, st.GetMessage(), subs, nil)
}

// alignmentRuns yields maximal runs of consecutive tablets that are all
// aligned or all not: insertTablets carries one alignment flag.
func alignmentRuns(tablets []*model.Tablet) func(yield func([]*model.Tablet) bool) {
	return func(yield func([]*model.Tablet) bool) {
		for start := 0; start < len(tablets); {
			end := start + 1
			for end < len(tablets) && tablets[end].Aligned == tablets[start].Aligned {
				end++
			}
			if !yield(tablets[start:end]) {
				return
			}
			start = end
		}
	}
}
