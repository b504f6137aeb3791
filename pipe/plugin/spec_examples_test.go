package plugin

import (
	"github.com/sluicedb/sluice/sql/ast"
	"maps"
	"math"
	"testing"
	"time"
)

// The CREATE PIPE statements of SPEC-data-sync.md, attributes as written.

func TestSpecQuickStart(t *testing.T) {
	s, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"sink.ip", "127.0.0.1",
		"sink.port", "6668",
	), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := Source{
		Plugin: SourceIoTDB, Pattern: "root",
		HistoryEnabled: true, RealtimeEnabled: true,
		HistoryStart: math.MinInt64, HistoryEnd: math.MaxInt64,
		Start: math.MinInt64, End: math.MaxInt64,
		ForwardPipeRequests: true, Inclusion: Inclusion{Data: true},
	}
	if s.Source != want {
		t.Errorf("Source = %+v, want %+v", s.Source, want)
	}
	if s.Processor.Plugin != ProcessorDoNothing {
		t.Errorf("Processor = %+v", s.Processor)
	}
	wantSink := map[string]string{"sink": SinkThrift, "sink.ip": "127.0.0.1", "sink.port": "6668"}
	if !maps.Equal(s.Sink, wantSink) {
		t.Errorf("Sink = %v, want %v", s.Sink, wantSink)
	}
	if got := SinkEndpoints(s.Sink); len(got) != 1 || got[0] != "127.0.0.1:6668" {
		t.Errorf("SinkEndpoints = %v", got)
	}
}

func TestSpecFullCreatePipe(t *testing.T) {
	s, err := Parse(
		attrs(
			"source", "iotdb-source",
			"source.pattern", "root.timecho",
			"source.historical.start-time", "2011.12.03T10:15:30+01:00",
			"source.historical.end-time", "2022.12.03T10:15:30+01:00",
		),
		attrs("processor", "do-nothing-processor"),
		attrs(
			"sink", "iotdb-thrift-sink",
			"sink.ip", "127.0.0.1",
			"sink.port", "6667",
		), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	src := s.Source
	if src.Pattern != "root.timecho" {
		t.Errorf("Pattern = %q", src.Pattern)
	}
	if want := ms(2011, 12, 3, 9, 15, 30, 0, time.UTC); src.HistoryStart != want {
		t.Errorf("HistoryStart = %d, want %d", src.HistoryStart, want)
	}
	if want := ms(2022, 12, 3, 9, 15, 30, 0, time.UTC); src.HistoryEnd != want {
		t.Errorf("HistoryEnd = %d, want %d", src.HistoryEnd, want)
	}
	if src.Start != math.MinInt64 || src.End != math.MaxInt64 {
		t.Errorf("Start, End = %d, %d, want the full range", src.Start, src.End)
	}
	if !src.InHistory(src.HistoryStart) || !src.InHistory(src.HistoryEnd) ||
		src.InHistory(src.HistoryStart-1) || src.InHistory(src.HistoryEnd+1) {
		t.Error("history bounds are not inclusive")
	}
	if !src.InRealtime(src.HistoryStart - 1) {
		t.Error("history bounds must not limit the realtime phase")
	}
	if !src.Matches(path(t, "root.timecho.d1.s1")) || src.Matches(path(t, "root.other.d1.s1")) {
		t.Error("pattern root.timecho")
	}
	if s.Processor.Plugin != ProcessorDoNothing || CanonicalSink(s.Sink)["port"] != "6667" {
		t.Errorf("Processor %+v, Sink %v", s.Processor, s.Sink)
	}
}

func TestSpecMinimalCreatePipe(t *testing.T) {
	s, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"sink.ip", "127.0.0.1",
		"sink.port", "6667",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Source.HistoryEnabled || !s.Source.RealtimeEnabled || s.Source.Pattern != "root" {
		t.Errorf("defaults: %+v", s.Source)
	}
}

// pipe1 and pipe2 declare the same sink in a different order: one instance.
func TestSpecSinkReuse(t *testing.T) {
	p1, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"sink.ip", "localhost",
		"sink.port", "9999",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"sink.port", "9999",
		"sink.ip", "localhost",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(p1.Sink, p2.Sink) {
		t.Errorf("pipe1 sink %v != pipe2 sink %v", p1.Sink, p2.Sink)
	}
	// Identical means identical as written, as IoTDB compares the
	// attribute maps: another spelling of a key or of the plugin makes
	// another instance, though it means the same sink.
	for _, other := range [][]ast.Attribute{
		attrs("sink", "iotdb-thrift-async-sink", "sink.ip", "localhost", "sink.port", "9999"),
		attrs("sink", "iotdb-thrift-sink", "ip", "localhost", "sink.port", "9999"),
		attrs("connector", "iotdb-thrift-sink", "connector.ip", "localhost", "connector.port", "9999"),
	} {
		p3, err := Parse(nil, nil, other, nil)
		if err != nil {
			t.Fatal(err)
		}
		if maps.Equal(p1.Sink, p3.Sink) {
			t.Errorf("pipe1 sink %v == %v", p1.Sink, p3.Sink)
		}
		if !maps.Equal(CanonicalSink(p1.Sink), CanonicalSink(p3.Sink)) {
			t.Errorf("canonical %v != %v", CanonicalSink(p1.Sink), CanonicalSink(p3.Sink))
		}
	}
}

// The V1.3.1 note: parameters other than the plugin names need no prefix.
// Its second statement names iotdb-air-gap-sink.
func TestSpecPrefixLessParameters(t *testing.T) {
	a, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"sink.ip", "127.0.0.1",
		"sink.port", "6668",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(nil, nil, attrs(
		"sink", "iotdb-thrift-sink",
		"ip", "127.0.0.1",
		"port", "6668",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(CanonicalSink(a.Sink), CanonicalSink(b.Sink)) {
		t.Errorf("%v != %v", CanonicalSink(a.Sink), CanonicalSink(b.Sink))
	}
	c, err := Parse(nil, nil, attrs(
		"sink", "iotdb-air-gap-sink",
		"ip", "127.0.0.1",
		"port", "6668",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := CanonicalSink(c.Sink); got[SinkKeyPlugin] != SinkAirGap || got[SinkKeyIP] != "127.0.0.1" || got[SinkKeyPort] != "6668" {
		t.Errorf("air-gap example parsed as %v", got)
	}
}

// The plugin tables of the reference, one statement per sink.
func TestSpecSinkTables(t *testing.T) {
	ok := [][]string{
		{"sink", "iotdb-thrift-sync-sink", "sink.ip", "127.0.0.1", "sink.port", "6667"},
		{"sink", "iotdb-thrift-sync-sink", "sink.node-urls", "127.0.0.1:6667,127.0.0.1:6668,127.0.0.1:6669"},
		{"sink", "iotdb-thrift-sync-sink", "sink.node-urls", "127.0.0.1:6667"},
		{"sink", "iotdb-thrift-async-sink", "sink.node-urls", "127.0.0.1:6667,127.0.0.1:6668,127.0.0.1:6669"},
		{"sink", "iotdb-thrift-sink", "sink.node-urls", "127.0.0.1:6667"},
		{"sink", "iotdb-legacy-pipe-sink", "sink.ip", "127.0.0.1", "sink.port", "6667",
			"sink.user", "root", "sink.password", "root", "sink.version", "1.1"},
		{"sink", "do-nothing-sink"},
	}
	for _, kv := range ok {
		if _, err := Parse(nil, nil, attrs(kv...), nil); err != nil {
			t.Errorf("%v: %v", kv, err)
		}
	}
	s, err := Parse(nil, nil, attrs("sink", "iotdb-thrift-sync-sink", "sink.node-urls", "127.0.0.1:6667,127.0.0.1:6668,127.0.0.1:6669"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := SinkEndpoints(s.Sink)
	if len(got) != 3 || got[2] != "127.0.0.1:6669" {
		t.Errorf("SinkEndpoints = %v", got)
	}
}

// The source.pattern section: root.aligned.1 and back-quoted nodes.
func TestSpecPatternExamples(t *testing.T) {
	s, err := Parse(attrs("source.pattern", "root.aligned.1"), nil, minimalSink, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"root.aligned.1TS", "root.aligned.1TS.`1`", "root.aligned.100TS"} {
		if !s.Source.Matches(path(t, p)) {
			t.Errorf("root.aligned.1 must match %s", p)
		}
		if !s.Source.MayMatchDevice(path(t, p)) {
			t.Errorf("root.aligned.1: device %s may match", p)
		}
	}
	for _, p := range []string{"root.aligned.`1`", "root.aligned.`123`"} {
		if s.Source.Matches(path(t, p)) {
			t.Errorf("root.aligned.1 must not match %s", p)
		}
		if s.Source.MayMatchDevice(path(t, p)) {
			t.Errorf("root.aligned.1: device %s cannot match", p)
		}
	}
	for _, pat := range []string{"root.`a@b`", "root.`123`"} {
		s, err := Parse(attrs("source.pattern", pat), nil, minimalSink, nil)
		if err != nil {
			t.Fatalf("%s: %v", pat, err)
		}
		if s.Source.Pattern != pat {
			t.Errorf("Pattern = %q, want %q", s.Source.Pattern, pat)
		}
		if !s.Source.Matches(path(t, pat+".d.s")) {
			t.Errorf("%s must match its own series", pat)
		}
	}
}

// The start-time and end-time forms the reference names.
func TestSpecTimeForms(t *testing.T) {
	zone := time.FixedZone("+08", 8*3600)
	cases := []struct {
		v    string
		want int64
	}{
		{"2011-12-03T10:15:30", ms(2011, 12, 3, 10, 15, 30, 0, zone)},
		{"2011-12-03T10:15:30+01:00", ms(2011, 12, 3, 9, 15, 30, 0, time.UTC)},
		{"1706704494000", 1706704494000},
	}
	for _, c := range cases {
		s, err := Parse(attrs("start-time", c.v, "end-time", c.v), nil, minimalSink, zone)
		if err != nil {
			t.Fatalf("%s: %v", c.v, err)
		}
		if s.Source.Start != c.want || s.Source.End != c.want {
			t.Errorf("%s: Start, End = %d, %d, want %d", c.v, s.Source.Start, s.Source.End, c.want)
		}
	}
}
