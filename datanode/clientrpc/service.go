package clientrpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// service implements rpc.TSIService. Its methods are spread over the
// handlers_*.go files; each runs its body through call.
type service struct{ srv *Server }

var _ rpc.TSIService = (*service)(nil)

// multiError reports the outcome of each item of a request that did
// several things (CreateMultiTimeseries, ExecuteBatchStatement) when some
// failed. It becomes a MultipleError status with one sub-status per item.
type multiError struct {
	subs []*rpc.TSStatus
}

func (e *multiError) Error() string {
	var msgs []string
	for i, st := range e.subs {
		if st.Code != int32(status.Success) {
			msgs = append(msgs, fmt.Sprintf("item %d: %s", i, st.GetMessage()))
		}
	}
	return strings.Join(msgs, "; ")
}

// noRequest is the status of a call whose request struct is missing, which
// Thrift decodes as a nil argument.
func noRequest() *rpc.TSStatus {
	return statusOf(status.Errorf(status.IllegalParameter, "the request has no body"))
}

// statusOf turns an error into the TSStatus clients read.
func statusOf(err error) *rpc.TSStatus {
	if err == nil {
		return &rpc.TSStatus{Code: int32(status.Success)}
	}
	msg := err.Error()
	var me *multiError
	if errors.As(err, &me) {
		return &rpc.TSStatus{Code: int32(status.MultipleError), Message: &msg, SubStatus: me.subs}
	}
	return &rpc.TSStatus{Code: int32(status.CodeOf(err)), Message: &msg}
}

// subStatus is statusOf for an entry of a sub-status list. The Go client
// prints the message of every entry, successful ones included, and crashes
// on a missing one, so each gets a message.
func subStatus(err error) *rpc.TSStatus {
	st := statusOf(err)
	if st.Message == nil {
		st.Message = new(string)
	}
	return st
}

// call runs one request's body: it resolves the session (when sid is not
// nil), converts the body's error with fail, recovers a panic into
// InternalServerError and records metrics. It never returns a Go error:
// business failures travel in the reply's status.
func call[R any](ctx context.Context, sv *service, method string, sid *int64,
	body func(context.Context, *session) (R, error), fail func(*rpc.TSStatus) R) (res R) {
	start := time.Now()
	code := status.Success
	defer func() {
		if p := recover(); p != nil {
			sv.srv.log.Error("BUG: panic in client RPC handler", "method", method, "panic", p, "stack", string(debug.Stack()))
			code = status.InternalServerError
			msg := fmt.Sprintf("internal error in %s: %v", method, p)
			res = fail(&rpc.TSStatus{Code: int32(code), Message: &msg})
		}
		sv.srv.metrics.observe(method, code, time.Since(start))
	}()
	var ss *session
	if sid != nil {
		var err error
		if ss, err = sessionOf(ctx, *sid); err != nil {
			code = status.CodeOf(err)
			return fail(statusOf(err))
		}
	}
	res, err := body(ctx, ss)
	if err != nil {
		st := statusOf(err)
		code = status.Code(st.Code)
		level := slog.LevelDebug
		if code == status.InternalServerError && ctx.Err() == nil {
			// A client that went away cancels its request; that is no
			// server fault.
			level = slog.LevelError
		}
		sv.srv.log.Log(ctx, level, "client request failed", "method", method, "code", int(code), "err", err)
		return fail(st)
	}
	return res
}

// statusCall is call for methods that reply with a bare TSStatus.
func statusCall(ctx context.Context, sv *service, method string, sid int64, body func(context.Context, *session) error) *rpc.TSStatus {
	return call(ctx, sv, method, &sid, func(ctx context.Context, ss *session) (*rpc.TSStatus, error) {
		return statusOf(nil), body(ctx, ss)
	}, func(st *rpc.TSStatus) *rpc.TSStatus { return st })
}

// sessionOf finds the session sid among those of the request's connection.
func sessionOf(ctx context.Context, sid int64) (*session, error) {
	if c := connFrom(ctx); c != nil {
		if ss := c.sessions[sid]; ss != nil {
			return ss, nil
		}
	}
	return nil, status.Errorf(status.NotLogin, "session %d is not open on this connection: log in with openSession first", sid)
}

// run executes one statement for the session and counts what it ingested.
func (sv *service) run(ctx context.Context, ss *session, stmt ast.Statement) (*model.Result, error) {
	res, err := sv.srv.backend.Run(ctx, ss.user, ss.zone, stmt)
	if err != nil {
		if res != nil && res.Rows != nil {
			_ = res.Rows.Close()
		}
		return nil, err
	}
	if res != nil && res.Rows == nil {
		return nil, status.Errorf(status.InternalServerError, "BUG: backend returned a result without rows for %T", stmt)
	}
	sv.srv.countIngest(stmt)
	return res, nil
}

// exec runs a statement whose rows, if any, are not wanted.
func (sv *service) exec(ctx context.Context, ss *session, stmt ast.Statement) error {
	res, err := sv.run(ctx, ss, stmt)
	if res != nil {
		if cerr := res.Rows.Close(); cerr != nil {
			sv.srv.log.Warn("closing unwanted result failed", "err", cerr)
		}
	}
	return err
}

// countIngest adds a successful write to the ingest counters.
func (s *Server) countIngest(stmt ast.Statement) {
	var rows, points int
	switch st := stmt.(type) {
	case *ast.InsertTablets:
		for _, t := range st.Tablets {
			rows += t.Rows()
			points += t.Points()
		}
	case *ast.Insert:
		rows = len(st.Rows)
		for _, r := range st.Rows {
			for _, v := range r.Values {
				if v != nil && v.Kind != ast.NullLit {
					points++
				}
			}
		}
	default:
		return
	}
	s.metrics.rows.Add(float64(rows))
	s.metrics.points.Add(float64(points))
}

// withTimeout bounds ctx by a request's timeout in milliseconds, if any.
func withTimeout(ctx context.Context, ms *int64) (context.Context, context.CancelFunc) {
	if ms == nil || *ms <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, time.Duration(*ms)*time.Millisecond)
}
