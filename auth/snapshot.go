package auth

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/seal"
)

// snapshotVersion is written into every snapshot; UnmarshalJSON refuses
// others.
const snapshotVersion = 1

type stateJSON struct {
	Version int        `json:"version"`
	Users   []userJSON `json:"users"`
}

type userJSON struct {
	Name         string      `json:"name"`
	PasswordHash string      `json:"password_hash"`
	Global       []Privilege `json:"global,omitempty"`
	Paths        []pathJSON  `json:"paths,omitempty"`
}

type pathJSON struct {
	Path       string      `json:"path"`
	Privileges []Privilege `json:"privileges"`
}

// MarshalJSON writes the state for a Raft snapshot, password hashes
// included. The output is deterministic: users, patterns and privileges
// are sorted.
func (s *State) MarshalJSON() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := stateJSON{Version: snapshotVersion, Users: []userJSON{}}
	for _, name := range slices.Sorted(maps.Keys(s.users)) {
		u := s.users[name]
		uj := userJSON{Name: name, PasswordHash: u.hash, Global: sortedPrivs(u.global)}
		for _, key := range slices.Sorted(maps.Keys(u.paths)) {
			uj.Paths = append(uj.Paths, pathJSON{Path: key, Privileges: sortedPrivs(u.paths[key].privs)})
		}
		out.Users = append(out.Users, uj)
	}
	return json.Marshal(out)
}

// UnmarshalJSON replaces the state with one MarshalJSON wrote, after
// checking it whole: names, hashes, privileges and patterns must be valid
// and root must be there.
func (s *State) UnmarshalJSON(data []byte) error {
	var in stateJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("decode auth state: %w", err)
	}
	if in.Version != snapshotVersion {
		return fmt.Errorf("decode auth state: unknown version %d", in.Version)
	}
	users := make(map[string]*user, len(in.Users))
	for _, uj := range in.Users {
		if err := validateName(uj.Name); err != nil {
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
		u := newUser(uj.PasswordHash)
		for _, p := range uj.Global {
			if p.rank() < 0 || p.PathScoped() {
				return fmt.Errorf("decode auth state: user %s: global privilege %q: %w", uj.Name, p, ErrBadPrivilege)
			}
			u.global[p] = true
		}
		for _, pj := range uj.Paths {
			path, err := model.ParsePath(pj.Path)
			if err != nil {
				return fmt.Errorf("decode auth state: user %s: %w", uj.Name, err)
			}
			for _, p := range pj.Privileges {
				if !p.PathScoped() {
					return fmt.Errorf("decode auth state: user %s: path privilege %q: %w", uj.Name, p, ErrBadPrivilege)
				}
				u.add(Grant{Path: path, Privilege: p})
			}
		}
		users[uj.Name] = u
	}
	if users[RootUser] == nil {
		return fmt.Errorf("decode auth state: no user %s", RootUser)
	}
	s.mu.Lock()
	s.users = users
	s.mu.Unlock()
	return nil
}

func sortedPrivs(set map[Privilege]bool) []Privilege {
	out := slices.Collect(maps.Keys(set))
	slices.SortFunc(out, func(a, b Privilege) int { return a.rank() - b.rank() })
	return out
}
