package auth

import (
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// Allowed reports whether user may use privilege p on path, through its
// own privileges or those of its roles. root may do
// anything; an unknown user nothing. A global privilege ignores path. A
// path-scoped one is allowed when path matches a pattern it was granted
// on (root.sg.** covers root.sg.d1.s1). A path with wildcards is handled
// as AllowedPattern does. ALL asks for every privilege.
func (s *State) Allowed(user string, p Privilege, path model.Path) bool {
	return s.allowed(user, p, path)
}

// AllowedPattern reports whether user may use privilege p on every path
// that pattern can match: root.sg.d*... is covered by a grant on
// root.sg.**, root.** is not. Several grants may cover it together.
func (s *State) AllowedPattern(user string, p Privilege, pattern model.Path) bool {
	return s.allowed(user, p, pattern)
}

// Check is Allowed as an error: nil, or one wrapping ErrNoPermission with
// IoTDB's message and code NoPermission.
func (s *State) Check(user string, p Privilege, path model.Path) error {
	if s.allowed(user, p, path) {
		return nil
	}
	if p.PathScoped() {
		return status.Errorf(status.NoPermission, "No permissions for this operation, please add privilege %s on [%s]: %w", p, path, ErrNoPermission)
	}
	return status.Errorf(status.NoPermission, "No permissions for this operation, please add privilege %s: %w", p, ErrNoPermission)
}

func (s *State) allowed(name string, p Privilege, path model.Path) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[name]
	switch {
	case u == nil:
		return false
	case name == RootUser:
		return true
	}
	sets := s.setsOf(u)
	if p == All {
		for _, q := range privileges {
			if !holds(sets, q, path, false) {
				return false
			}
		}
		return true
	}
	return holds(sets, p, path, false)
}

// setsOf is what u holds: its own privileges and those of its roles.
func (s *State) setsOf(u *user) []*privSet {
	sets := []*privSet{&u.privSet}
	for r := range u.roles {
		sets = append(sets, s.roles[r])
	}
	return sets
}

// MayGrant reports whether user holds every privilege of privs on every
// pattern of paths (expanded as Grant expands them) WITH GRANT OPTION,
// itself or through its roles: such a user may grant them to, and revoke
// them from, other users and roles without MANAGE_USER or MANAGE_ROLE, as
// in IoTDB 1.3. root may grant anything; bad privileges or paths are
// never grantable.
func (s *State) MayGrant(user string, privs []Privilege, paths []model.Path) bool {
	grants, err := expand(privs, paths)
	if err != nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[user]
	switch {
	case u == nil:
		return false
	case user == RootUser:
		return true
	}
	sets := s.setsOf(u)
	for _, g := range grants {
		if !holds(sets, g.Privilege, g.Path, true) {
			return false
		}
	}
	return true
}

// holds reports whether sets together grant p on path, only counting
// grants WITH GRANT OPTION when optionOnly is set: a path-scoped privilege
// may be covered by patterns from several sets.
func holds(sets []*privSet, p Privilege, path model.Path, optionOnly bool) bool {
	if !p.PathScoped() {
		for _, ps := range sets {
			if ps.hasGlobal(p) && (!optionOnly || ps.hasGlobalOption(p)) {
				return true
			}
		}
		return false
	}
	var pats []model.Path
	for _, ps := range sets {
		pats = ps.patterns(p, optionOnly, pats)
	}
	return covered(path, pats)
}

// covered reports whether every concrete path that pattern q matches is
// matched by one of pats (a concrete q matches only itself).
//
// Patterns are regular expressions over node names: a name matches
// itself, * any one node, ** one or more nodes. Only the names written in
// q and pats are told apart, so one more name, standing for all others,
// completes the alphabet. The walk runs q and all of pats in step as
// sets of positions (subset construction) over every string of that
// alphabet, and fails at a string q accepts but no pattern does.
func covered(q model.Path, pats []model.Path) bool {
	if len(pats) == 0 {
		return false
	}
	if !q.HasWildcard() {
		for _, pat := range pats {
			if q.Matches(pat) {
				return true
			}
		}
		return false
	}
	alpha := map[string]int{}
	for _, p := range append([]model.Path{q}, pats...) {
		for _, n := range p {
			if _, ok := alpha[n]; !ok && n != model.OneLevel && n != model.MultiLevel {
				alpha[n] = len(alpha)
			}
		}
	}
	symbols := len(alpha) + 1 // the last one is "any other name"

	all := append([]model.Path{q}, pats...)
	start := make(walkState, len(all))
	for i := range start {
		start[i] = positions{0}
	}
	seen := map[string]bool{start.key(): true}
	todo := []walkState{start}
	for len(todo) > 0 {
		st := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for sym := range symbols {
			next := make(walkState, len(all))
			for i, p := range all {
				next[i] = step(p, st[i], sym, alpha)
			}
			if len(next[0]) == 0 {
				continue // q matches nothing that starts so
			}
			anyPat, accepted := false, false
			for i := 1; i < len(all); i++ {
				anyPat = anyPat || len(next[i]) > 0
				accepted = accepted || next[i].has(len(all[i]))
			}
			// From any live set of q positions, q can still reach its
			// end, so with every pattern dead q matches a path they miss.
			if !anyPat || next[0].has(len(q)) && !accepted {
				return false
			}
			if k := next.key(); !seen[k] {
				seen[k] = true
				todo = append(todo, next)
			}
		}
	}
	return true
}

// positions is a sorted set of positions in a pattern: i means nodes
// before i are matched. A position at a ** also stands for "inside the
// **, which must take at least one more node".
type positions []int

func (ps positions) has(i int) bool {
	for _, p := range ps {
		if p == i {
			return true
		}
	}
	return false
}

// walkState is the positions of q and of each pattern.
type walkState []positions

func (w walkState) key() string {
	b := make([]byte, 0, 64)
	for _, ps := range w {
		for _, p := range ps {
			b = append(b, byte(p), byte(p>>8), byte(p>>16))
		}
		b = append(b, 0xff, 0xff, 0xff)
	}
	return string(b)
}

// step advances positions ps of pattern p over one node named by symbol
// sym.
func step(p model.Path, ps positions, sym int, alpha map[string]int) positions {
	var out positions
	add := func(i int) {
		if !out.has(i) {
			out = append(out, i)
		}
	}
	for _, i := range ps {
		if i >= len(p) {
			continue
		}
		switch n := p[i]; n {
		case model.MultiLevel:
			add(i) // ** takes more nodes
			add(i + 1)
		case model.OneLevel:
			add(i + 1)
		default:
			if alpha[n] == sym {
				add(i + 1)
			}
		}
	}
	slices.Sort(out)
	return out
}
