package parser

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func (p *parser) userName() (string, error) { return p.name("a user name") }

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

// privilegeTarget reads privs ON paths TO|FROM USER name.
func (p *parser) privilegeTarget(dir string) (privs []string, paths []model.Path, user string, err error) {
	for {
		t := p.peek()
		if t.kind != tokIdent {
			return nil, nil, "", p.unexpected(t, "a privilege")
		}
		p.next()
		privs = append(privs, strings.ToUpper(t.text))
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectKw("ON"); err != nil {
		return nil, nil, "", p.unexpected(p.peek(), "','", "ON")
	}
	if paths, err = p.fullPaths(true); err != nil {
		return nil, nil, "", err
	}
	if err := p.expectKw(dir); err != nil {
		return nil, nil, "", p.unexpected(p.peek(), "','", dir)
	}
	if t := p.peek(); isKw(t, "ROLE") {
		return nil, nil, "", p.errorf(t, "roles are not supported")
	}
	if err := p.expectKw("USER"); err != nil {
		return nil, nil, "", err
	}
	if user, err = p.userName(); err != nil {
		return nil, nil, "", err
	}
	return privs, paths, user, nil
}

// grant reads the rest of GRANT privs ON paths TO USER name [WITH GRANT OPTION].
func (p *parser) grant() (ast.Statement, error) {
	privs, paths, user, err := p.privilegeTarget("TO")
	if err != nil {
		return nil, err
	}
	g := &ast.Grant{Privileges: privs, Paths: paths, User: user}
	if p.acceptKw("WITH") {
		if err := p.expectKw("GRANT", "OPTION"); err != nil {
			return nil, err
		}
		g.GrantOption = true
	}
	return g, nil
}

// revoke reads the rest of REVOKE privs ON paths FROM USER name.
func (p *parser) revoke() (ast.Statement, error) {
	privs, paths, user, err := p.privilegeTarget("FROM")
	if err != nil {
		return nil, err
	}
	return &ast.Revoke{Privileges: privs, Paths: paths, User: user}, nil
}

// list reads LIST USER and LIST PRIVILEGES [OF] USER name.
func (p *parser) list() (ast.Statement, error) {
	kw, err := p.keyword("USER", "USERS", "PRIVILEGES")
	if err != nil {
		return nil, err
	}
	if kw != "PRIVILEGES" {
		return &ast.ListUser{}, nil
	}
	if !p.acceptKw("OF") && !p.isKw("USER") {
		return nil, p.unexpected(p.peek(), "OF", "USER")
	}
	if err := p.expectKw("USER"); err != nil {
		return nil, err
	}
	user, err := p.userName()
	if err != nil {
		return nil, err
	}
	return &ast.ListPrivileges{User: user}, nil
}
