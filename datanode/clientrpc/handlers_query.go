package clientrpc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// failExec is the reply of a failed execute call. The query id is set
// because the Go client dereferences it whatever the status.
func failExec(st *rpc.TSStatus) *rpc.TSExecuteStatementResp {
	return &rpc.TSExecuteStatementResp{Status: st, QueryId: thrift.Int64Ptr(noQuery)}
}

// ExecuteStatement runs SQL text; a query's first page comes with the reply.
func (sv *service) ExecuteStatement(ctx context.Context, req *rpc.TSExecuteStatementReq) (*rpc.TSExecuteStatementResp, error) {
	if req == nil {
		return failExec(noRequest()), nil
	}
	return sv.executeSQL(ctx, "executeStatement", req), nil
}

// ExecuteQueryStatement runs SQL text, like ExecuteStatement.
func (sv *service) ExecuteQueryStatement(ctx context.Context, req *rpc.TSExecuteStatementReq) (*rpc.TSExecuteStatementResp, error) {
	if req == nil {
		return failExec(noRequest()), nil
	}
	return sv.executeSQL(ctx, "executeQueryStatement", req), nil
}

// ExecuteUpdateStatement runs SQL text, like ExecuteStatement.
func (sv *service) ExecuteUpdateStatement(ctx context.Context, req *rpc.TSExecuteStatementReq) (*rpc.TSExecuteStatementResp, error) {
	if req == nil {
		return failExec(noRequest()), nil
	}
	return sv.executeSQL(ctx, "executeUpdateStatement", req), nil
}

// executeSQL parses and runs the statements of req in order, stopping at
// the first failure. The result of the last statement is the reply; rows
// of earlier statements are discarded.
func (sv *service) executeSQL(ctx context.Context, method string, req *rpc.TSExecuteStatementReq) *rpc.TSExecuteStatementResp {
	return call(ctx, sv, method, &req.SessionId, func(ctx context.Context, ss *session) (*rpc.TSExecuteStatementResp, error) {
		stmts, err := sv.parse(req.Statement)
		if err != nil {
			return nil, err
		}
		ctx, cancel := withTimeout(ctx, req.Timeout)
		defer cancel()
		for i, stmt := range stmts {
			qctx, rq, stop := sv.startQuery(ctx, req.Statement)
			defer stop()
			res, err := sv.run(qctx, ss, stmt)
			if err != nil {
				err = killedOr(qctx, err)
				rq.Finish()
				if len(stmts) > 1 {
					return nil, status.Errorf(status.CodeOf(err), "statement %d: %w", i+1, err)
				}
				return nil, err
			}
			if i < len(stmts)-1 {
				if res != nil {
					_ = res.Rows.Close()
				}
				rq.Finish()
				continue
			}
			return sv.openQuery(qctx, ss, req.StatementId, res, fetchSize(sv, req.FetchSize), rq)
		}
		return nil, status.Errorf(status.SQLParseError, "no statement in %q", req.Statement)
	}, failExec)
}

// parse reads SQL text. Errors without a status code are syntax errors.
func (sv *service) parse(sql string) ([]ast.Statement, error) {
	stmts, err := sv.srv.cfg.Parse(sql)
	if err != nil {
		var se *status.Error
		if !errors.As(err, &se) {
			err = status.Errorf(status.SQLParseError, "%w", err)
		}
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, status.Errorf(status.SQLParseError, "no statement in %q", sql)
	}
	return stmts, nil
}

// ExecuteBatchStatement runs each SQL text on its own; when some fail the
// reply is MultipleError with one sub-status per text.
func (sv *service) ExecuteBatchStatement(ctx context.Context, req *rpc.TSExecuteBatchStatementReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "executeBatchStatement", req.SessionId, func(ctx context.Context, ss *session) error {
		subs := make([]*rpc.TSStatus, len(req.Statements))
		failed := false
		for i, sql := range req.Statements {
			stmts, err := sv.parse(sql)
			for _, stmt := range stmts {
				if err = sv.execTracked(ctx, ss, sql, stmt); err != nil {
					break
				}
			}
			subs[i] = subStatus(err)
			failed = failed || err != nil
		}
		if failed {
			return &multiError{subs: subs}
		}
		return nil
	}), nil
}

// ExecuteRawDataQuery selects the points of the paths with
// start <= time < end.
func (sv *service) ExecuteRawDataQuery(ctx context.Context, req *rpc.TSRawDataQueryReq) (*rpc.TSExecuteStatementResp, error) {
	if req == nil {
		return failExec(noRequest()), nil
	}
	return call(ctx, sv, "executeRawDataQuery", &req.SessionId, func(ctx context.Context, ss *session) (*rpc.TSExecuteStatementResp, error) {
		sel, err := selectPaths(req.Paths)
		if err != nil {
			return nil, err
		}
		sel.Where = and(timeCmp(">=", req.StartTime), timeCmp("<", req.EndTime))
		return sv.query(ctx, ss, req.StatementId, sel, "executeRawDataQuery "+strings.Join(req.Paths, ", "), req.FetchSize)
	}, failExec), nil
}

// ExecuteLastDataQuery selects the newest point of each path with
// time >= the given time.
func (sv *service) ExecuteLastDataQuery(ctx context.Context, req *rpc.TSLastDataQueryReq) (*rpc.TSExecuteStatementResp, error) {
	if req == nil {
		return failExec(noRequest()), nil
	}
	return call(ctx, sv, "executeLastDataQuery", &req.SessionId, func(ctx context.Context, ss *session) (*rpc.TSExecuteStatementResp, error) {
		sel, err := selectPaths(req.Paths)
		if err != nil {
			return nil, err
		}
		sel.Last = true
		sel.Where = timeCmp(">=", req.Time)
		return sv.query(ctx, ss, req.StatementId, sel, "executeLastDataQuery "+strings.Join(req.Paths, ", "), req.FetchSize)
	}, failExec), nil
}

// query runs a statement built from a structured request and opens its
// result; text is what SHOW QUERIES shows of it.
func (sv *service) query(ctx context.Context, ss *session, stmtID int64, stmt ast.Statement, text string, size *int32) (*rpc.TSExecuteStatementResp, error) {
	qctx, rq, stop := sv.startQuery(ctx, text)
	defer stop()
	res, err := sv.run(qctx, ss, stmt)
	if err != nil {
		rq.Finish()
		return nil, killedOr(qctx, err)
	}
	return sv.openQuery(qctx, ss, stmtID, res, fetchSize(sv, size), rq)
}

// startQuery registers a statement among the running queries. The
// registration outlives the request when the statement's result stays open
// for later fetches; the context returned for running it is cancelled by a
// kill and, until the request ends, by the request's own cancellation.
// Defer stop when the request starts: it also ends the registration of a
// request that panics (call recovers the panic).
func (sv *service) startQuery(ctx context.Context, text string) (runCtx context.Context, rq *queries.Query, stop func()) {
	qctx, rq := sv.srv.cfg.Queries.Start(context.WithoutCancel(ctx), text)
	runCtx, release := withQuery(ctx, qctx)
	return queries.NewContext(runCtx, rq), rq, func() {
		release()
		if p := recover(); p != nil {
			rq.Finish()
			panic(p)
		}
	}
}

// execTracked runs a statement whose rows are not wanted among the
// running queries, as text.
func (sv *service) execTracked(ctx context.Context, ss *session, text string, stmt ast.Statement) error {
	qctx, rq, stop := sv.startQuery(ctx, text)
	defer stop()
	defer rq.Finish()
	return killedOr(qctx, sv.exec(qctx, ss, stmt))
}

// killedOr is queries.ErrKilled when the query of ctx was killed, which
// is why it failed with err; otherwise err.
func killedOr(ctx context.Context, err error) error {
	if queries.Killed(ctx) {
		return queries.ErrKilled
	}
	return err
}

// selectPaths selects full paths (or patterns) as they are: each item is
// an absolute path, and FROM lists their devices.
func selectPaths(paths []string) (*ast.Select, error) {
	pats, err := patterns(paths)
	if err != nil {
		return nil, err
	}
	sel := &ast.Select{Limit: -1, SLimit: -1}
	seen := make(map[string]bool)
	for _, p := range pats {
		if len(p) < 2 {
			return nil, status.Errorf(status.IllegalPath, "path %s names no series", p)
		}
		sel.Items = append(sel.Items, ast.SelectItem{Expr: &ast.PathExpr{Path: p}})
		dev := p.Parent()
		if k := dev.String(); !seen[k] {
			seen[k] = true
			sel.From = append(sel.From, dev)
		}
	}
	return sel, nil
}

func fetchSize(sv *service, n *int32) int {
	if n == nil || *n <= 0 {
		return sv.srv.cfg.FetchSizeDefault
	}
	return int(*n)
}

// openQuery answers an execute call: a bare status for a statement
// without rows, else the header and first page of the result. A result
// that does not fit the first page stays open for FetchResults, and rq,
// its entry in the running queries, with it.
func (sv *service) openQuery(ctx context.Context, ss *session, stmtID int64, res *model.Result, size int, rq *queries.Query) (*rpc.TSExecuteStatementResp, error) {
	if res == nil {
		rq.Finish()
		return &rpc.TSExecuteStatementResp{Status: statusOf(nil), QueryId: thrift.Int64Ptr(noQuery)}, nil
	}
	l, err := newLayout(res)
	if err != nil {
		rq.Finish()
		_ = res.Rows.Close()
		return nil, err
	}
	q := &query{id: sv.srv.nextQueryID.Add(1), stmtID: stmtID, res: res, l: l, ctx: rq.Context(), running: rq}
	p, err := q.nextPage(ctx, size, sv.srv.cfg.MaxPageBytes)
	if err != nil {
		_ = q.close()
		return nil, killedOr(ctx, err)
	}
	if q.exhausted() {
		if err := q.close(); err != nil {
			sv.srv.log.Warn("closing query rows failed", "session", ss.id, "query", q.id, "err", err)
		}
	} else {
		ss.queries[q.id] = q
	}
	return &rpc.TSExecuteStatementResp{
		Status:             statusOf(nil),
		QueryId:            thrift.Int64Ptr(q.id),
		Columns:            l.columns,
		DataTypeList:       l.types,
		ColumnNameIndexMap: l.index,
		IgnoreTimeStamp:    thrift.BoolPtr(!l.hasTime),
		QueryDataSet:       p.dataSet(),
	}, nil
}

// FetchResults returns the next page of an open query. A query that has
// ended, or was never open, has no more rows.
func (sv *service) FetchResults(ctx context.Context, req *rpc.TSFetchResultsReq) (*rpc.TSFetchResultsResp, error) {
	if req == nil {
		return &rpc.TSFetchResultsResp{Status: noRequest(), IsAlign: true}, nil
	}
	return call(ctx, sv, "fetchResults", &req.SessionId, func(ctx context.Context, ss *session) (*rpc.TSFetchResultsResp, error) {
		end := &rpc.TSFetchResultsResp{Status: statusOf(nil), HasResultSet: false, IsAlign: true}
		q := ss.queries[req.QueryId]
		if q == nil {
			return end, nil
		}
		ctx, cancel := withTimeout(ctx, req.Timeout)
		defer cancel()
		// A kill stops the fetch too, and a killed query fetches no more.
		ctx, stop := withQuery(ctx, q.ctx)
		defer stop()
		p, err := q.nextPage(ctx, fetchSize(sv, &req.FetchSize), sv.srv.cfg.MaxPageBytes)
		if err != nil {
			sv.srv.releaseQuery(ss, q)
			if queries.Killed(q.ctx) {
				return nil, queries.ErrKilled
			}
			return nil, fmt.Errorf("fetch query %d: %w", q.id, err)
		}
		if q.exhausted() {
			sv.srv.releaseQuery(ss, q)
		}
		// The client reads a row as soon as a page claims rows, so an
		// empty page must say there are none.
		if p.rows == 0 {
			return end, nil
		}
		return &rpc.TSFetchResultsResp{Status: statusOf(nil), HasResultSet: true, IsAlign: true, QueryDataSet: p.dataSet()}, nil
	}, func(st *rpc.TSStatus) *rpc.TSFetchResultsResp {
		return &rpc.TSFetchResultsResp{Status: st, IsAlign: true}
	}), nil
}

// withQuery returns ctx, also cancelled (with the same cause) when the
// query context qctx is; stop releases it.
func withQuery(ctx, qctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	if qctx.Err() != nil {
		cancel(context.Cause(qctx))
		return ctx, func() {}
	}
	unwatch := context.AfterFunc(qctx, func() { cancel(context.Cause(qctx)) })
	return ctx, func() {
		unwatch()
		cancel(context.Canceled)
	}
}
