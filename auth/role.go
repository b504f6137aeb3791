package auth

import (
	"maps"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// lookupRole returns the role or an error wrapping ErrRoleNotFound; op
// names the operation for the message.
func (s *State) lookupRole(op, name string) (*privSet, error) {
	r := s.roles[name]
	if r == nil {
		return nil, status.Errorf(status.RoleNotExist, "%s: role %s: %w", op, name, ErrRoleNotFound)
	}
	return r, nil
}

// CreateRole adds a role without privileges. Role names follow the rules
// of user names, and root is reserved, as in IoTDB.
func (s *State) CreateRole(name string) error {
	if err := validateName("role name", name); err != nil {
		return err
	}
	if name == RootUser {
		return status.Errorf(status.IllegalParameter, "role name %q is the administrator's: %w", name, ErrBadName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roles[name] != nil {
		return status.Errorf(status.RoleAlreadyExist, "create role %s: %w", name, ErrRoleExists)
	}
	r := newPrivSet()
	s.roles[name] = &r
	return nil
}

// DropRole removes a role and takes it away from every user that has it,
// as IoTDB does: those users lose the role's privileges at once.
func (s *State) DropRole(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupRole("drop role", name); err != nil {
		return err
	}
	delete(s.roles, name)
	for _, u := range s.users {
		delete(u.roles, name)
	}
	return nil
}

// GrantRole gives user the role. root, which holds everything, cannot be
// given roles; a user given a role twice gets ErrUserHasRole.
func (s *State) GrantRole(userName, role string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.lookup("grant role", userName)
	if err != nil {
		return err
	}
	if _, err := s.lookupRole("grant role", role); err != nil {
		return err
	}
	if userName == RootUser {
		return status.Errorf(status.NoPermission, "grant role %s: %s already has all privileges: %w", role, userName, ErrRootUser)
	}
	if u.roles[role] {
		return status.Errorf(status.UserAlreadyHasRole, "grant role %s to %s: %w", role, userName, ErrUserHasRole)
	}
	u.roles[role] = true
	return nil
}

// RevokeRole takes the role away from user.
func (s *State) RevokeRole(userName, role string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.lookup("revoke role", userName)
	if err != nil {
		return err
	}
	if _, err := s.lookupRole("revoke role", role); err != nil {
		return err
	}
	if !u.roles[role] {
		return status.Errorf(status.UserNotHasRole, "revoke role %s from %s: %w", role, userName, ErrUserNotHasRole)
	}
	delete(u.roles, role)
	return nil
}

// GrantToRole gives the role privileges as Grant gives them to a user.
func (s *State) GrantToRole(role string, privs []Privilege, paths []model.Path, grantOption bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupRole("grant", role)
	if err != nil {
		return err
	}
	return grantTo(r, privs, paths, grantOption)
}

// RevokeFromRole takes privileges from the role as Revoke does from a
// user.
func (s *State) RevokeFromRole(role string, privs []Privilege, paths []model.Path) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupRole("revoke", role)
	if err != nil {
		return err
	}
	return revokeFrom(r, "role "+role, privs, paths)
}

// Roles returns the role names, sorted.
func (s *State) Roles() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.roles))
}

// RolesOf returns the roles of a user, sorted.
func (s *State) RolesOf(userName string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.lookup("list role", userName)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(u.roles)), nil
}

// UsersOf returns the users that have the role, sorted.
func (s *State) UsersOf(role string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.lookupRole("list user", role); err != nil {
		return nil, err
	}
	var out []string
	for name, u := range s.users {
		if u.roles[role] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// RolePrivileges returns a role's grants, for LIST PRIVILEGES OF ROLE,
// sorted as Privileges sorts them.
func (s *State) RolePrivileges(role string) ([]Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.lookupRole("list privileges", role)
	if err != nil {
		return nil, err
	}
	return r.grants(role), nil
}
