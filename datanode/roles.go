package datanode

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// runRole executes the role statements. They need MANAGE_ROLE, but for
// LIST ROLE OF USER of oneself, as in IoTDB 1.3.
func (d *DataNode) runRole(ctx context.Context, user string, stmt ast.Statement) (*model.Result, error) {
	if s, ok := stmt.(*ast.ListRole); !ok || s.User != user {
		if err := d.requireGlobal(user, privManageRole); err != nil {
			return nil, err
		}
	}
	switch s := stmt.(type) {
	case *ast.CreateRole:
		return nil, d.inForceEverywhere(ctx, d.meta.CreateRole(ctx, s.Name))
	case *ast.DropRole:
		return nil, d.inForceEverywhere(ctx, d.meta.DropRole(ctx, s.Name))
	case *ast.GrantRole:
		return nil, d.inForceEverywhere(ctx, d.meta.GrantRole(ctx, s.Role, s.User))
	case *ast.RevokeRole:
		return nil, d.inForceEverywhere(ctx, d.meta.RevokeRole(ctx, s.Role, s.User))
	case *ast.ListRole:
		roles := d.meta.Roles()
		if s.User != "" {
			var err error
			if roles, err = d.meta.RolesOf(s.User); err != nil {
				return nil, err
			}
		}
		return nameColumn("Role", roles), nil
	}
	return nil, nil
}
