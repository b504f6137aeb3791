package plugin

import (
	"slices"
	"strings"
)

// inclusionLeaves are the kinds of events IoTDB 1.3's source.inclusion and
// source.inclusion.exclusion select from. A value names one leaf, a prefix
// of leaves by whole dot-separated nodes ("schema", "schema.timeseries"), or
// "all".
var inclusionLeaves = []string{
	"data.insert", "data.delete",
	"schema.database.create", "schema.database.alter", "schema.database.drop",
	"schema.timeseries.view.create", "schema.timeseries.view.alter", "schema.timeseries.view.drop",
	"schema.timeseries.ordinary.create", "schema.timeseries.ordinary.alter", "schema.timeseries.ordinary.drop",
	"schema.timeseries.template.create", "schema.timeseries.template.set", "schema.timeseries.template.unset",
	"schema.timeseries.template.alter", "schema.timeseries.template.drop",
	"schema.timeseries.template.activate", "schema.timeseries.template.deactivate",
	"schema.ttl",
	"auth.role.create", "auth.role.drop", "auth.role.grant", "auth.role.revoke",
	"auth.user.create", "auth.user.alter", "auth.user.drop", "auth.user.grant", "auth.user.revoke",
}

// Leaves Sluice carries. The others are accepted within a wider value
// ("all", "schema") and carry nothing; named on their own they are refused,
// since the pipe would silently not do what was asked.
const (
	leafInsert      = "data.insert"
	leafSeriesNew   = "schema.timeseries.ordinary.create"
	leafSeriesAlter = "schema.timeseries.ordinary.alter"
)

var carriedLeaves = []string{leafInsert, leafSeriesNew, leafSeriesAlter}

// defaultInclusion is IoTDB's default of source.inclusion.
const defaultInclusion = "data.insert"

// Inclusion is what a pipe's source carries, from source.inclusion minus
// source.inclusion.exclusion.
type Inclusion struct {
	// Data is data.insert: written points.
	Data bool
	// Schema is schema.timeseries.ordinary.create or .alter: series with
	// their type, encoding, compressor, alias, tags and attributes, as
	// created and as altered.
	Schema bool
}

// parseInclusion reads inclusion and inclusion.exclusion.
func parseInclusion(ps *params) (Inclusion, error) {
	incl, err := inclusionLeavesOf(ps, "inclusion", defaultInclusion, true)
	if err != nil {
		return Inclusion{}, err
	}
	excl, err := inclusionLeavesOf(ps, "inclusion.exclusion", "", false)
	if err != nil {
		return Inclusion{}, err
	}
	in := func(leaf string) bool { return slices.Contains(incl, leaf) && !slices.Contains(excl, leaf) }
	out := Inclusion{Data: in(leafInsert), Schema: in(leafSeriesNew) || in(leafSeriesAlter)}
	if !out.Data && !out.Schema {
		p, _ := ps.get("inclusion")
		return Inclusion{}, ps.c.errorf("'%s' = '%s' less its exclusion selects nothing Sluice carries (%s)",
			p.written, p.value, strings.Join(carriedLeaves, ", "))
	}
	return out, nil
}

// inclusionLeavesOf returns the leaves the comma-separated value of key
// selects (def when absent). With carriedOnly, a value that selects only
// leaves Sluice does not carry is refused.
func inclusionLeavesOf(ps *params, key, def string, carriedOnly bool) ([]string, error) {
	p, ok := ps.get(key)
	if !ok {
		p = param{written: key, value: def}
	}
	var out []string
	for part := range strings.SplitSeq(strings.ToLower(p.value), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		leaves := leavesUnder(part)
		if leaves == nil {
			msg := "'%s' = '%s': unknown value '%s'; values are 'all' or a prefix of: %s"
			args := []any{p.written, p.value, part, strings.Join(inclusionLeaves, ", ")}
			if near, ok := nearest(part, inclusionValues()); ok {
				msg = "'%s' = '%s': unknown value '%s' (did you mean '%s'?)"
				args = []any{p.written, p.value, part, near}
			}
			return nil, ps.c.errorf(msg, args...)
		}
		if carriedOnly && !slices.ContainsFunc(leaves, func(l string) bool { return slices.Contains(carriedLeaves, l) }) {
			return nil, ps.c.errorf("'%s' = '%s': '%s' is not carried by Sluice's pipes, which carry %s",
				p.written, p.value, part, strings.Join(carriedLeaves, ", "))
		}
		out = append(out, leaves...)
	}
	return out, nil
}

// leavesUnder returns the leaves value selects, nil for none.
func leavesUnder(value string) []string {
	if value == "all" {
		return inclusionLeaves
	}
	var out []string
	for _, l := range inclusionLeaves {
		if l == value || strings.HasPrefix(l, value+".") {
			out = append(out, l)
		}
	}
	return out
}

// inclusionValues are every value a user may write, for suggestions.
func inclusionValues() []string {
	seen := map[string]bool{"all": true}
	out := []string{"all"}
	for _, l := range inclusionLeaves {
		for i := range l {
			if l[i] == '.' && !seen[l[:i]] {
				seen[l[:i]] = true
				out = append(out, l[:i])
			}
		}
		out = append(out, l)
	}
	return out
}
