package datanode

import (
	"context"
	"math"
	"time"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Login checks a user's credentials.
func (d *DataNode) Login(_ context.Context, user, password string) error {
	return d.meta.Authenticate(user, password)
}

// Run executes one statement on behalf of user, whose session is in zone.
// It returns nil for statements without a result table.
func (d *DataNode) Run(ctx context.Context, user string, zone *time.Location, stmt ast.Statement) (*model.Result, error) {
	if zone == nil {
		zone = time.Local
	}
	opts := query.Options{Zone: zone, Now: time.Now()}
	switch s := stmt.(type) {
	case *ast.InsertTablets:
		return nil, d.runInsertTablets(ctx, user, s)
	case *ast.Insert:
		return nil, d.runInsert(ctx, user, s, opts)
	case *ast.Select:
		if err := d.requireRead(user, s); err != nil {
			return nil, err
		}
		return query.Execute(ctx, readStore{d}, s, opts)
	case *ast.Explain:
		return d.explain(ctx, user, s, opts)
	case *ast.ShowQueries:
		if err := d.requireGlobal(user, privMaintain); err != nil {
			return nil, err
		}
		return d.showQueries(ctx, s, opts)
	case *ast.KillQuery:
		if err := d.requireGlobal(user, privMaintain); err != nil {
			return nil, err
		}
		return nil, d.killQuery(ctx, s)
	case *ast.Delete:
		return nil, d.runDelete(ctx, user, s, opts)
	case *ast.LoadTsFile:
		return nil, d.runLoad(ctx, user, s)
	case *ast.Flush:
		return nil, d.flush()
	case *ast.CreateDatabase:
		if err := d.require(user, privManageDatabase, s.Path); err != nil {
			return nil, err
		}
		return nil, d.runCreateDatabase(ctx, s.Path)
	case *ast.DropDatabase:
		return nil, d.runDropDatabase(ctx, user, s.Paths)
	case *ast.ShowDatabases:
		return d.showDatabases(user, s.Pattern), nil
	case *ast.SetTTL:
		if err := d.require(user, privManageDatabase, s.Path); err != nil {
			return nil, err
		}
		return nil, d.meta.SetTTL(ctx, s.Path.String(), s.TTL)
	case *ast.UnsetTTL:
		if err := d.require(user, privManageDatabase, s.Path); err != nil {
			return nil, err
		}
		return nil, d.meta.SetTTL(ctx, s.Path.String(), 0)
	case *ast.ShowTTL:
		return d.showTTL(s.Paths), nil
	case *ast.CreateTimeseries:
		return nil, d.runCreateTimeseries(ctx, user, s.Path.Parent(), false, []ast.MeasurementSpec{s.Spec})
	case *ast.CreateAlignedTimeseries:
		return nil, d.runCreateTimeseries(ctx, user, s.Device, true, s.Measurements)
	case *ast.DeleteTimeseries:
		return nil, d.runDeleteTimeseries(ctx, user, s.Patterns)
	case *ast.AlterTimeseries:
		return nil, d.runAlterTimeseries(ctx, user, s)
	case *ast.ShowTimeseries:
		return d.showTimeseries(ctx, user, s)
	case *ast.ShowDevices:
		return d.showDevices(ctx, user, s)
	case *ast.CountTimeseries:
		return d.countTimeseries(ctx, user, s)
	case *ast.CountDevices:
		return d.countDevices(ctx, user, s.Pattern)
	case *ast.CountDatabases:
		return d.countDatabases(user, s.Pattern), nil
	case *ast.ShowChildPaths:
		return d.showChildPaths(ctx, user, s)
	case *ast.ShowChildNodes:
		return d.showChildNodes(ctx, user, s)
	case *ast.CountNodes:
		return d.countNodes(ctx, user, s)
	case *ast.ShowVersion:
		return textResult([]string{"Version", "BuildInfo"}, [][]string{{d.cfg.Version, "sluice"}}), nil
	case *ast.CreateUser, *ast.DropUser, *ast.AlterUserPassword, *ast.Grant, *ast.Revoke, *ast.ListUser, *ast.ListPrivileges:
		return d.runAuth(ctx, user, stmt)
	case *ast.CreateRole, *ast.DropRole, *ast.GrantRole, *ast.RevokeRole, *ast.ListRole:
		return d.runRole(ctx, user, stmt)
	case *ast.CreatePipe, *ast.AlterPipe, *ast.StartPipe, *ast.StopPipe, *ast.DropPipe, *ast.ShowPipes, *ast.ShowPipePlugins, *ast.ShowPipeStatistics:
		if err := d.requireGlobal(user, privUsePipe); err != nil {
			return nil, err
		}
		return d.runPipe(ctx, user, stmt)
	case *ast.ShowCluster, *ast.ShowConfigNodes, *ast.ShowDataNodes, *ast.ShowRegions:
		return d.showCluster(ctx, stmt)
	case *ast.RemoveConfigNode:
		if err := d.requireGlobal(user, privMaintain); err != nil {
			return nil, err
		}
		if s.NodeID > math.MaxUint32 {
			return nil, status.Errorf(status.RemoveConfigNodeError, "ConfigNode %d is not registered", s.NodeID)
		}
		return nil, d.meta.RemoveConfigNode(ctx, uint32(s.NodeID))
	}
	return nil, status.Errorf(status.UnsupportedOperation, "statement %T is not supported", stmt)
}

// require checks a path-scoped privilege.
func (d *DataNode) require(user string, p auth.Privilege, path model.Path) error {
	if d.meta.Allowed(user, p, path) {
		return nil
	}
	return status.Errorf(status.NoPermission, "no permissions for this operation, please add privilege %s on %s", p, path)
}

// requireGlobal checks a privilege that is not scoped to paths.
func (d *DataNode) requireGlobal(user string, p auth.Privilege) error {
	if d.meta.Allowed(user, p, model.Path{"root", model.MultiLevel}) {
		return nil
	}
	return status.Errorf(status.NoPermission, "no permissions for this operation, please add privilege %s", p)
}

// flush makes every hosted region durable.
func (d *DataNode) flush() error {
	for _, r := range d.regions.all() {
		if err := r.group.Snapshot(); err != nil {
			return status.Errorf(status.StorageEngineError, "flush region %d: %w", r.id, err)
		}
	}
	return nil
}

// textResult builds a time-less result of TEXT columns; an empty cell
// string stays a value, use nullCell for null.
func textResult(cols []string, rows [][]string) *model.Result {
	b := model.Batch{Columns: make([]model.Column, len(cols))}
	types := make([]model.DataType, len(cols))
	for i := range cols {
		types[i] = model.Text
		b.Columns[i] = model.NewColumn(model.Text, len(rows))
		for _, row := range rows {
			if row[i] == nullCell {
				b.Columns[i].Append(nil)
			} else {
				b.Columns[i].Append(row[i])
			}
		}
	}
	return &model.Result{Columns: cols, Types: types, Rows: model.NewSliceRows(b)}
}

// nullCell marks a null in textResult rows.
const nullCell = "\x00null"

// The privileges statements check, by IoTDB 1.3 name.
const (
	privReadData       auth.Privilege = "READ_DATA"
	privWriteData      auth.Privilege = "WRITE_DATA"
	privReadSchema     auth.Privilege = "READ_SCHEMA"
	privWriteSchema    auth.Privilege = "WRITE_SCHEMA"
	privManageDatabase auth.Privilege = "MANAGE_DATABASE"
	privManageUser     auth.Privilege = "MANAGE_USER"
	privManageRole     auth.Privilege = "MANAGE_ROLE"
	privUsePipe        auth.Privilege = "USE_PIPE"
	privMaintain       auth.Privilege = "MAINTAIN"
)
