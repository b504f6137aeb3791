package plugin

import (
	"strings"
	"testing"
)

func TestShow(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want string
	}{
		{"empty", nil, "{}"},
		{"order written", []string{"sink", "iotdb-thrift-sink", "sink.port", "9999", "sink.ip", "localhost"},
			"{sink=iotdb-thrift-sink, sink.port=9999, sink.ip=localhost}"},
		{"keys lower-cased, values trimmed", []string{" Sink.IP ", " h "}, "{sink.ip=h}"},
		{"passwords masked", []string{"password", "p1", "sink.password", "p2", "connector.password", "p3", "Sink.Password", "p4", "x-password", "p5", "user", "root"},
			"{password=******, sink.password=******, connector.password=******, sink.password=******, x-password=******, user=root}"},
		{"password not suffix", []string{"password.file", "/etc/p"}, "{password.file=/etc/p}"},
		{"trust store password masked", []string{"sink.ssl.trust-store-path", "ca.pem", "sink.ssl.trust-store-pwd", "secret"},
			"{sink.ssl.trust-store-path=ca.pem, sink.ssl.trust-store-pwd=******}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Show(attrs(c.kv...)); got != c.want {
				t.Errorf("Show = %q, want %q", got, c.want)
			}
		})
	}
}

func TestBuiltins(t *testing.T) {
	got := Builtins()
	want := []string{"CHANGING-VALUE-SAMPLING-PROCESSOR", "DO-NOTHING-PROCESSOR", "DO-NOTHING-SINK", "IOTDB-AIR-GAP-SINK", "IOTDB-EXTRACTOR", "IOTDB-LEGACY-PIPE-SINK",
		"IOTDB-SOURCE", "IOTDB-THRIFT-ASYNC-SINK", "IOTDB-THRIFT-SINK", "IOTDB-THRIFT-SSL-SINK", "IOTDB-THRIFT-SYNC-SINK",
		"SDT-SAMPLING-PROCESSOR", "TUMBLING-TIME-SAMPLING-PROCESSOR"}
	if len(got) != len(want) {
		t.Fatalf("Builtins = %+v", got)
	}
	for i, info := range got {
		if info.Name != want[i] || info.Type != "Builtin" || info.PluginJar != "" ||
			!strings.HasPrefix(info.ClassName, "org.apache.iotdb.commons.pipe.plugin.builtin.") {
			t.Errorf("row %d = %+v, want name %s", i, info, want[i])
		}
	}
	// Every listed plugin is accepted by Parse under its name.
	for _, info := range got {
		name := strings.ToLower(info.Name)
		var err error
		switch {
		case strings.HasSuffix(name, "-sink"):
			kv := []string{"sink", name}
			if name != SinkDoNothing {
				kv = append(kv, "ip", "h", "port", "1")
			}
			_, err = Parse(nil, nil, attrs(kv...), nil)
		case strings.HasSuffix(name, "-processor"):
			_, err = Parse(nil, attrs("processor", name), minimalSink, nil)
		default:
			_, err = Parse(attrs("source", name), nil, minimalSink, nil)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
