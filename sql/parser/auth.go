package parser

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func (p *parser) userName() (string, error) { return p.name("a user name") }

func (p *parser) roleName() (string, error) { return p.name("a role name") }

// password reads a quoted password.
func (p *parser) password() (string, error) {
	t := p.peek()
	if t.kind != tokString {
		return "", p.unexpected(t, "a quoted password")
	}
	p.next()
	return t.text, nil
}

// createUser reads the rest of CREATE USER name 'password'.
func (p *parser) createUser() (ast.Statement, error) {
	name, err := p.userName()
	if err != nil {
		return nil, err
	}
	pw, err := p.password()
	if err != nil {
		return nil, err
	}
	return &ast.CreateUser{Name: name, Password: pw}, nil
}

// dropUser reads the rest of DROP USER name.
func (p *parser) dropUser() (ast.Statement, error) {
	name, err := p.userName()
	if err != nil {
		return nil, err
	}
	return &ast.DropUser{Name: name}, nil
}

// alterUser reads the rest of ALTER USER name SET PASSWORD 'password'.
func (p *parser) alterUser() (ast.Statement, error) {
	if err := p.expectKw("USER"); err != nil {
		return nil, err
	}
	name, err := p.userName()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("SET", "PASSWORD"); err != nil {
		return nil, err
	}
	pw, err := p.password()
	if err != nil {
		return nil, err
	}
	return &ast.AlterUserPassword{Name: name, Password: pw}, nil
}

// privilegeTarget reads privs ON paths TO|FROM USER|ROLE name; role is
// set for ROLE, user for USER.
func (p *parser) privilegeTarget(dir string) (privs []string, paths []model.Path, user, role string, err error) {
	for {
		t := p.peek()
		if t.kind != tokIdent {
			return nil, nil, "", "", p.unexpected(t, "a privilege")
		}
		p.next()
		privs = append(privs, strings.ToUpper(t.text))
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectKw("ON"); err != nil {
		return nil, nil, "", "", p.unexpected(p.peek(), "','", "ON")
	}
	if paths, err = p.fullPaths(true); err != nil {
		return nil, nil, "", "", err
	}
	if err := p.expectKw(dir); err != nil {
		return nil, nil, "", "", p.unexpected(p.peek(), "','", dir)
	}
	kind, err := p.keyword("USER", "ROLE")
	if err != nil {
		return nil, nil, "", "", err
	}
	if kind == "ROLE" {
		role, err = p.roleName()
	} else {
		user, err = p.userName()
	}
	if err != nil {
		return nil, nil, "", "", err
	}
	return privs, paths, user, role, nil
}

// roleMembership reads the rest of GRANT ROLE role TO user or REVOKE ROLE
// role FROM user, dir being TO or FROM.
func (p *parser) roleMembership(dir string) (role, user string, err error) {
	if role, err = p.roleName(); err != nil {
		return "", "", err
	}
	if err := p.expectKw(dir); err != nil {
		return "", "", err
	}
	// IoTDB's grammar has no USER here; accept it all the same.
	p.acceptKw("USER")
	if user, err = p.userName(); err != nil {
		return "", "", err
	}
	return role, user, nil
}

// grant reads the rest of GRANT privs ON paths TO USER|ROLE name [WITH
// GRANT OPTION] and GRANT ROLE role TO user.
func (p *parser) grant() (ast.Statement, error) {
	if p.acceptKw("ROLE") {
		role, user, err := p.roleMembership("TO")
		if err != nil {
			return nil, err
		}
		return &ast.GrantRole{Role: role, User: user}, nil
	}
	privs, paths, user, role, err := p.privilegeTarget("TO")
	if err != nil {
		return nil, err
	}
	g := &ast.Grant{Privileges: privs, Paths: paths, User: user, Role: role}
	if p.acceptKw("WITH") {
		if err := p.expectKw("GRANT", "OPTION"); err != nil {
			return nil, err
		}
		g.GrantOption = true
	}
	return g, nil
}

// revoke reads the rest of REVOKE privs ON paths FROM USER|ROLE name and
// REVOKE ROLE role FROM user.
func (p *parser) revoke() (ast.Statement, error) {
	if p.acceptKw("ROLE") {
		role, user, err := p.roleMembership("FROM")
		if err != nil {
			return nil, err
		}
		return &ast.RevokeRole{Role: role, User: user}, nil
	}
	privs, paths, user, role, err := p.privilegeTarget("FROM")
	if err != nil {
		return nil, err
	}
	return &ast.Revoke{Privileges: privs, Paths: paths, User: user, Role: role}, nil
}

// list reads LIST USER [OF ROLE name], LIST ROLE [OF USER name] and LIST
// PRIVILEGES [OF] USER|ROLE name.
func (p *parser) list() (ast.Statement, error) {
	kw, err := p.keyword("USER", "USERS", "ROLE", "ROLES", "PRIVILEGES")
	if err != nil {
		return nil, err
	}
	switch kw {
	case "USER", "USERS":
		if !p.acceptKw("OF") {
			return &ast.ListUser{}, nil
		}
		if err := p.expectKw("ROLE"); err != nil {
			return nil, err
		}
		role, err := p.roleName()
		if err != nil {
			return nil, err
		}
		return &ast.ListUser{Role: role}, nil
	case "ROLE", "ROLES":
		if !p.acceptKw("OF") {
			return &ast.ListRole{}, nil
		}
		if err := p.expectKw("USER"); err != nil {
			return nil, err
		}
		user, err := p.userName()
		if err != nil {
			return nil, err
		}
		return &ast.ListRole{User: user}, nil
	}
	if !p.acceptKw("OF") && !p.isKw("USER") && !p.isKw("ROLE") {
		return nil, p.unexpected(p.peek(), "OF", "USER", "ROLE")
	}
	kind, err := p.keyword("USER", "ROLE")
	if err != nil {
		return nil, err
	}
	if kind == "ROLE" {
		role, err := p.roleName()
		if err != nil {
			return nil, err
		}
		return &ast.ListPrivileges{Role: role}, nil
	}
	user, err := p.userName()
	if err != nil {
		return nil, err
	}
	return &ast.ListPrivileges{User: user}, nil
}
