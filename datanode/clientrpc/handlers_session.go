package clientrpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/status"
)

// incompatibleVersion is IoTDB's IncompatibleVersion status code.
const incompatibleVersion status.Code = 201

// OpenSession logs a user in and opens a session on the connection.
func (sv *service) OpenSession(ctx context.Context, req *rpc.TSOpenSessionReq) (*rpc.TSOpenSessionResp, error) {
	if req == nil {
		return &rpc.TSOpenSessionResp{Status: noRequest(), ServerProtocolVersion: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3}, nil
	}
	fail := func(st *rpc.TSStatus) *rpc.TSOpenSessionResp {
		return &rpc.TSOpenSessionResp{Status: st, ServerProtocolVersion: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3}
	}
	return call(ctx, sv, "openSession", nil, func(ctx context.Context, _ *session) (*rpc.TSOpenSessionResp, error) {
		if req.ClientProtocol != rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3 {
			return nil, status.Errorf(incompatibleVersion, "client protocol %v is not supported: use %v",
				req.ClientProtocol, rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3)
		}
		c := connFrom(ctx)
		if c == nil {
			return nil, errors.New("BUG: request without a connection")
		}
		user, password := req.GetUsername(), req.GetPassword()
		host := throttle.Host(c.remote)
		if err := sv.srv.cfg.Throttle.Check(user, host); err != nil {
			sv.srv.log.Info("login refused: too many failures", "user", user, "remote", c.remote)
			c.loginErr = err
			return nil, err
		}
		if err := sv.srv.backend.Login(ctx, user, password); err != nil {
			sv.srv.metrics.loginFailures.Inc()
			next := sv.srv.cfg.Throttle.Failed(user, host)
			sv.srv.log.Info("login failed", "user", user, "remote", c.remote, "err", err, "next_attempt_delay", next)
			c.loginErr = err
			return nil, err
		}
		sv.srv.cfg.Throttle.Succeeded(user, host)
		zone, err := parseZone(req.ZoneId)
		if err != nil {
			return nil, err
		}
		c.loginErr = nil
		c.Authenticate()
		ss := sv.srv.openSession(c, user, req.ZoneId, zone)
		sv.srv.log.Debug("session opened", "session", ss.id, "user", user, "remote", c.remote)
		return &rpc.TSOpenSessionResp{
			Status:                statusOf(nil),
			ServerProtocolVersion: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3,
			SessionId:             thrift.Int64Ptr(ss.id),
			Configuration:         map[string]string{"timeZone": ss.zoneID, "version": sv.srv.cfg.Version},
		}, nil
	}, fail), nil
}

// CloseSession ends a session and releases its queries.
func (sv *service) CloseSession(ctx context.Context, req *rpc.TSCloseSessionReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "closeSession", req.SessionId, func(ctx context.Context, ss *session) error {
		sv.srv.closeSession(connFrom(ctx), ss)
		sv.srv.log.Debug("session closed", "session", ss.id)
		return nil
	}), nil
}

// RequestStatementId hands out the session's next statement id. The reply
// has no status, so an unknown session is a Thrift exception. The Go client
// ignores openSession's status and calls this right after, so this
// exception is what fails Session.Open after a wrong password: it repeats
// the login failure.
func (sv *service) RequestStatementId(ctx context.Context, sessionID int64) (int64, error) {
	var failure error
	id := call(ctx, sv, "requestStatementId", &sessionID, func(ctx context.Context, ss *session) (int64, error) {
		ss.nextStmt++
		return ss.nextStmt, nil
	}, func(st *rpc.TSStatus) int64 {
		failure = fmt.Errorf("status %d: %s", st.Code, st.GetMessage())
		if c := connFrom(ctx); c != nil && c.loginErr != nil {
			failure = fmt.Errorf("status %d: login failed: %s", status.CodeOf(c.loginErr), c.loginErr.Error())
		}
		return -1
	})
	return id, failure
}

// GetTimeZone returns the session's zone id.
func (sv *service) GetTimeZone(ctx context.Context, sessionID int64) (*rpc.TSGetTimeZoneResp, error) {
	return call(ctx, sv, "getTimeZone", &sessionID, func(ctx context.Context, ss *session) (*rpc.TSGetTimeZoneResp, error) {
		return &rpc.TSGetTimeZoneResp{Status: statusOf(nil), TimeZone: ss.zoneID}, nil
	}, func(st *rpc.TSStatus) *rpc.TSGetTimeZoneResp { return &rpc.TSGetTimeZoneResp{Status: st} }), nil
}

// SetTimeZone changes the zone the session's date-time literals are read in.
func (sv *service) SetTimeZone(ctx context.Context, req *rpc.TSSetTimeZoneReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "setTimeZone", req.SessionId, func(ctx context.Context, ss *session) error {
		zone, err := parseZone(req.TimeZone)
		if err != nil {
			return err
		}
		ss.zone, ss.zoneID = zone, req.TimeZone
		return nil
	}), nil
}

// GetProperties describes the server.
func (sv *service) GetProperties(ctx context.Context) (*rpc.ServerProperties, error) {
	props := func() *rpc.ServerProperties {
		return &rpc.ServerProperties{
			Version: sv.srv.cfg.Version,
			SupportedTimeAggregationOperations: []string{"count", "sum", "avg", "min_value", "max_value",
				"first_value", "last_value", "min_time", "max_time"},
			TimestampPrecision: "ms",
			ThriftMaxFrameSize: thrift.Int32Ptr(int32(sv.srv.cfg.MaxFrameBytes)),
			IsReadOnly:         thrift.BoolPtr(false),
		}
	}
	return call(ctx, sv, "getProperties", nil, func(context.Context, *session) (*rpc.ServerProperties, error) {
		return props(), nil
	}, func(*rpc.TSStatus) *rpc.ServerProperties { return props() }), nil
}

// CancelOperation stops a query and releases it.
func (sv *service) CancelOperation(ctx context.Context, req *rpc.TSCancelOperationReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "cancelOperation", req.SessionId, func(ctx context.Context, ss *session) error {
		if q := ss.queries[req.QueryId]; q != nil {
			sv.srv.releaseQuery(ss, q)
		}
		return nil
	}), nil
}

// CloseOperation releases a query, or every query of a statement when only
// the statement id is given. Releasing an unknown query succeeds: queries
// that ran to their end are released already.
func (sv *service) CloseOperation(ctx context.Context, req *rpc.TSCloseOperationReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "closeOperation", req.SessionId, func(ctx context.Context, ss *session) error {
		switch {
		case req.QueryId != nil:
			if q := ss.queries[*req.QueryId]; q != nil {
				sv.srv.releaseQuery(ss, q)
			}
		case req.StatementId != nil:
			for _, q := range ss.queries {
				if q.stmtID == *req.StatementId {
					sv.srv.releaseQuery(ss, q)
				}
			}
		}
		return nil
	}), nil
}

// FetchMetadata is IoTDB's legacy metadata call; SHOW statements replace it.
func (sv *service) FetchMetadata(ctx context.Context, req *rpc.TSFetchMetadataReq) (*rpc.TSFetchMetadataResp, error) {
	if req == nil {
		return &rpc.TSFetchMetadataResp{Status: noRequest()}, nil
	}
	return call(ctx, sv, "fetchMetadata", &req.SessionId, func(context.Context, *session) (*rpc.TSFetchMetadataResp, error) {
		return nil, status.Errorf(status.UnsupportedOperation, "fetchMetadata is not supported: use SHOW TIMESERIES or SHOW DATABASES")
	}, func(st *rpc.TSStatus) *rpc.TSFetchMetadataResp { return &rpc.TSFetchMetadataResp{Status: st} }), nil
}
