package plugin

import (
	"slices"
	"strings"
)

// Canonical names of the built-in plugins. Parse stores these, whatever
// alias the statement used.
const (
	SourceIoTDB        = "iotdb-source"
	ProcessorDoNothing = "do-nothing-processor"
	// The sampling processors (docs/pipes.md describes what each keeps).
	ProcessorTumblingTime  = "tumbling-time-sampling-processor"
	ProcessorSDT           = "sdt-sampling-processor"
	ProcessorChangingValue = "changing-value-sampling-processor"
	// SinkThrift is the parallel (async) Thrift sink; iotdb-thrift-async-sink
	// is the same plugin.
	SinkThrift     = "iotdb-thrift-sink"
	SinkThriftSync = "iotdb-thrift-sync-sink"
	// SinkThriftSSL is the Thrift sink over TLS.
	SinkThriftSSL = "iotdb-thrift-ssl-sink"
	SinkLegacy    = "iotdb-legacy-pipe-sink"
	SinkDoNothing = "do-nothing-sink"
	// SinkAirGap is IoTDB's air-gap protocol on a plain socket.
	SinkAirGap = "iotdb-air-gap-sink"
)

// Info is one SHOW PIPEPLUGINS row.
type Info struct {
	Name      string // upper-cased, as IoTDB prints it
	Type      string // "Builtin"
	ClassName string
	PluginJar string // empty for built-ins
}

const builtinClassPrefix = "org.apache.iotdb.commons.pipe.plugin.builtin."

// builtin is a plugin name Parse accepts and the canonical plugin it means.
type builtin struct {
	name, canonical, class string
	listed                 bool // shown by SHOW PIPEPLUGINS
}

// IoTDB keeps the V1.2 names (extractor, connector) as aliases; SHOW
// PIPEPLUGINS lists the source/sink names and, for Sluice's own clarity,
// iotdb-extractor and every sink flavour.
var (
	sources = []builtin{
		{SourceIoTDB, SourceIoTDB, "extractor.iotdb.IoTDBExtractor", true},
		{"iotdb-extractor", SourceIoTDB, "extractor.iotdb.IoTDBExtractor", true},
	}
	processors = []builtin{
		{ProcessorDoNothing, ProcessorDoNothing, "processor.donothing.DoNothingProcessor", true},
		{ProcessorTumblingTime, ProcessorTumblingTime, "processor.downsampling.TumblingTimeSamplingProcessor", true},
		{ProcessorSDT, ProcessorSDT, "processor.downsampling.SwingingDoorTrendingSamplingProcessor", true},
		{ProcessorChangingValue, ProcessorChangingValue, "processor.downsampling.ChangingValueSamplingProcessor", true},
	}
	sinks = []builtin{
		{SinkThrift, SinkThrift, "connector.iotdb.thrift.IoTDBThriftConnector", true},
		{"iotdb-thrift-async-sink", SinkThrift, "connector.iotdb.thrift.IoTDBThriftAsyncConnector", true},
		{SinkThriftSync, SinkThriftSync, "connector.iotdb.thrift.IoTDBThriftSyncConnector", true},
		{SinkThriftSSL, SinkThriftSSL, "connector.iotdb.thrift.IoTDBThriftSslConnector", true},
		{SinkLegacy, SinkLegacy, "connector.iotdb.thrift.IoTDBLegacyPipeConnector", true},
		{SinkDoNothing, SinkDoNothing, "connector.donothing.DoNothingConnector", true},
		{SinkAirGap, SinkAirGap, "connector.iotdb.airgap.IoTDBAirGapConnector", true},
		{"iotdb-thrift-connector", SinkThrift, "", false},
		{"iotdb-thrift-async-connector", SinkThrift, "", false},
		{"iotdb-thrift-sync-connector", SinkThriftSync, "", false},
		{"iotdb-thrift-ssl-connector", SinkThriftSSL, "", false},
		{"iotdb-legacy-pipe-connector", SinkLegacy, "", false},
		{"do-nothing-connector", SinkDoNothing, "", false},
		{"iotdb-air-gap-connector", SinkAirGap, "", false},
	}
)

// unsupported are IoTDB built-ins Sluice refuses with a clear message rather
// than as unknown names.
var unsupported = map[string]bool{
	"do-nothing-source": true, "do-nothing-extractor": true,
	"aggregate-processor": true, "count-point-processor": true, "throwing-exception-processor": true,
	"websocket-sink": true, "websocket-connector": true,
	"opc-ua-sink": true, "opc-ua-connector": true,
	"write-back-sink": true, "write-back-connector": true,
}

// lookup returns the canonical plugin for name among list.
func lookup(list []builtin, name string) (string, bool) {
	for _, b := range list {
		if b.name == name {
			return b.canonical, true
		}
	}
	return "", false
}

// names lists the listed names, for error messages.
func names(list []builtin) string {
	var out []string
	for _, b := range list {
		if b.listed {
			out = append(out, b.name)
		}
	}
	return strings.Join(out, ", ")
}

// Builtins returns the SHOW PIPEPLUGINS rows of the built-in plugins, sorted
// by name.
func Builtins() []Info {
	var out []Info
	for _, list := range [][]builtin{sources, processors, sinks} {
		for _, b := range list {
			if b.listed {
				out = append(out, Info{
					Name:      strings.ToUpper(b.name),
					Type:      "Builtin",
					ClassName: builtinClassPrefix + b.class,
				})
			}
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}
