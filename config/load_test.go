package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFile writes a properties file into a temporary directory.
func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sluice.properties")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadDefaults(t *testing.T) {
	c, warnings, err := Load("", nil, nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Load: %v, warnings %q", err, warnings)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load with no sources = %+v, want Default()", c)
	}
}

func TestLoadFile(t *testing.T) {
	path := writeFile(t, `# DataNode
dn_rpc_address = 0.0.0.0
dn_rpc_port=6668
dn_seed_config_node=cn1:10710,\
    cn2:10710
enable_auto_create_schema=FALSE
thrift_max_frame_size=1048576
log_level=DEBUG
pipe_lib_dir=ext/my\ pipes
`)
	c, warnings, err := Load(path, nil, nil)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Load: %v, warnings %q", err, warnings)
	}
	want := Default()
	want.DNRPCAddress = "0.0.0.0"
	want.DNRPCPort = 6668
	want.DNSeedConfigNode = "cn1:10710,cn2:10710"
	want.EnableAutoCreateSchema = false
	want.MaxRequestBytes = 1 << 20
	want.LogLevel = "DEBUG"
	want.PipeLibDir = "ext/my pipes"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", c, want)
	}
	if got := c.DNSeeds(); !reflect.DeepEqual(got, []string{"cn1:10710", "cn2:10710"}) {
		t.Errorf("DNSeeds = %q", got)
	}
}

func TestLoadPrecedence(t *testing.T) {
	path := writeFile(t, "dn_rpc_port=1001\ndn_internal_port=1002\ndn_metrics_port=1003\n")
	env := []string{"PATH=/bin", "dn_internal_port=2002", "dn_metrics_port=2003", "DN_RPC_PORT=9999", "odd"}
	flags := map[string]string{"dn_metrics_port": "3003"}
	c, _, err := Load(path, env, flags)
	if err != nil {
		t.Fatal(err)
	}
	got := []int{c.DNRPCPort, c.DNInternalPort, c.DNMetricsPort, c.DNDataRegionConsensusPort}
	if want := []int{1001, 2002, 3003, 10760}; !reflect.DeepEqual(got, want) {
		t.Errorf("ports = %v, want %v (file < env < flag; env names are case-sensitive)", got, want)
	}
}

func TestLoadAliases(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   []string
		flags map[string]string
		check func(Config) bool
	}{
		{"V1.3.0 pipe connector timeout", "pipe_connector_timeout_ms=5000", nil, nil,
			func(c Config) bool { return c.PipeSinkTimeoutMS == 5000 }},
		{"V1.3.0 selector number", "pipe_async_connector_selector_number=7", nil, nil,
			func(c Config) bool { return c.PipeSinkSelectorNumber == 7 }},
		{"V1.3.0 max client number", "pipe_async_connector_max_client_number=9", nil, nil,
			func(c Config) bool { return c.PipeSinkMaxClientNumber == 9 }},
		{"V1.3.0 core client number", "pipe_async_connector_core_client_number=8", nil, nil,
			func(c Config) bool { return c.PipeSinkMaxClientNumber == 8 }},
		{"V1.3.0 core and max client numbers", "pipe_async_connector_core_client_number=8\npipe_async_connector_max_client_number=16", nil, nil,
			func(c Config) bool { return c.PipeSinkMaxClientNumber == 16 }},
		{"dn_data_dirs", "dn_data_dirs=/var/lib/iotdb", nil, nil,
			func(c Config) bool { return c.DataDir == "/var/lib/iotdb" }},
		{"target config node list", "dn_target_config_node_list=cn:10710", nil, nil,
			func(c Config) bool { return c.DNSeedConfigNode == "cn:10710" }},
		{"new name beats alias in one file", "pipe_sink_timeout_ms=1\npipe_connector_timeout_ms=2", nil, nil,
			func(c Config) bool { return c.PipeSinkTimeoutMS == 1 }},
		{"alias in env", "", []string{"pipe_connector_timeout_ms=3"}, nil,
			func(c Config) bool { return c.PipeSinkTimeoutMS == 3 }},
		{"alias in env beats name in file", "pipe_sink_timeout_ms=1", []string{"pipe_connector_timeout_ms=3"}, nil,
			func(c Config) bool { return c.PipeSinkTimeoutMS == 3 }},
		{"alias as flag", "", nil, map[string]string{"dn_data_dirs": "d"},
			func(c Config) bool { return c.DataDir == "d" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := ""
			if tt.file != "" {
				file = writeFile(t, tt.file)
			}
			c, _, err := Load(file, tt.env, tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("Load gave %+v", c)
			}
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	path := writeFile(t, "dn_rpc_port=6668\n\n# comment\nno_such_key=1\n"+
		"pipe_sink_timeout_ms=1\npipe_connector_timeout_ms=2\ndn_rpc_port=6669\n")
	c, warnings, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + `:4: unknown key "no_such_key" ignored`,
		path + ":6: pipe_connector_timeout_ms ignored: pipe_sink_timeout_ms is set at " + path + ":5",
		path + ":1: dn_rpc_port ignored: set again at " + path + ":7",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings =\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	if c.DNRPCPort != 6669 {
		t.Errorf("dn_rpc_port = %d, want the last value 6669", c.DNRPCPort)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   []string
		flags map[string]string
		want  []string // substrings of the error
	}{
		{"not a number in file", "\ndn_rpc_port=abc", nil, nil,
			[]string{`invalid value "abc" for dn_rpc_port (from `, `sluice.properties:2): want a port in 0..65535`}},
		{"port out of range in env", "", []string{"cn_internal_port=70000"}, nil,
			[]string{`invalid value "70000" for cn_internal_port (from env): want a port in 0..65535`}},
		{"bad bool as flag", "", nil, map[string]string{"enable_auto_create_schema": "yes"},
			[]string{`invalid value "yes" for enable_auto_create_schema (from flag): want true or false`}},
		{"alias named as written", "pipe_connector_timeout_ms=0", nil, nil,
			[]string{`invalid value "0" for pipe_connector_timeout_ms (from `, `want an integer in 1..2147483647`}},
		{"replication zero", "data_replication_factor=0", nil, nil,
			[]string{`for data_replication_factor`}},
		{"bad seed", "cn_seed_config_node=cn1", nil, nil,
			[]string{`for cn_seed_config_node`, `"cn1": want host:port`}},
		{"data dir list", "dn_data_dirs=a,b", nil, nil,
			[]string{`for dn_data_dirs`, `lists are not supported`}},
		{"wildcard internal address", "dn_internal_address=0.0.0.0", []string{"cn_internal_address=::"}, nil,
			[]string{`for dn_internal_address`, `for cn_internal_address (from env)`, `not a wildcard`}},
		{"log level", "", []string{"log_level=trace"}, nil,
			[]string{`for log_level (from env): want debug, info, warn or error`}},
		{"all errors reported", "dn_rpc_port=x\ndn_internal_port=y", nil, nil,
			[]string{`for dn_rpc_port`, `for dn_internal_port`}},
		{"unknown flag", "", nil, map[string]string{"rpc_port": "1"},
			[]string{`flag rpc_port: unknown configuration key`}},
		{"ports collide", "dn_rpc_port=10730", nil, nil,
			[]string{`dn_internal_port and dn_rpc_port are both 10730`}},
		{"bad escape", "a=\\uzzzz", nil, nil,
			[]string{`sluice.properties: line 1: malformed \uxxxx escape`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := ""
			if tt.file != "" {
				file = writeFile(t, tt.file)
			}
			_, _, err := Load(file, tt.env, tt.flags)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadErrorTypes(t *testing.T) {
	_, _, err := Load("", []string{"dn_rpc_port=x"}, nil)
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Key != "dn_rpc_port" || ve.Value != "x" || ve.Source != "env" {
		t.Errorf("errors.As(%v, *ValueError) = %+v", err, ve)
	}
	_, _, err = Load("", nil, map[string]string{"nope": "1"})
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown flag: %v is not ErrUnknownKey", err)
	}
	_, _, err = Load(filepath.Join(t.TempDir(), "missing.properties"), nil, nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v is not os.ErrNotExist", err)
	}
}
