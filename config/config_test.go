package config

import (
	"log/slog"
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string // substring of the error; "" for valid
	}{
		{"zero ports pick free ones", func(c *Config) { c.DNRPCPort, c.DNInternalPort, c.CNInternalPort = 0, 0, 0 }, ""},
		{"max port", func(c *Config) { c.DNRPCPort = 65535 }, ""},
		{"port too high", func(c *Config) { c.DNRPCPort = 65536 }, `dn_rpc_port="65536": want a port in 0..65535`},
		{"negative port", func(c *Config) { c.CNConsensusPort = -1 }, `cn_consensus_port="-1"`},
		{"replication", func(c *Config) { c.DataReplicationFactor = 0 }, `data_replication_factor="0"`},
		{"slots", func(c *Config) { c.SeriesSlotNum = 0 }, `series_slot_num="0"`},
		{"region groups", func(c *Config) { c.DataRegionGroupNum = -2 }, `default_data_region_group_num_per_database="-2"`},
		{"frame size", func(c *Config) { c.MaxRequestBytes = 10 }, `thrift_max_frame_size="10": want a number of bytes >= 1024`},
		{"memtable", func(c *Config) { c.MemtableBytes = 0 }, `memtable_size_threshold="0"`},
		{"pipe threads", func(c *Config) { c.PipeSubtaskExecutorMaxThreadNum = 0 }, `pipe_subtask_executor_max_thread_num="0"`},
		{"sink timeout", func(c *Config) { c.PipeSinkTimeoutMS = 0 }, `pipe_sink_timeout_ms="0"`},
		{"snapshot interval", func(c *Config) { c.PipeProgressSnapshotIntervalMS = 0 }, `pipe_progress_snapshot_interval_ms="0"`},
		{"empty address", func(c *Config) { c.DNRPCAddress = "" }, `dn_rpc_address="": want a host name or IP address`},
		{"ipv6 seed", func(c *Config) { c.CNSeedConfigNode = "[::1]:10710" }, ""},
		{"seed without port", func(c *Config) { c.DNSeedConfigNode = "localhost" }, `dn_seed_config_node="localhost"`},
		{"seed port zero", func(c *Config) { c.DNSeedConfigNode = "h:0" }, `want a port in 1..65535`},
		{"empty data dir", func(c *Config) { c.DataDir = " " }, `data_dir=" ": want a directory`},
		{"log level", func(c *Config) { c.LogLevel = "verbose" }, `log_level="verbose"`},
		{"datanode ports collide", func(c *Config) { c.DNMetricsPort = 6667 }, `dn_metrics_port and dn_rpc_port are both 6667`},
		{"confignode ports collide", func(c *Config) { c.CNConsensusPort = 10710 }, `cn_consensus_port and cn_internal_port are both 10710`},
		{"roles may share a port number", func(c *Config) { c.DNInternalPort = 10710 }, ""},
		{"ssl without files", func(c *Config) { c.EnableThriftSSL = true }, "enable_thrift_ssl=true needs thrift_ssl_cert_file and thrift_ssl_key_file"},
		{"ssl files without ssl", func(c *Config) { c.ThriftSSLCertFile, c.ThriftSSLKeyFile = "a.crt", "a.key" }, ""},
		{"ssl", func(c *Config) { c.EnableThriftSSL, c.ThriftSSLCertFile, c.ThriftSSLKeyFile = true, "a.crt", "a.key" }, ""},
		{"air-gap port", func(c *Config) { c.PipeAirGapReceiverPort = 70000 }, `pipe_air_gap_receiver_port="70000": want a port`},
		{"air-gap port on the rpc port", func(c *Config) { c.PipeAirGapReceiverEnabled, c.PipeAirGapReceiverPort = true, 6667 },
			`dn_rpc_port and pipe_air_gap_receiver_port are both 6667`},
		{"air-gap off, its port unused", func(c *Config) { c.PipeAirGapReceiverPort = 6667 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestEffectiveThreads(t *testing.T) {
	tests := []struct{ configured, cpus, want int }{
		{5, 16, 5},
		{5, 4, 2},
		{5, 1, 1},
		{1, 64, 1},
		{0, 8, 1},
	}
	for _, tt := range tests {
		if got := effectiveThreads(tt.configured, tt.cpus); got != tt.want {
			t.Errorf("effectiveThreads(%d, %d) = %d, want %d", tt.configured, tt.cpus, got, tt.want)
		}
	}
	if n := Default().PipeSubtaskExecutorThreads(); n < 1 || n > 5 {
		t.Errorf("PipeSubtaskExecutorThreads = %d", n)
	}
}

func TestSlogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "Warn": slog.LevelWarn, "error": slog.LevelError,
	} {
		if got := (Config{LogLevel: in}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestKeys(t *testing.T) {
	got := Keys()
	if len(got) != len(keys) {
		t.Fatalf("Keys() has %d names, table %d", len(got), len(keys))
	}
	for _, name := range []string{"cn_internal_port", "dn_rpc_port", "pipe_sink_timeout_ms", "data_dir", "log_level"} {
		if byName[name] == nil {
			t.Errorf("key %s missing", name)
		}
	}
	// Every key round-trips its default through its own parser.
	d := Default()
	for _, k := range keys {
		var c Config
		if err := k.set(&c, k.get(&d)); err != nil {
			t.Errorf("%s: default %q refused: %v", k.name, k.get(&d), err)
		}
		if k.get(&c) != k.get(&d) {
			t.Errorf("%s: set(get()) = %q, want %q", k.name, k.get(&c), k.get(&d))
		}
		if k.doc == "" {
			t.Errorf("%s: no doc", k.name)
		}
	}
}
