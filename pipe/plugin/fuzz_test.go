package plugin

import (
	"errors"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// FuzzParse feeds key-value pairs to one clause (chosen by which) and checks
// that Parse never panics, fails only with PipeError, and that what it
// accepts is consistent. The pattern checks also take v1 as a pattern and
// v2 as a series.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		which                  uint8
		k1, v1, k2, v2, k3, v3 string
	}{
		{0, "source.pattern", "root.aligned.1", "source.historical.start-time", "2011.12.03T10:15:30+01:00", "source.historical.end-time", "2022.12.03T10:15:30+01:00"},
		{0, "pattern", "root.`a@b`", "start-time", "1706704494000", "end-time", "2011-12-03T10:15:30"},
		{0, "extractor", "iotdb-extractor", "history.enable", "false", "realtime.mode", "forced-log"},
		{0, "pattern", "root.sg.", "start-time", "2", "end-time", "1"},
		{0, "pattern", "root.`a``b`.c", "x", "root.`a``b`.c.d", "forwarding-pipe-requests", "TRUE"},
		{0, "source.pattern", "root.`a", "pattern", "root", "", ""},
		{0, "source.inclusion", "data.insert, schema", "source.inclusion.exclusion", "schema.timeseries.ordinary.alter", "", ""},
		{0, "inclusion", "all", "extractor.inclusion.exclusion", "auth,data.delet", "", ""},
		{1, "processor", "do-nothing-processor", "processor.x", "1", "", ""},
		{1, "processor", "sdt-sampling-processor", "processor.sdt.compression-deviation", "0.5", "sdt.max-time-interval", "10"},
		{1, "processor", "changing-value-sampling-processor", "changing-value.min-time-interval", "9", "changing-value.max-time-interval", "3"},
		{1, "processor", "tumbling-time-sampling-processor", "processor.tumbling-time.interval-seconds", "9223372036854775807", "down-sampling.split-file", "true"},
		{2, "sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6668"},
		{2, "sink", "iotdb-air-gap-sink", "ip", "127.0.0.1", "port", "6668"},
		{2, "connector", "iotdb-thrift-sync-connector", "node-urls", "[::1]:6667,h:1", "user", "u"},
		{2, "sink", "iotdb-legacy-pipe-sink", "ip", "h", "port", "65536"},
		{2, "sink", "iotdb-thrift-sink", "sink.ip", "h", "ip", "h"},
		{2, "SINK", "Do-Nothing-Sink", "password", "secret", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.which, s.k1, s.v1, s.k2, s.v2, s.k3, s.v3)
	}
	f.Fuzz(func(t *testing.T, which uint8, k1, v1, k2, v2, k3, v3 string) {
		kv := []ast.Attribute{{Key: k1, Value: v1}, {Key: k2, Value: v2}, {Key: k3, Value: v3}}
		var src, proc, snk []ast.Attribute
		switch which % 3 {
		case 0:
			src, snk = kv, minimalSink
		case 1:
			proc, snk = kv, minimalSink
		default:
			snk = kv
		}
		_ = Show(kv)
		spec, err := Parse(src, proc, snk, time.UTC)
		if err != nil {
			var se *status.Error
			if !errors.As(err, &se) || se.Code != status.PipeError {
				t.Fatalf("error %q is not a PipeError", err)
			}
		} else {
			checkSpec(t, spec)
		}
		if pat, err := parsePattern(v1); err == nil {
			if again, err := parsePattern(pat); err != nil || again != pat {
				t.Fatalf("pattern %q -> %q -> %q, %v", v1, pat, again, err)
			}
			if series, err := model.ParseFullPath(v2); err == nil {
				checkMatching(t, Source{Pattern: pat}, series)
			}
		}
	})
}

func checkSpec(t *testing.T, s Spec) {
	t.Helper()
	if _, ok := lookup(sinks, CanonicalSink(s.Sink)["sink"]); !ok || s.Source.Plugin != SourceIoTDB {
		t.Fatalf("plugins: %+v", s)
	}
	if _, ok := lookup(processors, s.Processor.Plugin); !ok {
		t.Fatalf("processor: %+v", s.Processor)
	}
	if p := s.Processor; p.Sampling() && (p.Deviation < 0 || p.MinInterval < 0 || p.MinInterval > p.MaxInterval || p.MemoryLimitBytes < 1 ||
		p.Plugin == ProcessorTumblingTime && p.IntervalMillis < 1000) {
		t.Fatalf("processor parameters out of range: %+v", p)
	}
	if s.Source.Start > s.Source.End || s.Source.HistoryStart > s.Source.HistoryEnd {
		t.Fatalf("inverted range: %+v", s.Source)
	}
	if p, err := parsePattern(s.Source.Pattern); err != nil || p != s.Source.Pattern {
		t.Fatalf("pattern %q not canonical: %q, %v", s.Source.Pattern, p, err)
	}
}

// checkMatching checks the pruning helpers against Matches for series and
// its prefixes.
func checkMatching(t *testing.T, s Source, series model.Path) {
	t.Helper()
	m := s.Matches(series)
	if len(series) >= 2 && m && !s.MayMatchDevice(series.Parent()) {
		t.Fatalf("pattern %q matches %s but not its device", s.Pattern, series)
	}
	for i := 1; i < len(series); i++ {
		prefix := series[:i]
		if m && !s.MayMatchBelow(prefix) {
			t.Fatalf("pattern %q matches %s but MayMatchBelow(%s) is false", s.Pattern, series, prefix)
		}
		if s.Covers(prefix) && !m {
			t.Fatalf("pattern %q covers %s but does not match %s", s.Pattern, prefix, series)
		}
	}
}
