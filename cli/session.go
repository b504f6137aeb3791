package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
)

// The official client's Session is not used directly: in v1.3.2 its Open
// ignores the login status, its ExecuteStatement ignores the statement
// status (so errors would print as empty results) and dereferences a query
// id that non-query responses need not carry, and its SessionDataSet drops
// errors that occur while fetching later pages. The session below makes the
// same calls through the same generated client, checks every status, and
// hands each result page to a SessionDataSet for decoding.

// connConfig says where and as whom to connect.
type connConfig struct {
	host, port     string
	user, password string
	loc            *time.Location // the session's time zone
	connectTimeout time.Duration
	fetchSize      int32
	tls            *tls.Config // nil: plain Thrift
}

func (c connConfig) addr() string { return net.JoinHostPort(c.host, c.port) }

// connectError is a failure to reach the server, as opposed to one it
// reported.
type connectError struct {
	addr string
	err  error
}

func (e *connectError) Error() string { return fmt.Sprintf("cannot connect to %s: %v", e.addr, e.err) }
func (e *connectError) Unwrap() error { return e.err }

// session is an executor over one Thrift connection to a DataNode.
type session struct {
	addr      string
	trans     thrift.TTransport
	svc       *rpc.TSIServiceClient
	id        int64
	stmtID    int64
	fetchSize int32
	stop      func() bool // detaches the context watcher
}

// dialSession connects and logs in. Cancelling ctx later closes the
// connection, which aborts a statement blocked on the server.
func dialSession(ctx context.Context, cfg connConfig) (executor, error) {
	addr := cfg.addr()
	d := net.Dialer{Timeout: cfg.connectTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Err != nil {
			err = opErr.Err // the address is already in our message
		}
		return nil, &connectError{addr: addr, err: err}
	}
	if cfg.tls != nil {
		tc := tls.Client(conn, cfg.tls)
		hctx, cancel := context.WithTimeout(ctx, cfg.connectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, &connectError{addr: addr, err: fmt.Errorf("TLS: %w", err)}
		}
		conn = tc
	}
	conf := &thrift.TConfiguration{MaxFrameSize: thrift.DEFAULT_MAX_FRAME_SIZE}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(conn, conf), conf)
	proto := thrift.NewTBinaryProtocolFactoryConf(conf)
	s := &session{
		addr:      addr,
		trans:     trans,
		svc:       rpc.NewTSIServiceClient(thrift.NewTStandardClient(proto.GetProtocol(trans), proto.GetProtocol(trans))),
		fetchSize: cfg.fetchSize,
		stop:      context.AfterFunc(ctx, func() { conn.Close() }),
	}
	if err := s.login(ctx, cfg); err != nil {
		s.stop()
		conn.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) login(ctx context.Context, cfg connConfig) error {
	resp, err := s.svc.OpenSession(ctx, &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3,
		ZoneId:         zoneID(cfg.loc),
		Username:       &cfg.user,
		Password:       &cfg.password,
	})
	if err != nil {
		return &connectError{addr: s.addr, err: err}
	}
	if err := checkStatus(resp.GetStatus()); err != nil {
		return fmt.Errorf("cannot log in to %s as %s: %w", s.addr, cfg.user, err)
	}
	s.id = resp.GetSessionId()
	if s.stmtID, err = s.svc.RequestStatementId(ctx, s.id); err != nil {
		return &connectError{addr: s.addr, err: err}
	}
	return nil
}

func (s *session) execute(ctx context.Context, sql string) (rows, error) {
	resp, err := s.svc.ExecuteStatement(ctx, &rpc.TSExecuteStatementReq{
		SessionId:   s.id,
		Statement:   sql,
		StatementId: s.stmtID,
		FetchSize:   &s.fetchSize,
	})
	if err != nil {
		return nil, s.transportError(ctx, err)
	}
	if err := checkStatus(resp.GetStatus()); err != nil {
		return nil, err
	}
	// IoTDB marks a result set by its columns and data, not by the query id,
	// which some servers set for every statement.
	if len(resp.Columns) == 0 && resp.QueryDataSet == nil {
		return nil, nil
	}
	return &remoteRows{
		s:          s,
		sql:        sql,
		queryID:    resp.GetQueryId(),
		names:      resp.Columns,
		types:      resp.DataTypeList,
		nameIndex:  resp.ColumnNameIndexMap,
		ignoreTime: resp.GetIgnoreTimeStamp(),
		page:       resp.QueryDataSet,
	}, nil
}

func (s *session) close() error {
	s.stop()
	// A context that is already cancelled has closed the connection, so
	// closing the session politely uses a fresh one.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := s.svc.CloseSession(ctx, &rpc.TSCloseSessionReq{SessionId: s.id})
	if cerr := s.trans.Close(); err == nil {
		err = cerr
	}
	return err
}

// transportError describes a failed request. Once ctx is done the failure
// is the cancellation, not the connection it closed.
func (s *session) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("request to %s failed: %w", s.addr, err)
}

// remoteRows streams a result set page by page. Each page is decoded by the
// official client's SessionDataSet; the session fetches the pages itself so
// that a failed fetch is an error rather than a silent end of the rows.
type remoteRows struct {
	s          *session
	sql        string
	queryID    int64
	names      []string
	types      []string
	nameIndex  map[string]int32
	ignoreTime bool

	page   *rpc.TSQueryDataSet // undecoded page, or nil
	ds     *client.SessionDataSet
	left   int // rows of ds not yet read
	done   bool
	closed bool
}

func (r *remoteRows) columns() []string { return r.names }
func (r *remoteRows) hasTime() bool     { return !r.ignoreTime }

func (r *remoteRows) next(ctx context.Context, dst *row) (ok bool, err error) {
	for r.left == 0 {
		if r.done {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if r.page == nil {
			if err := r.fetch(ctx); err != nil {
				return false, err
			}
			continue
		}
		r.startPage()
	}
	defer func() {
		// The decoder trusts the page; a malformed one must not take the
		// shell down with a stack trace.
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("malformed result page from %s: %v", r.s.addr, p)
			r.done, r.left = true, 0
		}
	}()
	// Next only reads the cached page while rows are left; it never
	// reaches its own fetch, whose errors it would swallow.
	if _, err := r.ds.Next(); err != nil {
		return false, err
	}
	r.left--
	dst.time = r.ds.GetTimestamp()
	dst.values = dst.values[:0]
	for _, name := range r.names {
		dst.values = append(dst.values, r.ds.GetValue(name))
	}
	return true, nil
}

// startPage hands the undecoded page to a fresh SessionDataSet. Without an
// RPC client the data set cannot fetch on its own.
func (r *remoteRows) startPage() {
	page := r.page
	r.page = nil
	n := len(page.Time) / 8
	if n == 0 {
		return // fetch the next
	}
	r.ds = client.NewSessionDataSet(r.sql, r.names, r.types, r.nameIndex, r.queryID,
		nil, r.s.id, page, r.ignoreTime, r.s.fetchSize, nil)
	r.left = n
}

func (r *remoteRows) fetch(ctx context.Context) error {
	resp, err := r.s.svc.FetchResults(ctx, &rpc.TSFetchResultsReq{
		SessionId: r.s.id,
		Statement: r.sql,
		FetchSize: r.s.fetchSize,
		QueryId:   r.queryID,
		IsAlign:   true,
	})
	if err != nil {
		return r.s.transportError(ctx, err)
	}
	if err := checkStatus(resp.GetStatus()); err != nil {
		return err
	}
	if !resp.HasResultSet {
		r.done = true
		return nil
	}
	// An empty page (nil or no rows) is not the end; the next fetch is.
	r.page = resp.QueryDataSet
	if r.page == nil {
		r.page = &rpc.TSQueryDataSet{}
	}
	return nil
}

func (r *remoteRows) close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status, err := r.s.svc.CloseOperation(ctx, &rpc.TSCloseOperationReq{
		SessionId: r.s.id,
		QueryId:   &r.queryID,
	})
	if err != nil {
		return r.s.transportError(ctx, err)
	}
	return checkStatus(status)
}

// checkStatus turns a failed TSStatus into a *statusError. Redirection is
// success for a client that stays where it is; a multiple-error status
// fails if any of its parts does.
func checkStatus(st *rpc.TSStatus) error {
	if st == nil {
		return &statusError{code: client.ExecuteStatementError, msg: "response carries no status"}
	}
	switch st.Code {
	case client.SuccessStatus, client.RedirectionRecommend:
		return nil
	case client.MultipleError:
		var msgs []string
		for _, sub := range st.SubStatus {
			if err := checkStatus(sub); err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		if len(msgs) == 0 && len(st.SubStatus) > 0 {
			return nil
		}
		if len(msgs) == 0 {
			msgs = append(msgs, st.GetMessage())
		}
		return &statusError{code: st.Code, msg: strings.Join(msgs, "; ")}
	}
	return &statusError{code: st.Code, msg: st.GetMessage()}
}

// zoneID names loc for the server: its IANA name when known, else its
// current UTC offset, which IoTDB accepts as a zone id too.
func zoneID(loc *time.Location) string {
	name := loc.String()
	if loc == time.Local {
		name = strings.TrimPrefix(os.Getenv("TZ"), ":")
	}
	if name != "" && name != "Local" {
		if _, err := time.LoadLocation(name); err == nil {
			return name
		}
	}
	return time.Now().In(loc).Format("-07:00")
}
