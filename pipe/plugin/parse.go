package plugin

import (
	"time"

	"github.com/sluicedb/sluice/sql/ast"
)

// Spec is a validated pipe definition.
type Spec struct {
	Source Source
	// Processor is the processor plugin and its parameters.
	Processor Processor
	// Sink holds the sink's parameters by canonical key (no prefix, aliases
	// resolved, see the SinkKey constants), values trimmed; Sink["sink"] is
	// the canonical plugin name. Two pipes whose maps are equal share one
	// sink instance.
	Sink map[string]string
}

// Parse validates the attributes of CREATE PIPE's three clauses (nil or
// empty for an absent SOURCE or PROCESSOR clause). zone reads date-times
// written without an offset; nil means UTC. Errors carry
// status.PipeError and name the clause and the key.
func Parse(source, processor, sink []ast.Attribute, zone *time.Location) (Spec, error) {
	src, err := parseSource(source, zone)
	if err != nil {
		return Spec{}, err
	}
	proc, err := parseProcessor(processor)
	if err != nil {
		return Spec{}, err
	}
	snk, err := parseSink(sink)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Source: src, Processor: proc, Sink: snk}, nil
}
