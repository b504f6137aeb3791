package auth

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// RootUser is the administrator, who always exists and has every
// privilege. Its default password is "root".
const RootUser = "root"

// DefaultRootPassword is root's password until someone changes it.
const DefaultRootPassword = "root"

// rootPattern is root.**, where global privileges are granted.
var rootPattern = model.Path{"root", model.MultiLevel}

// State holds the users, the roles and their privileges. Its methods are safe for
// concurrent use; state-changing ones are deterministic (see the package
// comment). The zero State is not usable: call New or UnmarshalJSON.
type State struct {
	mu    sync.RWMutex
	users map[string]*user
	roles map[string]*privSet

	// verified remembers passwords that matched a hash, so that a client
	// opening many sessions pays bcrypt's cost once. Not replicated.
	verified verifiedCache
}

type user struct {
	hash string
	privSet
	roles map[string]bool // the roles granted to the user
}

// Grant is one row of LIST PRIVILEGES: a privilege on a path pattern,
// held by a user itself (Role empty) or through Role. Global privileges
// are listed on root.**.
type Grant struct {
	Role        string
	Path        model.Path
	Privilege   Privilege
	GrantOption bool // granted WITH GRANT OPTION
}

// New returns the initial state: the user root, password "root", and no
// roles.
func New() *State {
	return &State{users: map[string]*user{RootUser: newUser(rootPasswordHash)}, roles: map[string]*privSet{}}
}

func newUser(hash string) *user {
	return &user{hash: hash, privSet: newPrivSet(), roles: map[string]bool{}}
}

// String describes the state without its password hashes.
func (s *State) String() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fmt.Sprintf("auth.State{%d users, %d roles}", len(s.users), len(s.roles))
}

// lookup returns the user or an error wrapping ErrUserNotFound; op names
// the operation for the message.
func (s *State) lookup(op, name string) (*user, error) {
	u := s.users[name]
	if u == nil {
		return nil, status.Errorf(status.UserNotExist, "%s: user %s: %w", op, name, ErrUserNotFound)
	}
	return u, nil
}

// CreateUser adds a user with the given bcrypt password hash (made by
// HashPassword) and no privileges.
func (s *State) CreateUser(name, hash string) error {
	if err := validateName("user name", name); err != nil {
		return err
	}
	if err := validateHash(hash); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[name] != nil {
		return status.Errorf(status.UserAlreadyExist, "create user %s: %w", name, ErrUserExists)
	}
	s.users[name] = newUser(hash)
	return nil
}

// DropUser removes a user and its privileges. root cannot be dropped.
func (s *State) DropUser(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == RootUser {
		return status.Errorf(status.NoPermission, "drop user %s: %w", name, ErrRootUser)
	}
	if _, err := s.lookup("drop user", name); err != nil {
		return err
	}
	delete(s.users, name)
	return nil
}

// SetPassword replaces a user's password hash; root's too.
func (s *State) SetPassword(name, hash string) error {
	if err := validateHash(hash); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.lookup("alter user", name)
	if err != nil {
		return err
	}
	u.hash = hash
	return nil
}

// Authenticate checks a login. Whether the user is unknown
// (ErrUserNotFound) or the password wrong (ErrWrongPassword), the error's
// message is IoTDB's "Authentication failed." and its code
// WrongLoginPassword, so a client cannot probe for user names.
func (s *State) Authenticate(name, pw string) error {
	s.mu.RLock()
	u := s.users[name]
	var hash string
	if u != nil {
		hash = u.hash
	}
	s.mu.RUnlock()
	switch {
	case u == nil:
		return status.Errorf(status.WrongLoginPassword, "%w", authFailed{ErrUserNotFound})
	case !s.verified.check(hash, pw): // outside the lock: bcrypt is slow
		return status.Errorf(status.WrongLoginPassword, "%w", authFailed{ErrWrongPassword})
	}
	return nil
}

// Grant gives user every privilege of privs on every pattern of paths,
// WITH GRANT OPTION when grantOption is set. Global privileges must be
// granted on root.**; ALL on root.** grants everything, ALL on another
// pattern grants the path-scoped privileges. Granting what the user
// already has is not an error. Nothing changes on error.
func (s *State) Grant(name string, privs []Privilege, paths []model.Path, grantOption bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.lookup("grant", name)
	if err != nil {
		return err
	}
	if name == RootUser {
		return status.Errorf(status.NoPermission, "grant: %s already has all privileges: %w", name, ErrRootUser)
	}
	return grantTo(&u.privSet, privs, paths, grantOption)
}

// Revoke takes privileges back, expanding privs and paths as Grant does.
// It fails with ErrNotHasPrivilege, changing nothing, when the user has
// none of them.
func (s *State) Revoke(name string, privs []Privilege, paths []model.Path) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.lookup("revoke", name)
	if err != nil {
		return err
	}
	if name == RootUser {
		return status.Errorf(status.NoPermission, "revoke: %s must keep all privileges: %w", name, ErrRootUser)
	}
	return revokeFrom(&u.privSet, "user "+name, privs, paths)
}

// grantTo adds the grants privs and paths stand for to ps, or nothing on
// error.
func grantTo(ps *privSet, privs []Privilege, paths []model.Path, grantOption bool) error {
	grants, err := expand(privs, paths)
	if err != nil {
		return err
	}
	for _, g := range grants {
		g.GrantOption = grantOption
		ps.add(g)
	}
	return nil
}

// revokeFrom removes the grants privs and paths stand for from ps, the
// privileges of who; it fails with ErrNotHasPrivilege when ps held none.
func revokeFrom(ps *privSet, who string, privs []Privilege, paths []model.Path) error {
	grants, err := expand(privs, paths)
	if err != nil {
		return err
	}
	removed := 0
	for _, g := range grants {
		if ps.remove(g) {
			removed++
		}
	}
	if removed == 0 {
		return status.Errorf(status.NotHasPrivilege, "revoke from %s: %w", who, ErrNotHasPrivilege)
	}
	return nil
}

// expand checks privs and paths and returns the (privilege, pattern) pairs
// they stand for, without duplicates.
func expand(privs []Privilege, paths []model.Path) ([]Grant, error) {
	if len(privs) == 0 || len(paths) == 0 {
		return nil, status.Errorf(status.IllegalParameter, "no privilege or no path: %w", ErrBadGrant)
	}
	for _, p := range paths {
		if len(p) == 0 || p[0] != "root" || slices.Contains(p, "") {
			return nil, status.Errorf(status.IllegalPath, "path %q: %w", p.String(), ErrBadGrant)
		}
	}
	var out []Grant
	seen := map[string]bool{}
	addGrant := func(p Privilege, path model.Path) {
		if !p.PathScoped() {
			path = rootPattern
		}
		if k := string(p) + " " + path.String(); !seen[k] {
			seen[k] = true
			out = append(out, Grant{Path: path, Privilege: p})
		}
	}
	for _, p := range privs {
		if p.composite() == nil && p.rank() < 0 {
			return nil, status.Errorf(status.UnknownAuthPrivilege, "%q: %w", string(p), ErrBadPrivilege)
		}
		for _, path := range paths {
			onRoot := isRootPattern(path)
			switch {
			case p.composite() != nil:
				for _, q := range p.composite() {
					if onRoot || q.PathScoped() {
						addGrant(q, path)
					}
				}
			case !p.PathScoped() && !onRoot:
				return nil, status.Errorf(status.IllegalParameter, "%s can only be granted on root.**, not %s: %w", p, path, ErrBadGrant)
			default:
				addGrant(p, path)
			}
		}
	}
	return out, nil
}

func isRootPattern(p model.Path) bool {
	return len(p) == 2 && p[0] == "root" && p[1] == model.MultiLevel
}

// Users returns the user names, sorted.
func (s *State) Users() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.users))
}

// Privileges returns a user's grants, for LIST PRIVILEGES OF USER: its
// own, then those of each of its roles by role name, each sorted by
// pattern and then in IoTDB's privilege order. root has every privilege
// on root.**.
func (s *State) Privileges(name string) ([]Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.lookup("list privileges", name)
	if err != nil {
		return nil, err
	}
	if name == RootUser {
		var out []Grant
		for _, p := range privileges {
			out = append(out, Grant{Path: slices.Clone(rootPattern), Privilege: p})
		}
		return out, nil
	}
	out := u.grants("")
	for _, r := range slices.Sorted(maps.Keys(u.roles)) {
		out = append(out, s.roles[r].grants(r)...)
	}
	return out, nil
}

// Clone returns a deep copy, for Raft snapshots.
func (s *State) Clone() *State {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := &State{users: make(map[string]*user, len(s.users)), roles: make(map[string]*privSet, len(s.roles))}
	for name, u := range s.users {
		c.users[name] = &user{hash: u.hash, privSet: u.clone(), roles: maps.Clone(u.roles)}
	}
	for name, r := range s.roles {
		cr := r.clone()
		c.roles[name] = &cr
	}
	return c
}
