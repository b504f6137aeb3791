package auth

import (
	"maps"
	"slices"

	"github.com/sluicedb/sluice/model"
)

// privSet is the privileges a user or a role holds. Each map's value says
// whether the privilege was granted WITH GRANT OPTION.
type privSet struct {
	global map[Privilege]bool
	paths  map[string]*pathGrant // by pattern text
}

// pathGrant is the path-scoped privileges granted on one pattern.
type pathGrant struct {
	path  model.Path
	privs map[Privilege]bool
}

func newPrivSet() privSet {
	return privSet{global: map[Privilege]bool{}, paths: map[string]*pathGrant{}}
}

// add grants g; a grant option once given stays until the privilege is
// revoked.
func (ps *privSet) add(g Grant) {
	if !g.Privilege.PathScoped() {
		ps.global[g.Privilege] = ps.global[g.Privilege] || g.GrantOption
		return
	}
	key := g.Path.String()
	pg := ps.paths[key]
	if pg == nil {
		pg = &pathGrant{path: slices.Clone(g.Path), privs: map[Privilege]bool{}}
		ps.paths[key] = pg
	}
	pg.privs[g.Privilege] = pg.privs[g.Privilege] || g.GrantOption
}

// remove takes g away and reports whether it was held.
func (ps *privSet) remove(g Grant) bool {
	if !g.Privilege.PathScoped() {
		_, had := ps.global[g.Privilege]
		delete(ps.global, g.Privilege)
		return had
	}
	key := g.Path.String()
	pg := ps.paths[key]
	if pg == nil {
		return false
	}
	if _, had := pg.privs[g.Privilege]; !had {
		return false
	}
	delete(pg.privs, g.Privilege)
	if len(pg.privs) == 0 {
		delete(ps.paths, key)
	}
	return true
}

// hasGlobal reports whether the global privilege p is held.
func (ps *privSet) hasGlobal(p Privilege) bool {
	_, ok := ps.global[p]
	return ok
}

// hasGlobalOption reports whether the global privilege p is held WITH
// GRANT OPTION.
func (ps *privSet) hasGlobalOption(p Privilege) bool { return ps.global[p] }

// patterns appends the patterns the path-scoped privilege p is held on,
// only those WITH GRANT OPTION when optionOnly is set.
func (ps *privSet) patterns(p Privilege, optionOnly bool, out []model.Path) []model.Path {
	for _, pg := range ps.paths {
		if opt, ok := pg.privs[p]; ok && (opt || !optionOnly) {
			out = append(out, pg.path)
		}
	}
	return out
}

// grants lists the set as Grant rows naming role (empty for a user's own),
// global privileges on root.**, sorted by pattern and then in IoTDB's
// privilege order.
func (ps *privSet) grants(role string) []Grant {
	var out []Grant
	for p, opt := range ps.global {
		out = append(out, Grant{Role: role, Path: slices.Clone(rootPattern), Privilege: p, GrantOption: opt})
	}
	for _, pg := range ps.paths {
		for p, opt := range pg.privs {
			out = append(out, Grant{Role: role, Path: slices.Clone(pg.path), Privilege: p, GrantOption: opt})
		}
	}
	slices.SortFunc(out, func(a, b Grant) int {
		if c := slices.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Privilege.rank() - b.Privilege.rank()
	})
	return out
}

func (ps *privSet) clone() privSet {
	c := privSet{global: maps.Clone(ps.global), paths: make(map[string]*pathGrant, len(ps.paths))}
	for k, pg := range ps.paths {
		c.paths[k] = &pathGrant{path: slices.Clone(pg.path), privs: maps.Clone(pg.privs)}
	}
	return c
}
