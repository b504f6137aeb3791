package confignode

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
)

// roleCmd creates or drops role Name, or grants it to or revokes it from
// User.
type roleCmd struct {
	Name string `json:"name"`
	User string `json:"user,omitempty"`
	// Time stamps the exception of pipes that a DROP ROLE or REVOKE ROLE
	// stops.
	Time int64 `json:"time,omitempty"`
}

// applyRole applies the role commands. Taking a role away stops the
// running pipes its users may no longer read, as REVOKE does.
func (f *fsm) applyRole(t cmdType, c roleCmd) any {
	a := f.state.Auth
	switch t {
	case cmdCreateRole:
		return a.CreateRole(c.Name)
	case cmdDropRole:
		users, err := a.UsersOf(c.Name)
		if err != nil {
			return err
		}
		if err := a.DropRole(c.Name); err != nil {
			return err
		}
		for _, u := range users {
			f.stopPipesOf(u, c.Time)
		}
		return nil
	case cmdGrantRole:
		return a.GrantRole(c.User, c.Name)
	case cmdRevokeRole:
		if err := a.RevokeRole(c.User, c.Name); err != nil {
			return err
		}
		f.stopPipesOf(c.User, c.Time)
		return nil
	}
	panic(fmt.Sprintf("BUG: applyRole of command type %d", t))
}

// stopPipesOfGrantee stops what a REVOKE from user, or from every user of
// role when role is set, leaves unreadable.
func (f *fsm) stopPipesOfGrantee(user, role string, at int64) {
	if role == "" {
		f.stopPipesOf(user, at)
		return
	}
	users, _ := f.state.Auth.UsersOf(role) // the role exists: the revoke succeeded
	for _, u := range users {
		f.stopPipesOf(u, at)
	}
}

// CreateRole commits a new role.
func (m *Meta) CreateRole(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdCreateRole, roleCmd{Name: name}))
	return err
}

// DropRole removes a role, and it from its users.
func (m *Meta) DropRole(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdDropRole, roleCmd{Name: name, Time: time.Now().UnixMilli()}))
	return err
}

// GrantRole gives user the role.
func (m *Meta) GrantRole(ctx context.Context, role, user string) error {
	_, err := m.commit(ctx, encode(cmdGrantRole, roleCmd{Name: role, User: user}))
	return err
}

// RevokeRole takes the role away from user.
func (m *Meta) RevokeRole(ctx context.Context, role, user string) error {
	_, err := m.commit(ctx, encode(cmdRevokeRole, roleCmd{Name: role, User: user, Time: time.Now().UnixMilli()}))
	return err
}

// GrantToRole gives the role privileges on paths, WITH GRANT OPTION when
// grantOption is set.
func (m *Meta) GrantToRole(ctx context.Context, role string, privs []string, paths []model.Path, grantOption bool) error {
	_, err := m.commit(ctx, encode(cmdGrant, grantCmd{Role: role, Privileges: privs, Paths: paths, GrantOption: grantOption}))
	return err
}

// RevokeFromRole takes privileges on paths away from the role.
func (m *Meta) RevokeFromRole(ctx context.Context, role string, privs []string, paths []model.Path) error {
	_, err := m.commit(ctx, encode(cmdRevoke, grantCmd{Role: role, Privileges: privs, Paths: paths, Time: time.Now().UnixMilli()}))
	return err
}

// Roles lists role names.
func (m *Meta) Roles() []string {
	var out []string
	m.read(func(s *State) { out = s.Auth.Roles() })
	return out
}

// RolesOf lists the roles of a user.
func (m *Meta) RolesOf(user string) ([]string, error) {
	var (
		out []string
		err error
	)
	m.read(func(s *State) { out, err = s.Auth.RolesOf(user) })
	return out, err
}

// UsersOf lists the users that have a role.
func (m *Meta) UsersOf(role string) ([]string, error) {
	var (
		out []string
		err error
	)
	m.read(func(s *State) { out, err = s.Auth.UsersOf(role) })
	return out, err
}

// RolePrivileges lists a role's grants.
func (m *Meta) RolePrivileges(role string) ([]auth.Grant, error) {
	var (
		out []auth.Grant
		err error
	)
	m.read(func(s *State) { out, err = s.Auth.RolePrivileges(role) })
	return out, err
}

// MayGrant reports whether user may grant and revoke privs on paths by
// holding them WITH GRANT OPTION (auth.State.MayGrant). Unknown privilege
// names are never grantable.
func (m *Meta) MayGrant(user string, privs []string, paths []model.Path) bool {
	ps := make([]auth.Privilege, 0, len(privs))
	for _, p := range privs {
		pv, err := auth.ParsePrivilege(p)
		if err != nil {
			return false
		}
		ps = append(ps, pv)
	}
	var ok bool
	m.read(func(s *State) { ok = s.Auth.MayGrant(user, ps, paths) })
	return ok
}
