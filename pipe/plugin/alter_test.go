package plugin

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestAlter(t *testing.T) {
	current := attrs("sink", "iotdb-thrift-sink", "sink.ip", "10.0.0.1", "port", "6667")
	cases := []struct {
		name   string
		stage  Stage
		cur    []ast.Attribute
		change *ast.PipeChange
		want   []ast.Attribute
	}{
		{"absent clause keeps", StageSink, current, nil, current},
		{"empty modify keeps", StageSink, current, &ast.PipeChange{Attributes: attrs()}, current},
		{"modify sets an equivalent key in place", StageSink, current,
			&ast.PipeChange{Attributes: attrs("connector.ip", "10.0.0.2")},
			attrs("sink", "iotdb-thrift-sink", "connector.ip", "10.0.0.2", "port", "6667")},
		{"modify by a prefix-less key", StageSink, current,
			&ast.PipeChange{Attributes: attrs("IP", "10.0.0.3", "sink.port", "6668")},
			attrs("sink", "iotdb-thrift-sink", "IP", "10.0.0.3", "sink.port", "6668")},
		{"modify by an alias", StageSink, current,
			&ast.PipeChange{Attributes: attrs("sink.host", "h")},
			attrs("sink", "iotdb-thrift-sink", "sink.host", "h", "port", "6667")},
		{"modify the plugin key by its old name", StageSink, current,
			&ast.PipeChange{Attributes: attrs("connector", "iotdb-thrift-sync-sink")},
			attrs("connector", "iotdb-thrift-sync-sink", "sink.ip", "10.0.0.1", "port", "6667")},
		{"modify adds a new key last", StageSink, current,
			&ast.PipeChange{Attributes: attrs("sink.batch.enable", "false")},
			attrs("sink", "iotdb-thrift-sink", "sink.ip", "10.0.0.1", "port", "6667", "sink.batch.enable", "false")},
		{"replace puts in place", StageSink, current,
			&ast.PipeChange{Replace: true, Attributes: attrs("sink", "do-nothing-sink")},
			attrs("sink", "do-nothing-sink")},
		{"empty replace clears", StageProcessor, attrs("processor", "tumbling-time-sampling-processor"),
			&ast.PipeChange{Replace: true, Attributes: attrs()}, attrs()},
		{"source aliases and prefixes", StageSource, attrs("source.historical.start-time", "1", "pattern", "root.a"),
			&ast.PipeChange{Attributes: attrs("extractor.history.start-time", "2", "source.pattern", "root.b")},
			attrs("extractor.history.start-time", "2", "source.pattern", "root.b")},
		{"modify into an empty stage", StageProcessor, nil,
			&ast.PipeChange{Attributes: attrs("processor", "changing-value-sampling-processor")},
			attrs("processor", "changing-value-sampling-processor")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := append([]ast.Attribute{}, c.cur...)
			got, err := Alter(c.stage, c.cur, c.change)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if !reflect.DeepEqual(c.cur, before) && !(len(c.cur) == 0 && len(before) == 0) {
				t.Errorf("current modified: %v", c.cur)
			}
		})
	}
}

func TestAlterRefusesDuplicates(t *testing.T) {
	for _, change := range []*ast.PipeChange{
		{Attributes: attrs("sink.ip", "a", "ip", "b")},
		{Replace: true, Attributes: attrs("port", "1", "port", "2")},
		{Attributes: attrs(" ", "x")},
	} {
		_, err := Alter(StageSink, attrs("sink", "do-nothing-sink"), change)
		if err == nil || !strings.HasPrefix(err.Error(), "SINK clause: ") {
			t.Errorf("Alter(%v) = %v, want a SINK clause error", change, err)
		}
	}
}
