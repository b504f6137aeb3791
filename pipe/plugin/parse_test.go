package plugin

import (
	"math"
	"testing"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name               string
		source, proc, sink []ast.Attribute
		want               []string // parts of the message
	}{
		// Clause and key rules.
		{name: "no sink", sink: nil, want: []string{"SINK clause", "needs a SINK clause"}},
		{name: "empty sink", sink: attrs(), want: []string{"SINK clause"}},
		{name: "sink plugin missing", sink: attrs("ip", "h", "port", "1"),
			want: []string{"SINK clause", "'sink' is required", SinkThrift, SinkDoNothing}},
		{name: "unknown sink plugin", sink: attrs("sink", "kafka-sink"),
			want: []string{"SINK clause", "'sink' = 'kafka-sink'", "unknown plugin", SinkLegacy}},
		{name: "websocket sink", sink: attrs("sink", "websocket-sink", "ip", "h", "port", "1"),
			want: []string{"'sink' = 'websocket-sink'", "not supported"}},
		{name: "air-gap key on a thrift sink", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "air-gap.e-language.enable", "true"),
			want: []string{"air-gap.e-language.enable"}},
		{name: "air-gap key misspelt", sink: attrs("sink", "iotdb-air-gap-sink", "ip", "h", "port", "1", "sink.air-gap.e-langauge.enable", "true"),
			want: []string{"unknown key 'sink.air-gap.e-langauge.enable'", "air-gap.e-language.enable"}},
		{name: "air-gap e-language not a bool", sink: attrs("sink", "iotdb-air-gap-sink", "ip", "h", "port", "1", "air-gap.e-language.enable", "sometimes"),
			want: []string{"air-gap.e-language.enable", "sometimes"}},
		{name: "air-gap handshake timeout zero", sink: attrs("sink", "iotdb-air-gap-sink", "ip", "h", "port", "1", "air-gap.handshake-timeout-ms", "0"),
			want: []string{"air-gap.handshake-timeout-ms"}},
		{name: "air-gap handshake timeout past int", sink: attrs("sink", "iotdb-air-gap-sink", "ip", "h", "port", "1", "sink.air-gap.handshake-timeout-ms", "4294967296"),
			want: []string{"'sink.air-gap.handshake-timeout-ms' = '4294967296': at most 2147483647"}},
		{name: "trust store on a plain sink", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "ssl.trust-store-path", "ca.pem"),
			want: []string{"ssl.trust-store-path"}},
		{name: "empty key", sink: attrs("sink", "do-nothing-sink", " ", "x"), want: []string{"SINK clause", "empty key"}},
		{name: "key twice", sink: attrs("sink", "do-nothing-sink", "sink", "do-nothing-sink"),
			want: []string{"SINK clause", "'sink' is given twice"}},
		{name: "key twice, two spellings", sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "h", "ip", "h", "port", "1"),
			want: []string{"SINK clause", "'ip' is given twice (as 'sink.ip' and 'ip')"}},
		{name: "key twice, connector prefix", sink: attrs("sink", "iotdb-thrift-sink", "connector.port", "1", "sink.port", "1", "ip", "h"),
			want: []string{"'port' is given twice (as 'connector.port' and 'sink.port')"}},
		{name: "key twice, case", sink: attrs("sink", "iotdb-thrift-sink", "IP", "h", "ip", "h", "port", "1"),
			want: []string{"'ip' is given twice"}},
		{name: "plugin twice", sink: attrs("sink", "do-nothing-sink", "connector", "do-nothing-sink"),
			want: []string{"'sink' is given twice (as 'sink' and 'connector')"}},
		{name: "user and username", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "user", "a", "sink.username", "a"),
			want: []string{"'user' is given twice (as 'user' and 'sink.username')"}},
		{name: "source twice", source: attrs("source", "iotdb-source", "extractor", "iotdb-extractor"), sink: minimalSink,
			want: []string{"SOURCE clause", "'source' is given twice"}},
		{name: "pattern twice", source: attrs("source.pattern", "root.a", "extractor.pattern", "root.b"), sink: minimalSink,
			want: []string{"SOURCE clause", "'pattern' is given twice (as 'source.pattern' and 'extractor.pattern')"}},
		{name: "history alias twice", source: attrs("history.start-time", "1", "source.historical.start-time", "1"), sink: minimalSink,
			want: []string{"'history.start-time' is given twice"}},

		// Source.
		{name: "unknown source plugin", source: attrs("source", "kafka-source"), sink: minimalSink,
			want: []string{"SOURCE clause", "'source' = 'kafka-source'", "unknown plugin", SourceIoTDB}},
		{name: "do-nothing source", source: attrs("extractor", "do-nothing-extractor"), sink: minimalSink,
			want: []string{"'extractor' = 'do-nothing-extractor'", "not supported"}},
		{name: "unknown source key", source: attrs("source.patern", "root"), sink: minimalSink,
			want: []string{"SOURCE clause", "unknown key 'source.patern'", "pattern"}},
		{name: "unknown source keys", source: attrs("a", "1", "source.pattern", "root", "extractor.b", "2"), sink: minimalSink,
			want: []string{"unknown keys 'a', 'extractor.b'"}},
		{name: "sink key in source", source: attrs("sink.ip", "h"), sink: minimalSink,
			want: []string{"SOURCE clause", "unknown key 'sink.ip'"}},
		{name: "source.source", source: attrs("source.source", "iotdb-source"), sink: minimalSink,
			want: []string{"unknown key 'source.source'"}},
		{name: "bad bool", source: attrs("history.enable", "yes"), sink: minimalSink,
			want: []string{"SOURCE clause", "'history.enable' = 'yes'", "true or false"}},
		{name: "bad realtime bool", source: attrs("source.realtime.enable", "1"), sink: minimalSink,
			want: []string{"'source.realtime.enable' = '1'"}},
		{name: "bad forwarding bool", source: attrs("forwarding-pipe-requests", ""), sink: minimalSink,
			want: []string{"'forwarding-pipe-requests' = ''"}},
		{name: "misspelt source key suggested", source: attrs("source.history.loose-rang", "time"), sink: minimalSink,
			want: []string{"(did you mean 'source.history.loose-range'?)"}},
		{name: "bad loose range", source: attrs("source.realtime.loose-range", "time,space"), sink: minimalSink,
			want: []string{"'source.realtime.loose-range' = 'time,space'", "time, path, all"}},
		{name: "bad realtime mode", source: attrs("realtime.mode", "stream-ish"), sink: minimalSink,
			want: []string{"'realtime.mode' = 'stream-ish'", "hybrid, log, file, forced-log"}},
		{name: "bad time", source: attrs("source.start-time", "yesterday"), sink: minimalSink,
			want: []string{"SOURCE clause", "'source.start-time' = 'yesterday'", "epoch milliseconds"}},
		{name: "bad date", source: attrs("history.end-time", "2011-02-30T00:00:00"), sink: minimalSink,
			want: []string{"'history.end-time' = '2011-02-30T00:00:00'"}},
		{name: "overridden history still checked", source: attrs("start-time", "1", "history.start-time", "x"), sink: minimalSink,
			want: []string{"'history.start-time' = 'x'"}},
		{name: "start after end", source: attrs("start-time", "2", "end-time", "1"), sink: minimalSink,
			want: []string{"SOURCE clause", "'start-time' (2) is after 'end-time' (1)"}},
		{name: "history start after end", source: attrs("history.start-time", "2011-12-04T00:00:00Z", "extractor.history.end-time", "2011-12-03T00:00:00Z"), sink: minimalSink,
			want: []string{"'history.start-time'", "is after 'extractor.history.end-time'"}},
		{name: "historical start after end", source: attrs("source.historical.start-time", "5", "source.historical.end-time", "4"), sink: minimalSink,
			want: []string{"'source.historical.start-time' (5) is after 'source.historical.end-time' (4)"}},
		{name: "pattern not root", source: attrs("pattern", "sg.d"), sink: minimalSink,
			want: []string{"SOURCE clause", "'pattern' = 'sg.d'", "root"}},
		{name: "pattern empty", source: attrs("pattern", ""), sink: minimalSink, want: []string{"'pattern' = ''", "empty pattern"}},
		{name: "pattern unterminated quote", source: attrs("pattern", "root.`a@b"), sink: minimalSink,
			want: []string{"'pattern' = 'root.`a@b'", "unterminated back-quote"}},
		{name: "pattern quote inside node", source: attrs("pattern", "root.a`b`"), sink: minimalSink,
			want: []string{"unexpected back-quote"}},
		{name: "pattern text after quote", source: attrs("pattern", "root.`a`b"), sink: minimalSink,
			want: []string{"after back-quoted node"}},
		{name: "pattern empty quoted", source: attrs("pattern", "root.``.a"), sink: minimalSink,
			want: []string{"'pattern' = 'root.``.a'"}},
		{name: "pattern needs quotes", source: attrs("pattern", "root.a@b"), sink: minimalSink,
			want: []string{"node \"a@b\" must be back-quoted"}},
		{name: "pattern inner digits", source: attrs("pattern", "root.1.a"), sink: minimalSink,
			want: []string{"\"1\" must be back-quoted"}},
		{name: "pattern empty node", source: attrs("pattern", "root..a"), sink: minimalSink,
			want: []string{"'pattern' = 'root..a'"}},
		{name: "pattern wildcard", source: attrs("pattern", "root.**"), sink: minimalSink,
			want: []string{"wildcards are not allowed"}},
		{name: "pattern inner wildcard", source: attrs("pattern", "root.*.a"), sink: minimalSink,
			want: []string{"wildcards are not allowed"}},

		// Processor.
		{name: "unknown processor", proc: attrs("processor", "my-processor"), sink: minimalSink,
			want: []string{"PROCESSOR clause", "'processor' = 'my-processor'", "do-nothing-processor"}},
		{name: "aggregate processor", proc: attrs("processor", "aggregate-processor"), sink: minimalSink,
			want: []string{"PROCESSOR clause", "not supported", ProcessorSDT}},
		{name: "processor key", proc: attrs("processor", "do-nothing-processor", "processor.x", "1"), sink: minimalSink,
			want: []string{"PROCESSOR clause", "do-nothing-processor takes no parameters, got 'processor.x'"}},
		{name: "processor.processor", proc: attrs("processor.processor", "do-nothing-processor"), sink: minimalSink,
			want: []string{"PROCESSOR clause", "'processor.processor'"}},

		// Sink.
		{name: "no target", sink: attrs("sink", "iotdb-thrift-sink"),
			want: []string{"SINK clause", "give 'ip' and 'port', or 'node-urls'"}},
		{name: "legacy no target", sink: attrs("sink", "iotdb-legacy-pipe-sink", "user", "u"),
			want: []string{"SINK clause", "iotdb-legacy-pipe-sink requires 'ip' and 'port'"}},
		{name: "legacy node-urls alone", sink: attrs("sink", "iotdb-legacy-pipe-sink", "sink.node-urls", "h:1,g:2"),
			want: []string{"SINK clause", "iotdb-legacy-pipe-sink requires 'ip' and 'port'", "'node-urls' alone is not enough"}},
		{name: "legacy port alone", sink: attrs("sink", "iotdb-legacy-pipe-sink", "port", "1"),
			want: []string{"iotdb-legacy-pipe-sink requires 'ip' and 'port'"}},
		{name: "legacy bad version", sink: attrs("sink", "iotdb-legacy-pipe-sink", "ip", "h", "port", "1", "sink.version", "latest"),
			want: []string{"'sink.version' = 'latest'", "release number such as 1.1"}},
		{name: "legacy version not numeric", sink: attrs("sink", "iotdb-legacy-pipe-sink", "ip", "h", "port", "1", "version", "1.x"),
			want: []string{"'version' = '1.x'"}},
		{name: "ip without port", sink: attrs("sink", "iotdb-thrift-sink", "sink.ip", "h"),
			want: []string{"'sink.ip' needs 'port' too"}},
		{name: "port without ip", sink: attrs("sink", "iotdb-thrift-sink", "port", "1", "node-urls", "h:1"),
			want: []string{"'port' needs 'ip' too"}},
		{name: "port zero", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "0"),
			want: []string{"SINK clause", "'port' = '0'", "1..65535"}},
		{name: "port big", sink: attrs("sink", "iotdb-thrift-sync-sink", "ip", "h", "sink.port", "65536"),
			want: []string{"'sink.port' = '65536'"}},
		{name: "port text", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "x"),
			want: []string{"'port' = 'x'"}},
		{name: "ip empty", sink: attrs("sink", "iotdb-thrift-sink", "ip", "", "port", "1"),
			want: []string{"'ip' = ''", "host name"}},
		{name: "ip with space", sink: attrs("sink", "iotdb-thrift-sink", "ip", "a b", "port", "1"),
			want: []string{"'ip' = 'a b'"}},
		{name: "node-urls no port", sink: attrs("sink", "iotdb-thrift-sink", "node-urls", "127.0.0.1"),
			want: []string{"SINK clause", "'node-urls' = '127.0.0.1'", "host:port"}},
		{name: "node-urls bare ipv6", sink: attrs("sink", "iotdb-thrift-sink", "node-urls", "::1:6667"),
			want: []string{"[::1]:6667"}},
		{name: "node-urls bad port", sink: attrs("sink", "iotdb-thrift-sink", "node-urls", "a:1,b:0"),
			want: []string{"\"b:0\"", "1..65535"}},
		{name: "node-urls empty", sink: attrs("sink", "iotdb-thrift-sink", "node-urls", " , "),
			want: []string{"no address"}},
		{name: "unknown sink key", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "sink.timeout", "5"),
			want: []string{"SINK clause", "unknown key 'sink.timeout' for iotdb-thrift-sink"}},
		{name: "misspelt sink key suggested", sink: attrs("sink", "iotdb-thrift-sink", "sink.ip-adress", "h", "sink.port", "1"),
			want: []string{"unknown key 'sink.ip-adress' (did you mean 'sink.ip'?)"}},
		{name: "misspelt rate limit suggested", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "connector.rate-limit-bytes-per-secnd", "5"),
			want: []string{"(did you mean 'connector.rate-limit-bytes-per-second'?)"}},
		{name: "bad rate limit", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "rate-limit-bytes-per-second", "-1"),
			want: []string{"'rate-limit-bytes-per-second' = '-1'", "at least 0"}},
		{name: "bad load balance", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "load-balance-strategy", "fastest"),
			want: []string{"'load-balance-strategy' = 'fastest'", "round-robin, random, priority"}},
		{name: "bad conflict strategy", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "sink.exception.conflict.resolve-strategy", "panic"),
			want: []string{"retry, ignore"}},
		{name: "bad parallel tasks", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "parallel.tasks", "0"),
			want: []string{"'parallel.tasks' = '0'", "at least 1"}},
		{name: "bad leader cache", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "leader-cache.enable", "maybe"),
			want: []string{"'leader-cache.enable' = 'maybe'", "true or false"}},
		{name: "host and ip", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "host", "h", "port", "1"),
			want: []string{"'ip' is given twice (as 'ip' and 'host')"}},
		{name: "far key not suggested", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "zzzzzzzz", "1"),
			want: []string{"unknown key 'zzzzzzzz' for"}},
		{name: "version not legacy", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "version", "1.1"),
			want: []string{"unknown key 'version'"}},
		{name: "do-nothing with keys", sink: attrs("sink", "do-nothing-sink", "ip", "h", "sink.port", "1"),
			want: []string{"SINK clause", "do-nothing-sink takes no parameters, got 'ip', 'sink.port'"}},
		{name: "empty user", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "username", ""),
			want: []string{"'username' is empty"}},
		{name: "empty version", sink: attrs("sink", "iotdb-legacy-pipe-sink", "ip", "h", "port", "1", "version", " "),
			want: []string{"'version' is empty"}},
		{name: "batch bool", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "batch.enable", "on"),
			want: []string{"'batch.enable' = 'on'", "true or false"}},
		{name: "batch delay", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "sink.batch.max-delay-seconds", "-1"),
			want: []string{"'sink.batch.max-delay-seconds' = '-1'", "at least 0"}},
		{name: "batch size", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", "connector.batch.size-bytes", "1k"),
			want: []string{"'connector.batch.size-bytes' = '1k'", "integer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.source, c.proc, c.sink, time.UTC)
			wantPipeError(t, err, c.want...)
		})
	}
}

func TestParseAccepts(t *testing.T) {
	cases := []struct {
		name               string
		source, proc, sink []ast.Attribute
		check              func(t *testing.T, s Spec)
	}{
		{name: "extractor alias and prefix", source: attrs("extractor", "iotdb-extractor", "extractor.pattern", "root.sg"), sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				if s.Source.Plugin != SourceIoTDB || s.Source.Pattern != "root.sg" {
					t.Errorf("%+v", s.Source)
				}
			}},
		{name: "keys case-insensitive, values trimmed", source: attrs(" Source.PATTERN ", " root.sg ", "SOURCE", " IoTDB-Source "),
			sink: attrs("SINK", "IOTDB-THRIFT-SINK", "Sink.IP", " h ", "PORT", " 6667 "),
			check: func(t *testing.T, s Spec) {
				if s.Source.Pattern != "root.sg" || CanonicalSink(s.Sink)["ip"] != "h" || CanonicalSink(s.Sink)["port"] != "6667" || CanonicalSink(s.Sink)["sink"] != SinkThrift {
					t.Errorf("%+v %v", s.Source, s.Sink)
				}
			}},
		{name: "switches", source: attrs("history.enable", "false", "source.realtime.enable", "TRUE", "forwarding-pipe-requests", "False", "realtime.mode", "Forced-Log"),
			sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				src := s.Source
				if src.HistoryEnabled || !src.RealtimeEnabled || src.ForwardPipeRequests {
					t.Errorf("%+v", src)
				}
				if src.InHistory(0) || !src.InRealtime(0) {
					t.Error("InHistory/InRealtime ignore the switches")
				}
			}},
		{name: "realtime modes", source: attrs("realtime.mode", "hybrid"), sink: minimalSink},
		{name: "realtime log", source: attrs("extractor.realtime.mode", "log"), sink: minimalSink},
		{name: "realtime file", source: attrs("source.realtime.mode", "file"), sink: minimalSink},
		{name: "start-time overrides history", source: attrs("history.start-time", "100", "history.end-time", "50", "start-time", "10"), sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				src := s.Source
				if src.Start != 10 || src.End != math.MaxInt64 || src.HistoryStart != math.MinInt64 || src.HistoryEnd != math.MaxInt64 {
					t.Errorf("%+v", src)
				}
				if !src.InHistory(10) || src.InHistory(9) || !src.InRealtime(math.MaxInt64) || src.InRealtime(9) {
					t.Error("start-time must bound both phases, inclusive")
				}
			}},
		{name: "end-time alone overrides history", source: attrs("source.end-time", "-5", "history.start-time", "0"), sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				if s.Source.End != -5 || s.Source.HistoryStart != math.MinInt64 || !s.Source.InHistory(-10) {
					t.Errorf("%+v", s.Source)
				}
			}},
		{name: "history only", source: attrs("history.start-time", "-100", "history.end-time", "100"), sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				src := s.Source
				if !src.InHistory(-100) || !src.InHistory(100) || src.InHistory(101) || !src.InRealtime(101) {
					t.Errorf("%+v", src)
				}
			}},
		{name: "equal bounds", source: attrs("start-time", "7", "end-time", "7"), sink: minimalSink},
		{name: "processor prefix-less default", proc: attrs(), sink: minimalSink,
			check: func(t *testing.T, s Spec) {
				if s.Processor != (Processor{Plugin: ProcessorDoNothing}) || s.Processor.Sampling() {
					t.Errorf("%+v", s.Processor)
				}
			}},
		{name: "processor upper case", proc: attrs("PROCESSOR", "Do-Nothing-Processor"), sink: minimalSink},
		{name: "connector names", sink: attrs("connector", "iotdb-thrift-sync-connector", "connector.node-urls", "[::1]:6667, h:1,"),
			check: func(t *testing.T, s Spec) {
				if CanonicalSink(s.Sink)["sink"] != SinkThriftSync || CanonicalSink(s.Sink)["node-urls"] != "[::1]:6667, h:1," {
					t.Errorf("%v", s.Sink)
				}
				if got := SinkEndpoints(s.Sink); len(got) != 2 || got[0] != "[::1]:6667" || got[1] != "h:1" {
					t.Errorf("SinkEndpoints = %q", got)
				}
			}},
		{name: "legacy connector", sink: attrs("connector", "iotdb-legacy-pipe-connector", "ip", "h", "port", "1", "username", "u", "password", " p ", "version", "0.13"),
			check: func(t *testing.T, s Spec) {
				want := map[string]string{"sink": SinkLegacy, "ip": "h", "port": "1", "user": "u", "password": "p", "version": "0.13"}
				for k, v := range want {
					if CanonicalSink(s.Sink)[k] != v {
						t.Errorf("Sink[%q] = %q, want %q", k, CanonicalSink(s.Sink)[k], v)
					}
				}
			}},
		{name: "ip and node-urls merged", sink: attrs("sink", "iotdb-thrift-sink", "ip", "::1", "port", "1", "node-urls", "[::1]:1,b:2"),
			check: func(t *testing.T, s Spec) {
				if got := SinkEndpoints(s.Sink); len(got) != 2 || got[0] != "[::1]:1" || got[1] != "b:2" {
					t.Errorf("SinkEndpoints = %q", got)
				}
			}},
		{name: "batch options", sink: attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "65535",
			"batch.enable", "false", "batch.max-delay-seconds", "0", "batch.size-bytes", "16777216")},
		{name: "do-nothing connector", sink: attrs("connector", "do-nothing-connector"),
			check: func(t *testing.T, s Spec) {
				if len(s.Sink) != 1 || CanonicalSink(s.Sink)["sink"] != SinkDoNothing {
					t.Errorf("%v", s.Sink)
				}
				if len(SinkEndpoints(s.Sink)) != 0 {
					t.Error("do-nothing-sink has no endpoints")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.source, c.proc, c.sink, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, s)
			}
		})
	}
}

// TestParseIoTDBParameters parses a CREATE PIPE carrying the IoTDB 1.3.x
// parameters of the shipped plugins, prefixed both ways.
func TestParseIoTDBParameters(t *testing.T) {
	for _, pre := range []struct{ source, sink string }{{"source.", "sink."}, {"extractor.", "connector."}} {
		source := attrs(pre.source+"pattern", "root.a", pre.source+"history.enable", "true",
			pre.source+"history.start-time", "0", pre.source+"history.end-time", "10",
			pre.source+"realtime.enable", "true", pre.source+"realtime.mode", "hybrid",
			pre.source+"forwarding-pipe-requests", "false",
			pre.source+"history.loose-range", "time,path", pre.source+"realtime.loose-range", "")
		sink := attrs(pre.sink[:len(pre.sink)-1], "iotdb-thrift-sink", pre.sink+"host", "127.0.0.1", pre.sink+"port", "6667",
			pre.sink+"node-urls", "127.0.0.1:6668", pre.sink+"username", "u", pre.sink+"password", "p",
			pre.sink+"batch.enable", "true", pre.sink+"batch.max-delay-seconds", "1", pre.sink+"batch.size-bytes", "16777216",
			pre.sink+"rate-limit-bytes-per-second", "1000", pre.sink+"parallel.tasks", "4",
			pre.sink+"leader-cache.enable", "false", pre.sink+"load-balance-strategy", "random",
			pre.sink+"exception.conflict.resolve-strategy", "retry", pre.sink+"exception.conflict.retry-max-time-seconds", "60",
			pre.sink+"exception.conflict.record-ignored-data", "true", pre.sink+"exception.others.retry-max-time-seconds", "-1",
			pre.sink+"exception.others.record-ignored-data", "false")
		spec, err := Parse(source, attrs("processor", "do-nothing-processor"), sink, nil)
		if err != nil {
			t.Fatalf("%s/%s: %v", pre.source, pre.sink, err)
		}
		if c := CanonicalSink(spec.Sink); c[SinkKeyIP] != "127.0.0.1" || c[SinkKeyRateLimit] != "1000" {
			t.Errorf("%s: sink = %v", pre.sink, spec.Sink)
		}
	}
}

func TestParseLegacySink(t *testing.T) {
	spec, err := Parse(nil, nil, attrs("sink", "iotdb-legacy-pipe-sink", "sink.ip", "h", "sink.port", "6667",
		"sink.node-urls", "g:6667", "sink.version", "1.1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := SinkEndpoints(spec.Sink); len(got) != 2 || got[0] != "h:6667" || got[1] != "g:6667" {
		t.Errorf("endpoints %q, want ip:port first, then node-urls", got)
	}
	if v := CanonicalSink(spec.Sink)[SinkKeyVersion]; v != "1.1" {
		t.Errorf("version %q", v)
	}
}
