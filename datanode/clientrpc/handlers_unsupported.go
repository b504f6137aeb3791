package clientrpc

import (
	"context"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/status"
)

// Sluice has no schema templates: series are created one by one or on
// insert. Each template call is answered with UnsupportedOperation once the
// session is checked.

func errNoTemplates(method string) error {
	return status.Errorf(status.UnsupportedOperation,
		"%s: schema templates are not supported by Sluice; create timeseries directly or rely on auto-creation", method)
}

func (sv *service) unsupported(ctx context.Context, method string, sid int64, err error) *rpc.TSStatus {
	return statusCall(ctx, sv, method, sid, func(context.Context, *session) error { return err })
}

// CreateSchemaTemplate is not supported.
func (sv *service) CreateSchemaTemplate(ctx context.Context, req *rpc.TSCreateSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "createSchemaTemplate", req.SessionId, errNoTemplates("createSchemaTemplate")), nil
}

// AppendSchemaTemplate is not supported.
func (sv *service) AppendSchemaTemplate(ctx context.Context, req *rpc.TSAppendSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "appendSchemaTemplate", req.SessionId, errNoTemplates("appendSchemaTemplate")), nil
}

// PruneSchemaTemplate is not supported.
func (sv *service) PruneSchemaTemplate(ctx context.Context, req *rpc.TSPruneSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "pruneSchemaTemplate", req.SessionId, errNoTemplates("pruneSchemaTemplate")), nil
}

// QuerySchemaTemplate is not supported.
func (sv *service) QuerySchemaTemplate(ctx context.Context, req *rpc.TSQueryTemplateReq) (*rpc.TSQueryTemplateResp, error) {
	if req == nil {
		return &rpc.TSQueryTemplateResp{Status: noRequest()}, nil
	}
	return call(ctx, sv, "querySchemaTemplate", &req.SessionId, func(context.Context, *session) (*rpc.TSQueryTemplateResp, error) {
		return nil, errNoTemplates("querySchemaTemplate")
	}, func(st *rpc.TSStatus) *rpc.TSQueryTemplateResp {
		return &rpc.TSQueryTemplateResp{Status: st, QueryType: req.QueryType}
	}), nil
}

// SetSchemaTemplate is not supported.
func (sv *service) SetSchemaTemplate(ctx context.Context, req *rpc.TSSetSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "setSchemaTemplate", req.SessionId, errNoTemplates("setSchemaTemplate")), nil
}

// UnsetSchemaTemplate is not supported.
func (sv *service) UnsetSchemaTemplate(ctx context.Context, req *rpc.TSUnsetSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "unsetSchemaTemplate", req.SessionId, errNoTemplates("unsetSchemaTemplate")), nil
}

// SetUsingTemplate is not supported.
func (sv *service) SetUsingTemplate(ctx context.Context, req *rpc.TSSetUsingTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "setUsingTemplate", req.SessionId, errNoTemplates("setUsingTemplate")), nil
}

// UnsetUsingTemplate is not supported.
func (sv *service) UnsetUsingTemplate(ctx context.Context, sessionID int64, templateName string, prefixPath string) (*rpc.TSStatus, error) {
	return sv.unsupported(ctx, "unsetUsingTemplate", sessionID, errNoTemplates("unsetUsingTemplate")), nil
}

// DropSchemaTemplate is not supported.
func (sv *service) DropSchemaTemplate(ctx context.Context, req *rpc.TSDropSchemaTemplateReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "dropSchemaTemplate", req.SessionId, errNoTemplates("dropSchemaTemplate")), nil
}

// ExecuteOperationSync carried IoTDB's old double-write replication of
// serialized physical plans; Sluice replicates through pipes instead.
func (sv *service) ExecuteOperationSync(ctx context.Context, req *rpc.TSOperationSyncWriteReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.unsupported(ctx, "executeOperationSync", req.SessionId, status.Errorf(status.UnsupportedOperation,
		"executeOperationSync is not supported by Sluice: replicate with pipes (CREATE PIPE)")), nil
}
