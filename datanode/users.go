package datanode

import (
	"context"
	"slices"
	"strconv"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// runAuth executes user and privilege statements. Every user may change
// their own password and list their own privileges, and those of a role
// they have, and grant and revoke what they hold WITH GRANT OPTION; the
// rest needs MANAGE_USER, or MANAGE_ROLE where a role is addressed, as in
// IoTDB 1.3.
func (d *DataNode) runAuth(ctx context.Context, user string, stmt ast.Statement) (*model.Result, error) {
	if err := d.mayRunAuth(user, stmt); err != nil {
		return nil, err
	}
	switch s := stmt.(type) {
	case *ast.CreateUser:
		return nil, d.inForceEverywhere(ctx, d.meta.CreateUser(ctx, s.Name, s.Password))
	case *ast.DropUser:
		return nil, d.inForceEverywhere(ctx, d.meta.DropUser(ctx, s.Name))
	case *ast.AlterUserPassword:
		return nil, d.inForceEverywhere(ctx, d.meta.SetPassword(ctx, s.Name, s.Password))
	case *ast.Grant:
		if s.Role != "" {
			return nil, d.inForceEverywhere(ctx, d.meta.GrantToRole(ctx, s.Role, s.Privileges, s.Paths, s.GrantOption))
		}
		return nil, d.inForceEverywhere(ctx, d.meta.Grant(ctx, s.User, s.Privileges, s.Paths, s.GrantOption))
	case *ast.Revoke:
		if s.Role != "" {
			return nil, d.inForceEverywhere(ctx, d.meta.RevokeFromRole(ctx, s.Role, s.Privileges, s.Paths))
		}
		return nil, d.inForceEverywhere(ctx, d.meta.Revoke(ctx, s.User, s.Privileges, s.Paths))
	case *ast.ListUser:
		users := d.meta.Users()
		if s.Role != "" {
			var err error
			if users, err = d.meta.UsersOf(s.Role); err != nil {
				return nil, err
			}
		}
		return nameColumn("User", users), nil
	case *ast.ListPrivileges:
		var grants []auth.Grant
		var err error
		if s.Role != "" {
			grants, err = d.meta.RolePrivileges(s.Role)
		} else {
			grants, err = d.meta.Privileges(s.User)
		}
		if err != nil {
			return nil, err
		}
		rows := make([][]string, 0, len(grants))
		for _, g := range grants {
			rows = append(rows, []string{g.Role, g.Path.String(), string(g.Privilege), strconv.FormatBool(g.GrantOption)})
		}
		return textResult([]string{"ROLE", "PATH", "PRIVILEGES", "GRANT OPTION"}, rows), nil
	}
	return nil, nil
}

// mayRunAuth checks that user may run an auth statement.
func (d *DataNode) mayRunAuth(user string, stmt ast.Statement) error {
	switch s := stmt.(type) {
	case *ast.AlterUserPassword:
		if s.Name == user {
			return nil
		}
	case *ast.ListPrivileges:
		if s.Role != "" {
			return d.mayListRole(user, s.Role)
		}
		if s.User == user {
			return nil
		}
	case *ast.Grant:
		return d.mayGrant(user, s.User, s.Privileges, s.Paths)
	case *ast.Revoke:
		return d.mayGrant(user, s.User, s.Privileges, s.Paths)
	}
	return d.requireGlobal(user, privManageUser)
}

// mayGrant lets user grant or revoke privs on paths of a user (toUser set)
// with MANAGE_USER, of a role with MANAGE_ROLE, or of either when it holds
// them all WITH GRANT OPTION.
func (d *DataNode) mayGrant(user, toUser string, privs []string, paths []model.Path) error {
	need := privManageUser
	if toUser == "" {
		need = privManageRole
	}
	err := d.requireGlobal(user, need)
	if err != nil && d.meta.MayGrant(user, privs, paths) {
		return nil
	}
	return err
}

// mayListRole lets user see a role it has; any other needs MANAGE_ROLE.
func (d *DataNode) mayListRole(user, role string) error {
	if roles, err := d.meta.RolesOf(user); err == nil && slices.Contains(roles, role) {
		return nil
	}
	return d.requireGlobal(user, privManageRole)
}

// nameColumn is a one-column result of names.
func nameColumn(column string, names []string) *model.Result {
	rows := make([][]string, len(names))
	for i, n := range names {
		rows[i] = []string{n}
	}
	return textResult([]string{column}, rows)
}
