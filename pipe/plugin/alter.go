package plugin

import (
	"slices"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// Stage names one of a pipe's three plugin clauses.
type Stage int

// The stages, in the order a pipe's clauses are written.
const (
	StageSource Stage = iota
	StageProcessor
	StageSink
)

func (s Stage) clause() clause {
	switch s {
	case StageSource:
		return sourceClause
	case StageProcessor:
		return processorClause
	case StageSink:
		return sinkClause
	}
	panic("BUG: unknown pipe stage")
}

// Alter applies one clause of ALTER PIPE to a stage's current attributes,
// as IoTDB 1.3.3 does. A nil change leaves them as they are; REPLACE puts
// the clause's attributes in their place (an empty REPLACE leaves the
// stage's defaults); MODIFY sets each given key, taking out the current
// key that names the same parameter, with or without a prefix
// ('sink.ip', 'connector.ip', 'ip') or by an alias ('host' for 'ip'), so
// that the result never names a parameter twice. A set key keeps its new
// spelling and its place; a new one goes last. A clause that names a
// parameter twice, or an empty key, is refused as CREATE PIPE refuses it.
// The result is a new slice; neither input is modified.
func Alter(stage Stage, current []ast.Attribute, change *ast.PipeChange) ([]ast.Attribute, error) {
	if change == nil {
		return slices.Clone(current), nil
	}
	c := stage.clause()
	if _, err := c.normalize(change.Attributes); err != nil {
		return nil, err
	}
	if change.Replace {
		return append([]ast.Attribute{}, change.Attributes...), nil
	}
	out := append([]ast.Attribute{}, current...)
	canonical := func(k string) string { return c.canonicalKey(strings.ToLower(strings.TrimSpace(k))) }
	for _, a := range change.Attributes {
		key := canonical(a.Key)
		if i := slices.IndexFunc(out, func(o ast.Attribute) bool { return canonical(o.Key) == key }); i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	return out, nil
}
