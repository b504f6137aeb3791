package auth

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/seal"
)

// Snapshot versions. A state with roles is written as rolesVersion, so
// that a binary from before roles refuses it (and the operator learns to
// upgrade every node) instead of dropping the roles' grants without a
// word; a state without roles keeps usersVersion, which every release
// reads. UnmarshalJSON reads both and refuses any other.
const (
	usersVersion = 1
	rolesVersion = 2
)

type stateJSON struct {
	Version int        `json:"version"`
	Users   []userJSON `json:"users"`
	Roles   []roleJSON `json:"roles,omitempty"`
}

type userJSON struct {
	Name         string `json:"name"`
	PasswordHash string `json:"password_hash"`
	privsJSON
	Roles []string `json:"roles,omitempty"`
}

type roleJSON struct {
	Name string `json:"name"`
	privsJSON
}

// privsJSON is a privSet; the GrantOption lists name the privileges held
// WITH GRANT OPTION.
type privsJSON struct {
	Global            []Privilege `json:"global,omitempty"`
	GlobalGrantOption []Privilege `json:"global_grant_option,omitempty"`
	Paths             []pathJSON  `json:"paths,omitempty"`
}

type pathJSON struct {
	Path        string      `json:"path"`
	Privileges  []Privilege `json:"privileges"`
	GrantOption []Privilege `json:"grant_option,omitempty"`
}

// MarshalJSON writes the state for a Raft snapshot, password hashes
// included. The output is deterministic: users, patterns and privileges
// are sorted.
func (s *State) MarshalJSON() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := stateJSON{Version: usersVersion, Users: []userJSON{}}
	if len(s.roles) > 0 {
		out.Version = rolesVersion
	}
	for _, name := range slices.Sorted(maps.Keys(s.users)) {
		u := s.users[name]
		out.Users = append(out.Users, userJSON{Name: name, PasswordHash: u.hash, privsJSON: u.toJSON(),
			Roles: slices.Sorted(maps.Keys(u.roles))})
	}
	for _, name := range slices.Sorted(maps.Keys(s.roles)) {
		out.Roles = append(out.Roles, roleJSON{Name: name, privsJSON: s.roles[name].toJSON()})
	}
	return json.Marshal(out)
}

func (ps *privSet) toJSON() privsJSON {
	out := privsJSON{Global: sortedPrivs(ps.global, false), GlobalGrantOption: sortedPrivs(ps.global, true)}
	for _, key := range slices.Sorted(maps.Keys(ps.paths)) {
		privs := ps.paths[key].privs
		out.Paths = append(out.Paths, pathJSON{Path: key, Privileges: sortedPrivs(privs, false),
			GrantOption: sortedPrivs(privs, true)})
	}
	return out
}

// decode checks pj and builds its privSet; who names the holder for
// errors.
func (pj privsJSON) decode(who string) (privSet, error) {
	ps := newPrivSet()
	for _, p := range pj.Global {
		if p.rank() < 0 || p.PathScoped() {
			return ps, fmt.Errorf("%s: global privilege %q: %w", who, p, ErrBadPrivilege)
		}
		ps.add(Grant{Privilege: p, GrantOption: slices.Contains(pj.GlobalGrantOption, p)})
	}
	for _, pth := range pj.Paths {
		path, err := model.ParsePath(pth.Path)
		if err != nil {
			return ps, fmt.Errorf("%s: %w", who, err)
		}
		for _, p := range pth.Privileges {
			if !p.PathScoped() {
				return ps, fmt.Errorf("%s: path privilege %q: %w", who, p, ErrBadPrivilege)
			}
			ps.add(Grant{Path: path, Privilege: p, GrantOption: slices.Contains(pth.GrantOption, p)})
		}
	}
	return ps, nil
}

// UnmarshalJSON replaces the state with one MarshalJSON wrote, after
// checking it whole: names, hashes, privileges and patterns must be valid,
// root must be there and every role a user has must exist.
func (s *State) UnmarshalJSON(data []byte) error {
	var in stateJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("decode auth state: %w", err)
	}
	if in.Version != usersVersion && in.Version != rolesVersion {
		return fmt.Errorf("decode auth state: unknown version %d", in.Version)
	}
	if in.Version == usersVersion && len(in.Roles) > 0 {
		return fmt.Errorf("decode auth state: version %d holds no roles, this one lists %d", in.Version, len(in.Roles))
	}
	users := make(map[string]*user, len(in.Users))
	for _, uj := range in.Users {
		if err := validateName("user name", uj.Name); err != nil {
			return fmt.Errorf("decode auth state: %w", err)
		}
		if users[uj.Name] != nil {
			return fmt.Errorf("decode auth state: user %s twice", uj.Name)
		}
		// A hash sealed with the cluster key (metadata sent to a DataNode)
		// is opened by the receiver with WithHashes.
		if err := validateHash(uj.PasswordHash); err != nil && !seal.IsSealed(uj.PasswordHash) {
			return fmt.Errorf("decode auth state: user %s: %w", uj.Name, err)
		}
		ps, err := uj.decode("user " + uj.Name)
		if err != nil {
			return fmt.Errorf("decode auth state: %w", err)
		}
		users[uj.Name] = &user{hash: uj.PasswordHash, privSet: ps, roles: map[string]bool{}}
	}
	if users[RootUser] == nil {
		return fmt.Errorf("decode auth state: no user %s", RootUser)
	}
	roles := make(map[string]*privSet, len(in.Roles))
	for _, rj := range in.Roles {
		if err := validateName("role name", rj.Name); err != nil {
			return fmt.Errorf("decode auth state: %w", err)
		}
		if roles[rj.Name] != nil {
			return fmt.Errorf("decode auth state: role %s twice", rj.Name)
		}
		ps, err := rj.decode("role " + rj.Name)
		if err != nil {
			return fmt.Errorf("decode auth state: %w", err)
		}
		roles[rj.Name] = &ps
	}
	for _, uj := range in.Users {
		for _, r := range uj.Roles {
			if roles[r] == nil {
				return fmt.Errorf("decode auth state: user %s has role %s, which does not exist", uj.Name, r)
			}
			users[uj.Name].roles[r] = true
		}
	}
	s.mu.Lock()
	s.users, s.roles = users, roles
	s.mu.Unlock()
	return nil
}

// sortedPrivs lists the privileges of set in IoTDB's order: all of them,
// or only those held with grant option.
func sortedPrivs(set map[Privilege]bool, grantOptionOnly bool) []Privilege {
	var out []Privilege
	for p, opt := range set {
		if opt || !grantOptionOnly {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Privilege) int { return a.rank() - b.rank() })
	return out
}
