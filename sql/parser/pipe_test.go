package parser

import (
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

func attrs(kv ...string) []ast.Attribute {
	out := []ast.Attribute{}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ast.Attribute{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

// TestPipeSpecExamples parses the statements of SPEC-data-sync.md as written
// there, comments and trailing commas included; <PipeId> is replaced by a name.
func TestPipeSpecExamples(t *testing.T) {
	runParseCases(t, []parseCase{
		{`create pipe a2b
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`, &ast.CreatePipe{Name: "a2b", Sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6668")}},
		{`start pipe a2b`, &ast.StartPipe{Name: "a2b"}},
		{`CREATE PIPE my_pipe -- PipeId is the name that uniquely identifies the sync task
WITH SOURCE (
-- Default IoTDB Data Extraction Plugin
'source' = 'iotdb-source',
-- Path prefix, only data that can match the path prefix will be extracted for subsequent processing and delivery
'source.pattern' = 'root.timecho',
-- Describes the time range of the data being extracted, indicating the earliest possible time
'source.historical.start-time' = '2011.12.03T10:15:30+01:00',
-- Describes the time range of the extracted data, indicating the latest time
'source.historical.end-time' = '2022.12.03T10:15:30+01:00',
)
WITH PROCESSOR (
-- Default data processing plugin, means no processing
'processor' = 'do-nothing-processor',
)
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`, &ast.CreatePipe{
			Name: "my_pipe",
			Source: attrs("source", "iotdb-source", "source.pattern", "root.timecho",
				"source.historical.start-time", "2011.12.03T10:15:30+01:00",
				"source.historical.end-time", "2022.12.03T10:15:30+01:00"),
			Processor: attrs("processor", "do-nothing-processor"),
			Sink:      attrs("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6667"),
		}},
		{`CREATE PIPE my_pipe -- PipeId is a name that uniquely identifies the task.
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`, &ast.CreatePipe{Name: "my_pipe", Sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6667")}},
		{`CREATE PIPE pipe1
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.ip' = 'localhost',
'sink.port' = '9999',
)`, &ast.CreatePipe{Name: "pipe1", Sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "localhost", "sink.port", "9999")}},
		{`CREATE PIPE pipe2
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.port' = '9999',
'sink.ip' = 'localhost',
)`, &ast.CreatePipe{Name: "pipe2", Sink: attrs("sink", "iotdb-thrift-sink", "sink.port", "9999", "sink.ip", "localhost")}},
		{`START PIPE my_pipe`, &ast.StartPipe{Name: "my_pipe"}},
		{`STOP PIPE my_pipe`, &ast.StopPipe{Name: "my_pipe"}},
		{`DROP PIPE my_pipe`, &ast.DropPipe{Name: "my_pipe"}},
		{`DROP PIPE IF EXISTS my_pipe`, &ast.DropPipe{Name: "my_pipe", IfExists: true}},
		{`drop pipe if`, &ast.DropPipe{Name: "if"}},
		{`CREATE PIPE IF NOT EXISTS p WITH SINK ('sink'='do-nothing-sink')`,
			&ast.CreatePipe{Name: "p", IfNotExists: true, Sink: attrs("sink", "do-nothing-sink")}},
		{`CREATE PIPE if WITH SINK ('sink'='do-nothing-sink')`, &ast.CreatePipe{Name: "if", Sink: attrs("sink", "do-nothing-sink")}},
		{`SHOW PIPES`, &ast.ShowPipes{}},
		{`SHOW PIPE my_pipe`, &ast.ShowPipes{Name: "my_pipe"}},
		{`SHOW PIPES
WHERE SINK USED BY my_pipe`, &ast.ShowPipes{UsedBy: "my_pipe"}},
		{`create pipe A2B
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`, &ast.CreatePipe{Name: "A2B", Sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6668")}},
		{`create pipe A2B
with sink (
'sink'='iotdb-air-gap-sink',
'ip'='127.0.0.1',
'port'='6668'
)`, &ast.CreatePipe{Name: "A2B", Sink: attrs("sink", "iotdb-air-gap-sink", "ip", "127.0.0.1", "port", "6668")}},
		{`SHOW PIPEPLUGINS`, &ast.ShowPipePlugins{}},
	})
}

func TestPipeStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{`create pipe p with extractor ("extractor"="iotdb-extractor") with connector ("connector"="iotdb-thrift-connector", "connector.node-urls"='127.0.0.1:6667,127.0.0.1:6668')`,
			&ast.CreatePipe{Name: "p", Source: attrs("extractor", "iotdb-extractor"),
				Sink: attrs("connector", "iotdb-thrift-connector", "connector.node-urls", "127.0.0.1:6667,127.0.0.1:6668")}},
		{`create pipe p with source () with processor() with sink('sink'='do-nothing-sink')`,
			&ast.CreatePipe{Name: "p", Source: attrs(), Processor: attrs(), Sink: attrs("sink", "do-nothing-sink")}},
		{`create pipe p with sink ('sink'='x', 'port'=6668, 'k' = 'it''s')`,
			&ast.CreatePipe{Name: "p", Sink: attrs("sink", "x", "port", "6668", "k", "it's")}},
		{"create pipe `my pipe` with sink ('sink'='x')", &ast.CreatePipe{Name: "my pipe", Sink: attrs("sink", "x")}},
		{"drop pipe iotdb-kafka", &ast.DropPipe{Name: "iotdb-kafka"}},
		{"stop pipe pipe-1-b", &ast.StopPipe{Name: "pipe-1-b"}},
		{"start pipe 1st", &ast.StartPipe{Name: "1st"}},
		{"show pipes where connector used by `iotdb-kafka`", &ast.ShowPipes{UsedBy: "iotdb-kafka"}},
		{"SHOW PIPES STATISTICS", &ast.ShowPipeStatistics{}},
		{"show pipes statistics;", &ast.ShowPipeStatistics{}},
		// A pipe may be named statistics: SHOW PIPE names one.
		{"show pipe statistics", &ast.ShowPipes{Name: "statistics"}},
	})
}

func TestShowPipeStatisticsErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"SHOW PIPES STATISTICS x", "line 1:22 mismatched input 'x' expecting {';', <EOF>}"},
		{"SHOW PIPES STATS", "line 1:11 mismatched input 'STATS' expecting {';', <EOF>}"},
	})
}

func TestPipeIfExistsErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"CREATE PIPE IF NOT p WITH SINK ('sink'='do-nothing-sink')", "line 1:19 mismatched input 'p' expecting EXISTS"},
	})
}

func TestAlterPipe(t *testing.T) {
	modify := func(kv ...string) *ast.PipeChange { return &ast.PipeChange{Attributes: attrs(kv...)} }
	replace := func(kv ...string) *ast.PipeChange { return &ast.PipeChange{Replace: true, Attributes: attrs(kv...)} }
	runParseCases(t, []parseCase{
		{`ALTER PIPE a2b REPLACE SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='6669')`,
			&ast.AlterPipe{Name: "a2b", Sink: replace("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6669")}},
		{`alter pipe a2b modify processor ('processor'='tumbling-time-sampling-processor',)`,
			&ast.AlterPipe{Name: "a2b", Processor: modify("processor", "tumbling-time-sampling-processor")}},
		{`ALTER PIPE p MODIFY SOURCE ('pattern'='root.a') REPLACE PROCESSOR () MODIFY SINK ('port'=6668)`,
			&ast.AlterPipe{Name: "p", Source: modify("pattern", "root.a"), Processor: replace(), Sink: modify("port", "6668")}},
		{`ALTER PIPE p MODIFY EXTRACTOR ('extractor.pattern'='root.a') REPLACE CONNECTOR ('connector'='do-nothing-sink')`,
			&ast.AlterPipe{Name: "p", Source: modify("extractor.pattern", "root.a"), Sink: replace("connector", "do-nothing-sink")}},
		{`ALTER PIPE IF EXISTS iotdb-kafka MODIFY SINK ('sink.port'='6668')`,
			&ast.AlterPipe{Name: "iotdb-kafka", IfExists: true, Sink: modify("sink.port", "6668")}},
		{`alter pipe if modify sink ()`, &ast.AlterPipe{Name: "if", Sink: modify()}},
		{`ALTER PIPE p`, &ast.AlterPipe{Name: "p"}},
		{`ALTER PIPE p;`, &ast.AlterPipe{Name: "p"}},
	})
}

func TestAlterPipeErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"ALTER PIPE p MODIFY SINK ('sink'='x') MODIFY SOURCE ('pattern'='root')", "line 1:45 MODIFY SOURCE must come before MODIFY SINK"},
		{"ALTER PIPE p MODIFY SINK ('sink'='x') REPLACE CONNECTOR ()", "line 1:46 duplicate REPLACE CONNECTOR clause"},
		{"ALTER PIPE p SET SINK ('sink'='x')", "line 1:13 mismatched input 'SET' expecting {MODIFY, REPLACE, ';'}"},
		{"ALTER PIPE p MODIFY ('sink'='x')", "line 1:20 mismatched input '(' expecting {SOURCE, EXTRACTOR, PROCESSOR, SINK, CONNECTOR}"},
		{"ALTER PIPE p WITH SINK ('sink'='x')", "line 1:13 mismatched input 'WITH' expecting {MODIFY, REPLACE, ';'}"},
		{"ALTER PIPE p MODIFY SINK ('sink'=)", "line 1:33 mismatched input ')' expecting a quoted value"},
		{"ALTER PIPE", "line 1:10 mismatched input '<EOF>' expecting a pipe name"},
	})
}
