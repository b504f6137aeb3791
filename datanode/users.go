package datanode

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// runAuth executes user and privilege statements. Every user may change
// their own password and list their own privileges; the rest needs
// MANAGE_USER.
func (d *DataNode) runAuth(ctx context.Context, user string, stmt ast.Statement) (*model.Result, error) {
	self := false
	switch s := stmt.(type) {
	case *ast.AlterUserPassword:
		self = s.Name == user
	case *ast.ListPrivileges:
		self = s.User == user
	}
	if !self {
		if err := d.requireGlobal(user, privManageUser); err != nil {
			return nil, err
		}
	}
	switch s := stmt.(type) {
	case *ast.CreateUser:
		return nil, d.meta.CreateUser(ctx, s.Name, s.Password)
	case *ast.DropUser:
		return nil, d.meta.DropUser(ctx, s.Name)
	case *ast.AlterUserPassword:
		return nil, d.meta.SetPassword(ctx, s.Name, s.Password)
	case *ast.Grant:
		return nil, d.meta.Grant(ctx, s.User, s.Privileges, s.Paths)
	case *ast.Revoke:
		return nil, d.meta.Revoke(ctx, s.User, s.Privileges, s.Paths)
	case *ast.ListUser:
		users := d.meta.Users()
		rows := make([][]string, len(users))
		for i, u := range users {
			rows[i] = []string{u}
		}
		return textResult([]string{"User"}, rows), nil
	case *ast.ListPrivileges:
		grants, err := d.meta.Privileges(s.User)
		if err != nil {
			return nil, err
		}
		rows := make([][]string, 0, len(grants))
		for _, g := range grants {
			rows = append(rows, []string{"", g.Path.String(), strings.ToUpper(string(g.Privilege)), "false"})
		}
		return textResult([]string{"ROLE", "PATH", "PRIVILEGES", "GRANT OPTION"}, rows), nil
	}
	return nil, nil
}
