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
	})
}
