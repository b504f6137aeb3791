package parser

import (
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestAuthStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{"CREATE USER ln_write_user 'write_pwd'", &ast.CreateUser{Name: "ln_write_user", Password: "write_pwd"}},
		{"create user `a b` \"it's\"", &ast.CreateUser{Name: "a b", Password: "it's"}},
		{"DROP USER ln_write_user", &ast.DropUser{Name: "ln_write_user"}},
		{"ALTER USER tempuser SET PASSWORD 'newpwd'", &ast.AlterUserPassword{Name: "tempuser", Password: "newpwd"}},
		{"alter user root set password 'x'''", &ast.AlterUserPassword{Name: "root", Password: "x'"}},
		{"GRANT READ_DATA, write_data ON root.ln.**, root.sg.d1 TO USER user1", &ast.Grant{
			Privileges: []string{"READ_DATA", "WRITE_DATA"}, Paths: fps("root.ln.**", "root.sg.d1"), User: "user1"}},
		{"grant USE_PIPE on root.** to user u1 with grant option", &ast.Grant{
			Privileges: []string{"USE_PIPE"}, Paths: fps("root.**"), User: "u1", GrantOption: true}},
		{"GRANT all ON root.** TO USER u2", &ast.Grant{Privileges: []string{"ALL"}, Paths: fps("root.**"), User: "u2"}},
		{"REVOKE MANAGE_USER, MANAGE_DATABASE, READ_SCHEMA, WRITE_SCHEMA ON root.** FROM USER u1", &ast.Revoke{
			Privileges: []string{"MANAGE_USER", "MANAGE_DATABASE", "READ_SCHEMA", "WRITE_SCHEMA"},
			Paths:      fps("root.**"), User: "u1"}},
		{"LIST USER", &ast.ListUser{}},
		{"LIST PRIVILEGES OF USER u1", &ast.ListPrivileges{User: "u1"}},
		{"list privileges user u1", &ast.ListPrivileges{User: "u1"}},
		{"CREATE ROLE role1", &ast.CreateRole{Name: "role1"}},
		{"create role `ro le`", &ast.CreateRole{Name: "ro le"}},
		{"DROP ROLE role1", &ast.DropRole{Name: "role1"}},
		{"GRANT READ ON root.** TO ROLE role1", &ast.Grant{Privileges: []string{"READ"}, Paths: fps("root.**"), Role: "role1"}},
		{"grant use_pipe, maintain on root.** to role piper with grant option", &ast.Grant{
			Privileges: []string{"USE_PIPE", "MAINTAIN"}, Paths: fps("root.**"), Role: "piper", GrantOption: true}},
		{"REVOKE READ_DATA ON root.sg.**, root.db.** FROM ROLE role1", &ast.Revoke{
			Privileges: []string{"READ_DATA"}, Paths: fps("root.sg.**", "root.db.**"), Role: "role1"}},
		{"GRANT ROLE admin TO user1", &ast.GrantRole{Role: "admin", User: "user1"}},
		{"grant role admin to user user1", &ast.GrantRole{Role: "admin", User: "user1"}},
		{"REVOKE ROLE admin FROM user1", &ast.RevokeRole{Role: "admin", User: "user1"}},
		{"LIST ROLE", &ast.ListRole{}},
		{"list roles", &ast.ListRole{}},
		{"LIST ROLE OF USER tempuser", &ast.ListRole{User: "tempuser"}},
		{"LIST USER OF ROLE roleuser", &ast.ListUser{Role: "roleuser"}},
		{"LIST PRIVILEGES OF ROLE actor", &ast.ListPrivileges{Role: "actor"}},
		{"list privileges role actor", &ast.ListPrivileges{Role: "actor"}},
	})
}
