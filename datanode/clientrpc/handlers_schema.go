package clientrpc

import (
	"context"
	"strconv"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// SetStorageGroup creates a database.
func (sv *service) SetStorageGroup(ctx context.Context, sessionID int64, storageGroup string) (*rpc.TSStatus, error) {
	return statusCall(ctx, sv, "setStorageGroup", sessionID, func(ctx context.Context, ss *session) error {
		p, err := fullPath(storageGroup)
		if err != nil {
			return err
		}
		return sv.exec(ctx, ss, &ast.CreateDatabase{Path: p})
	}), nil
}

// DeleteStorageGroups drops databases; the paths may be patterns.
func (sv *service) DeleteStorageGroups(ctx context.Context, sessionID int64, storageGroups []string) (*rpc.TSStatus, error) {
	return statusCall(ctx, sv, "deleteStorageGroups", sessionID, func(ctx context.Context, ss *session) error {
		paths, err := patterns(storageGroups)
		if err != nil {
			return err
		}
		return sv.exec(ctx, ss, &ast.DropDatabase{Paths: paths})
	}), nil
}

// CreateTimeseries creates one series.
func (sv *service) CreateTimeseries(ctx context.Context, req *rpc.TSCreateTimeseriesReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "createTimeseries", req.SessionId, func(ctx context.Context, ss *session) error {
		stmt, err := createTimeseries(req.Path, req.DataType, req.Encoding, req.Compressor, req.GetMeasurementAlias())
		if err != nil {
			return err
		}
		stmt.Spec.Tags, stmt.Spec.Attributes = nonEmpty(req.Tags), nonEmpty(req.Attributes)
		if len(req.Props) > 0 {
			sv.srv.log.Debug("ignoring props of createTimeseries", "path", req.Path)
		}
		return sv.exec(ctx, ss, stmt)
	}), nil
}

// CreateAlignedTimeseries creates the series of an aligned device.
func (sv *service) CreateAlignedTimeseries(ctx context.Context, req *rpc.TSCreateAlignedTimeseriesReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "createAlignedTimeseries", req.SessionId, func(ctx context.Context, ss *session) error {
		device, err := fullPath(req.PrefixPath)
		if err != nil {
			return err
		}
		n := len(req.Measurements)
		if len(req.DataTypes) != n || !optionalLen(len(req.Encodings), n) || !optionalLen(len(req.Compressors), n) ||
			!optionalLen(len(req.MeasurementAlias), n) {
			return status.Errorf(status.IllegalParameter, "createAlignedTimeseries of %s: %d measurements but %d data types, %d encodings, %d compressors, %d aliases",
				req.PrefixPath, n, len(req.DataTypes), len(req.Encodings), len(req.Compressors), len(req.MeasurementAlias))
		}
		stmt := &ast.CreateAlignedTimeseries{Device: device}
		for i, m := range req.Measurements {
			name, err := measurementName(m)
			if err != nil {
				return err
			}
			spec := ast.MeasurementSpec{Name: name}
			if spec.Type, err = dataTypeOf(req.DataTypes[i]); err != nil {
				return err
			}
			if len(req.Encodings) > 0 {
				if spec.Encoding, err = encodingOf(req.Encodings[i]); err != nil {
					return err
				}
			}
			if len(req.Compressors) > 0 {
				if spec.Compressor, err = compressorOf(req.Compressors[i]); err != nil {
					return err
				}
			}
			if len(req.MeasurementAlias) > 0 {
				spec.Alias = req.MeasurementAlias[i]
			}
			stmt.Measurements = append(stmt.Measurements, spec)
		}
		return sv.exec(ctx, ss, stmt)
	}), nil
}

// CreateMultiTimeseries creates several series, each on its own: when some
// fail the reply is MultipleError with one sub-status per series.
func (sv *service) CreateMultiTimeseries(ctx context.Context, req *rpc.TSCreateMultiTimeseriesReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "createMultiTimeseries", req.SessionId, func(ctx context.Context, ss *session) error {
		n := len(req.Paths)
		if len(req.DataTypes) != n || len(req.Encodings) != n || len(req.Compressors) != n ||
			!optionalLen(len(req.MeasurementAliasList), n) || !optionalLen(len(req.TagsList), n) || !optionalLen(len(req.AttributesList), n) {
			return status.Errorf(status.IllegalParameter, "createMultiTimeseries: %d paths but %d data types, %d encodings, %d compressors, %d aliases, %d tag maps, %d attribute maps",
				n, len(req.DataTypes), len(req.Encodings), len(req.Compressors), len(req.MeasurementAliasList), len(req.TagsList), len(req.AttributesList))
		}
		subs := make([]*rpc.TSStatus, n)
		failed := false
		for i, p := range req.Paths {
			alias := ""
			if len(req.MeasurementAliasList) > 0 {
				alias = req.MeasurementAliasList[i]
			}
			stmt, err := createTimeseries(p, req.DataTypes[i], req.Encodings[i], req.Compressors[i], alias)
			if err == nil {
				if len(req.TagsList) > 0 {
					stmt.Spec.Tags = nonEmpty(req.TagsList[i])
				}
				if len(req.AttributesList) > 0 {
					stmt.Spec.Attributes = nonEmpty(req.AttributesList[i])
				}
				err = sv.exec(ctx, ss, stmt)
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

// DeleteTimeseries drops series and their data; the paths may be patterns.
func (sv *service) DeleteTimeseries(ctx context.Context, sessionID int64, paths []string) (*rpc.TSStatus, error) {
	return statusCall(ctx, sv, "deleteTimeseries", sessionID, func(ctx context.Context, ss *session) error {
		pats, err := patterns(paths)
		if err != nil {
			return err
		}
		return sv.exec(ctx, ss, &ast.DeleteTimeseries{Patterns: pats})
	}), nil
}

// DeleteData deletes the points of the paths with start <= time <= end.
func (sv *service) DeleteData(ctx context.Context, req *rpc.TSDeleteDataReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return statusCall(ctx, sv, "deleteData", req.SessionId, func(ctx context.Context, ss *session) error {
		pats, err := patterns(req.Paths)
		if err != nil {
			return err
		}
		where := and(timeCmp(">=", req.StartTime), timeCmp("<=", req.EndTime))
		return sv.exec(ctx, ss, &ast.Delete{Paths: pats, Where: where})
	}), nil
}

func createTimeseries(path string, dataType, encoding, compressor int32, alias string) (*ast.CreateTimeseries, error) {
	p, err := fullPath(path)
	if err != nil {
		return nil, err
	}
	spec := ast.MeasurementSpec{Name: p.Last(), Alias: alias}
	if spec.Type, err = dataTypeOf(dataType); err != nil {
		return nil, err
	}
	if spec.Encoding, err = encodingOf(encoding); err != nil {
		return nil, err
	}
	if spec.Compressor, err = compressorOf(compressor); err != nil {
		return nil, err
	}
	return &ast.CreateTimeseries{Path: p, Spec: spec}, nil
}

// nonEmpty returns m, or nil when it has no entries: the schema keeps no
// empty tag or attribute maps.
func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// optionalLen reports whether an optional parallel list of length got
// matches n items: absent or one entry per item.
func optionalLen(got, n int) bool { return got == 0 || got == n }

func fullPath(s string) (model.Path, error) {
	p, err := model.ParseFullPath(s)
	if err != nil {
		return nil, status.Errorf(status.IllegalPath, "%w", err)
	}
	return p, nil
}

func patterns(ss []string) ([]model.Path, error) {
	if len(ss) == 0 {
		return nil, status.Errorf(status.IllegalParameter, "no paths given")
	}
	out := make([]model.Path, len(ss))
	for i, s := range ss {
		p, err := model.ParsePath(s)
		if err != nil {
			return nil, status.Errorf(status.IllegalPath, "%w", err)
		}
		out[i] = p
	}
	return out, nil
}

// measurementName reads a measurement as the last node of a path: plain, or
// back-quoted when it holds other characters.
func measurementName(m string) (string, error) {
	p, err := model.ParsePath("root." + m)
	if err != nil || len(p) != 2 || p.HasWildcard() {
		return "", status.Errorf(status.IllegalPath, "illegal measurement %q", m)
	}
	return p[1], nil
}

func dataTypeOf(v int32) (model.DataType, error) {
	t := model.DataType(v)
	if v < 0 || v > int32(model.Text) || !t.Valid() {
		return 0, status.Errorf(status.IllegalParameter, "unsupported data type %d: want BOOLEAN(0), INT32(1), INT64(2), FLOAT(3), DOUBLE(4) or TEXT(5)", v)
	}
	return t, nil
}

func encodingOf(v int32) (*model.Encoding, error) {
	if v < 0 || v > int32(model.RLBE) {
		return nil, status.Errorf(status.IllegalParameter, "unknown encoding %d", v)
	}
	e := model.Encoding(v)
	return &e, nil
}

func compressorOf(v int32) (*model.Compressor, error) {
	if v < 0 || v > int32(model.LZMA2) {
		return nil, status.Errorf(status.IllegalParameter, "unknown compressor %d", v)
	}
	c := model.Compressor(v)
	return &c, nil
}

// timeCmp is the condition "time op t".
func timeCmp(op string, t int64) ast.Expr {
	return &ast.Binary{Op: op, L: &ast.TimeExpr{}, R: &ast.Literal{Kind: ast.IntLit, Int: t, Raw: strconv.FormatInt(t, 10)}}
}

func and(l, r ast.Expr) ast.Expr { return &ast.Binary{Op: "AND", L: l, R: r} }
