package sink

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseAttributes(t *testing.T) {
	tests := []struct {
		name    string
		attrs   map[string]string
		plugin  string
		targets []string
		user    string
		wantErr string // substring; empty means success
	}{
		{name: "ip and port", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "127.0.0.1", "port": "6668"},
			plugin: PluginThrift, targets: []string{"127.0.0.1:6668"}, user: "root"},
		{name: "node-urls", attrs: map[string]string{"sink": "iotdb-thrift-sync-sink", "node-urls": " h1:1, h2:2 ,,h1:1"},
			plugin: PluginThriftSync, targets: []string{"h1:1", "h2:2"}, user: "root"},
		{name: "ip plus node-urls merge", attrs: map[string]string{"sink": "iotdb-thrift-async-sink", "ip": "a", "port": "1", "node-urls": "b:2,a:1"},
			plugin: PluginThriftAsync, targets: []string{"a:1", "b:2"}, user: "root"},
		{name: "ipv6 node-url", attrs: map[string]string{"sink": "iotdb-thrift-sink", "node-urls": "[::1]:6667"},
			plugin: PluginThrift, targets: []string{"[::1]:6667"}, user: "root"},
		{name: "ipv6 ip", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "::1", "port": "6667"},
			plugin: PluginThrift, targets: []string{"[::1]:6667"}, user: "root"},
		{name: "username alias", attrs: map[string]string{"sink": "iotdb-legacy-pipe-sink", "ip": "h", "port": "1", "username": "bob"},
			plugin: PluginLegacy, targets: []string{"h:1"}, user: "bob"},
		{name: "connector name", attrs: map[string]string{"connector": "IoTDB-Thrift-Connector", "ip": "h", "port": "1"},
			plugin: PluginThrift, targets: []string{"h:1"}, user: "root"},
		{name: "do-nothing needs no target", attrs: map[string]string{"sink": "do-nothing-sink"}, plugin: PluginDoNothing, user: "root"},

		{name: "missing plugin", attrs: map[string]string{"ip": "h", "port": "1"}, wantErr: "'sink' is missing"},
		{name: "unknown plugin", attrs: map[string]string{"sink": "kafka-sink"}, wantErr: `unknown sink plugin "kafka-sink": known sinks are iotdb-thrift-sink,`},
		{name: "no target", attrs: map[string]string{"sink": "iotdb-thrift-sink"}, wantErr: "no target"},
		{name: "ip without port", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h"}, wantErr: "'port' is missing"},
		{name: "port without ip", attrs: map[string]string{"sink": "iotdb-thrift-sink", "port": "1"}, wantErr: "'ip' is missing"},
		{name: "bad port", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "66a"}, wantErr: `'port' = "66a": not a port number`},
		{name: "port out of range", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "70000"}, wantErr: "not a port number"},
		{name: "port zero", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "0"}, wantErr: "not a port number"},
		{name: "empty ip", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": " ", "port": "1"}, wantErr: "empty host"},
		{name: "empty node-urls", attrs: map[string]string{"sink": "iotdb-thrift-sink", "node-urls": " , "}, wantErr: "lists no node"},
		{name: "node-url without port", attrs: map[string]string{"sink": "iotdb-thrift-sink", "node-urls": "h1"}, wantErr: `entry "h1": want host:port`},
		{name: "node-url bad port", attrs: map[string]string{"sink": "iotdb-thrift-sink", "node-urls": "h1:x"}, wantErr: `entry "h1:x": not a port number`},
		{name: "node-url bare ipv6", attrs: map[string]string{"sink": "iotdb-thrift-sink", "node-urls": "::1:6667"}, wantErr: "want host:port"},
		{name: "user conflict", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "1", "user": "a", "username": "b"}, wantErr: "disagree"},
		{name: "empty user", attrs: map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "1", "user": ""}, wantErr: "'user' is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseAttributes(tt.attrs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.plugin != tt.plugin || !slices.Equal(a.targets, tt.targets) || a.user != tt.user {
				t.Fatalf("got plugin %q targets %q user %q, want %q %q %q", a.plugin, a.targets, a.user, tt.plugin, tt.targets, tt.user)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		attrs    map[string]string
		inFlight int
	}{
		{map[string]string{"sink": "iotdb-thrift-sync-sink", "ip": "h", "port": "1"}, 1},
		{map[string]string{"sink": "iotdb-thrift-sink", "ip": "h", "port": "1"}, 5},
		{map[string]string{"sink": "iotdb-thrift-async-sink", "ip": "h", "port": "1"}, 5},
		{map[string]string{"sink": "iotdb-legacy-pipe-sink", "ip": "h", "port": "1", "version": "0.13"}, 1},
		{map[string]string{"sink": "do-nothing-sink"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.attrs["sink"], func(t *testing.T) {
			s, err := New(tt.attrs, Config{MaxClients: 5}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.InFlight() != tt.inFlight {
				t.Fatalf("InFlight = %d, want %d", s.InFlight(), tt.inFlight)
			}
			if s.TargetClusterID() != "" {
				t.Fatalf("TargetClusterID before any transfer = %q", s.TargetClusterID())
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
	if _, err := New(map[string]string{"sink": "nope"}, Config{}, nil); err == nil {
		t.Fatal("New accepted an unknown plugin")
	}
}

func TestDoNothing(t *testing.T) {
	s, err := New(map[string]string{"sink": "do-nothing-sink"}, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Transfer(t.Context(), testBatch(0)); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseAttributes(f *testing.F) {
	f.Add("iotdb-thrift-sink", "127.0.0.1", "6667", "h1:1,[::1]:2", "root")
	f.Add("iotdb-legacy-pipe-sink", "", "", " , ", "")
	f.Add("do-nothing-sink", "[::1]", "0x10", "::1:6667", "u")
	f.Add("iotdb-air-gap-sink", "127.0.0.1", "6668", "", "root")
	f.Fuzz(func(t *testing.T, plugin, ip, port, urls, user string) {
		attrs := map[string]string{"sink": plugin, "user": user}
		for k, v := range map[string]string{"ip": ip, "port": port, "node-urls": urls} {
			if v != "" {
				attrs[k] = v
			}
		}
		a, err := parseAttributes(attrs)
		if err != nil {
			return
		}
		if a.plugin != PluginDoNothing && len(a.targets) == 0 {
			t.Fatalf("accepted %v without a target", attrs)
		}
		for _, target := range a.targets {
			if _, err := parseNodeURL(target); err != nil {
				t.Fatalf("target %q of %v does not parse back: %v", target, attrs, err)
			}
		}
		if Key(attrs) != Key(maps.Clone(attrs)) {
			t.Fatal("key not deterministic")
		}
	})
}
