package query

import (
	"slices"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// levelGroup is one column of GROUP BY LEVEL: the series whose paths agree
// at the grouped levels, named by their path with every other level but
// root and the measurement replaced by *.
type levelGroup struct {
	path    model.Path
	members []model.Path
}

// levelGroups groups series for GROUP BY LEVEL = levels, in order of the
// groups' names. The aggregations that keep their input's type need the
// same type across a group, as IoTDB requires.
func levelGroups(name string, fn aggFunc, ss []model.Series, levels []int) ([]levelGroup, error) {
	keep := map[int]bool{}
	for _, l := range levels {
		keep[l] = true
	}
	byKey := map[string]*levelGroup{}
	types := map[string]model.DataType{}
	var keys []string
	for _, s := range ss {
		p := make(model.Path, len(s.Path))
		for i, n := range s.Path {
			if i == 0 || i == len(s.Path)-1 || keep[i] {
				p[i] = n
			} else {
				p[i] = model.OneLevel
			}
		}
		k := p.String()
		g, ok := byKey[k]
		if !ok {
			g = &levelGroup{path: p}
			byKey[k] = g
			keys = append(keys, k)
			types[k] = s.Type
		} else if fn.keepsType() && types[k] != s.Type {
			return nil, status.Errorf(status.SemanticError,
				"GROUP BY LEVEL: the series of %s(%s) must have the same data type, found %s and %s",
				name, k, types[k], s.Type)
		}
		g.members = append(g.members, s.Path)
	}
	slices.SortFunc(keys, strings.Compare)
	out := make([]levelGroup, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
	}
	return out, nil
}
