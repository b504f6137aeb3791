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
	// Sink holds the sink's parameters as written: keys lower-cased and
	// trimmed, with the prefix they were given ('sink.ip', 'connector.ip'
	// or 'ip'), values trimmed, the plugin name as written. Two pipes
	// share one sink instance exactly when their maps are equal, as in
	// IoTDB. CanonicalSink gives them by canonical key.
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
	if plugin := CanonicalSink(snk)[SinkKeyPlugin]; src.Inclusion.Schema && (plugin == SinkAirGap || plugin == SinkLegacy) {
		// Accepted, the pipe would silently leave the schema behind.
		return Spec{}, sourceClause.errorf("%s does not carry series schema: leave schema out of inclusion, or use iotdb-thrift-sink", plugin)
	}
	return Spec{Source: src, Processor: proc, Sink: snk}, nil
}
