package config

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
)

// Config is the configuration of a node. Each field is set by the key named
// in its comment (IoTDB's name where IoTDB has one); docs/configuration.md
// lists them all with their meaning.
type Config struct {
	// ConfigNode

	// CNInternalAddress is cn_internal_address, default "": the address
	// other nodes dial. CNInternalAdvertised gives the value in effect.
	CNInternalAddress string
	// CNInternalBindAddress is cn_internal_bind_address, default "": the
	// address the internal and consensus listeners bind. CNInternalBind
	// gives the value in effect.
	CNInternalBindAddress string
	// CNInternalPort is cn_internal_port, default 10710.
	CNInternalPort int
	// CNConsensusPort is cn_consensus_port, default 10720.
	CNConsensusPort int
	// CNSeedConfigNode is cn_seed_config_node, default 127.0.0.1:10710.
	CNSeedConfigNode string
	// CNMetricsPort is cn_metrics_port, default 9091.
	CNMetricsPort int
	// CNMetricsAddress is cn_metrics_address, default "": the address the
	// metrics and health listener binds. CNMetricsBind gives the value in
	// effect.
	CNMetricsAddress string

	// DataNode

	// DNRPCAddress is dn_rpc_address, default 127.0.0.1.
	DNRPCAddress string
	// DNRPCPort is dn_rpc_port, default 6667.
	DNRPCPort int
	// DNRPCAdvertisedAddress is dn_rpc_advertised_address, default "": the
	// client endpoint's host as clients are told it. DNRPCAdvertised gives
	// the endpoint in effect.
	DNRPCAdvertisedAddress string
	// DNRPCAdvertisedPort is dn_rpc_advertised_port, default 0 (the
	// client port itself).
	DNRPCAdvertisedPort int
	// DNInternalAddress is dn_internal_address, default "": the address
	// other nodes dial. DNInternalAdvertised gives the value in effect.
	DNInternalAddress string
	// DNInternalBindAddress is dn_internal_bind_address, default "": the
	// address the internal and consensus listeners bind. DNInternalBind
	// gives the value in effect.
	DNInternalBindAddress string
	// DNInternalPort is dn_internal_port, default 10730.
	DNInternalPort int
	// DNDataRegionConsensusPort is dn_data_region_consensus_port, default 10760.
	DNDataRegionConsensusPort int
	// DNSeedConfigNode is dn_seed_config_node, default 127.0.0.1:10710.
	DNSeedConfigNode string
	// DNMetricsPort is dn_metrics_port, default 9092.
	DNMetricsPort int
	// EnablePprof is enable_pprof, default true: the metrics listeners
	// also serve Go's profiles at /debug/pprof/.
	EnablePprof bool
	// DNMetricsAddress is dn_metrics_address, default "": the address the
	// metrics and health listener binds. DNMetricsBind gives the value in
	// effect.
	DNMetricsAddress string

	// Cluster-wide

	// DataDir is data_dir (alias dn_data_dirs), default ./data.
	DataDir string
	// DataReplicationFactor is data_replication_factor, default 1.
	DataReplicationFactor int
	// SeriesSlotNum is series_slot_num, default 1000.
	SeriesSlotNum int
	// DataRegionGroupNum is default_data_region_group_num_per_database,
	// default 2.
	DataRegionGroupNum int
	// EnableAutoCreateSchema is enable_auto_create_schema, default true.
	EnableAutoCreateSchema bool
	// MaxRequestBytes is thrift_max_frame_size, default 268435456.
	MaxRequestBytes int64
	// DNRPCMaxConcurrentClientNum is dn_rpc_max_concurrent_client_num,
	// default 4096.
	DNRPCMaxConcurrentClientNum int
	// DNRPCPreLoginMaxFrameSize is dn_rpc_prelogin_max_frame_size, default
	// 65536.
	DNRPCPreLoginMaxFrameSize int64
	// DNRPCLoginTimeoutMS is dn_rpc_login_timeout_ms, default 10000.
	DNRPCLoginTimeoutMS int
	// MemtableBytes is memtable_size_threshold, default 67108864.
	MemtableBytes int64
	// DataDirReserveBytes is data_dir_reserve_bytes, default 0 (5% of the
	// file system, at least 32 MiB and at most 1 GiB).
	DataDirReserveBytes int64

	// Pipes

	// PipeSubtaskExecutorMaxThreadNum is pipe_subtask_executor_max_thread_num,
	// default 5. PipeSubtaskExecutorThreads gives the number in effect.
	PipeSubtaskExecutorMaxThreadNum int
	// PipeSinkTimeoutMS is pipe_sink_timeout_ms (alias
	// pipe_connector_timeout_ms), default 900000.
	PipeSinkTimeoutMS int
	// PipeSinkSelectorNumber is pipe_sink_selector_number (alias
	// pipe_async_connector_selector_number), default 4.
	PipeSinkSelectorNumber int
	// PipeSinkMaxClientNumber is pipe_sink_max_client_number (alias
	// pipe_async_connector_max_client_number), default 16.
	PipeSinkMaxClientNumber int
	// PipeLibDir is pipe_lib_dir, default ext/pipe.
	PipeLibDir string
	// PipeProgressSnapshotIntervalMS is pipe_progress_snapshot_interval_ms,
	// default 1000.
	PipeProgressSnapshotIntervalMS int
	// PipePinnedLogMaxBytes is pipe_pinned_log_max_bytes, default 1 GiB.
	PipePinnedLogMaxBytes int64
	// PipeReceiverMaxDecompressedBytes is
	// pipe_receiver_max_decompressed_bytes, default 128 MiB.
	PipeReceiverMaxDecompressedBytes int64
	// PipeAirGapReceiverEnabled is pipe_air_gap_receiver_enabled, default
	// false.
	PipeAirGapReceiverEnabled bool
	// PipeAirGapReceiverPort is pipe_air_gap_receiver_port, default 9780
	// (IoTDB's).
	PipeAirGapReceiverPort int

	// Security

	// ClusterCertsDir is cluster_certs_dir, default empty.
	ClusterCertsDir string
	// ClusterInsecure is cluster_insecure, default false.
	ClusterInsecure bool
	// EnableThriftSSL is enable_thrift_ssl, default false.
	EnableThriftSSL bool
	// ThriftSSLCertFile is thrift_ssl_cert_file, default empty.
	ThriftSSLCertFile string
	// ThriftSSLKeyFile is thrift_ssl_key_file, default empty.
	ThriftSSLKeyFile string

	// Logging

	// LogLevel is log_level: debug, info, warn or error; default info.
	LogLevel string
}

// Default returns the configuration with every key at its default.
func Default() Config {
	return Config{
		CNInternalPort:   10710,
		CNConsensusPort:  10720,
		CNSeedConfigNode: "127.0.0.1:10710",
		CNMetricsPort:    9091,

		DNRPCAddress:              "127.0.0.1",
		DNRPCPort:                 6667,
		DNInternalPort:            10730,
		DNDataRegionConsensusPort: 10760,
		DNSeedConfigNode:          "127.0.0.1:10710",
		DNMetricsPort:             9092,
		EnablePprof:               true,

		DataDir:                "./data",
		DataReplicationFactor:  1,
		SeriesSlotNum:          1000,
		DataRegionGroupNum:     2,
		EnableAutoCreateSchema: true,
		MaxRequestBytes:        256 << 20,
		MemtableBytes:          64 << 20,

		DNRPCMaxConcurrentClientNum: 4096,
		DNRPCPreLoginMaxFrameSize:   64 << 10,
		DNRPCLoginTimeoutMS:         10000,

		PipeSubtaskExecutorMaxThreadNum:  5,
		PipeSinkTimeoutMS:                900000,
		PipeSinkSelectorNumber:           4,
		PipeSinkMaxClientNumber:          16,
		PipeLibDir:                       "ext/pipe",
		PipeProgressSnapshotIntervalMS:   1000,
		PipePinnedLogMaxBytes:            1 << 30,
		PipeReceiverMaxDecompressedBytes: 128 << 20,
		PipeAirGapReceiverPort:           9780,

		LogLevel: "info",
	}
}

// Validate checks every value against the rule its key has when read from
// a file (ports in 0..65535 where 0 picks a free one, counts at least 1,
// ...) and that the ports one node listens on are distinct.
func (c Config) Validate() error {
	var errs []error
	var scratch Config
	for _, k := range keys {
		v := k.get(&c)
		if err := k.set(&scratch, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", k.name, v, err))
		}
	}
	errs = append(errs, c.checkAdvertisedHosts())
	if c.EnableThriftSSL && (c.ThriftSSLCertFile == "" || c.ThriftSSLKeyFile == "") {
		errs = append(errs, errors.New("enable_thrift_ssl=true needs thrift_ssl_cert_file and thrift_ssl_key_file"))
	}
	errs = append(errs, distinctPorts(map[string]int{
		"cn_internal_port":  c.CNInternalPort,
		"cn_consensus_port": c.CNConsensusPort,
		"cn_metrics_port":   c.CNMetricsPort,
	}))
	dnPorts := map[string]int{
		"dn_rpc_port":                   c.DNRPCPort,
		"dn_internal_port":              c.DNInternalPort,
		"dn_data_region_consensus_port": c.DNDataRegionConsensusPort,
		"dn_metrics_port":               c.DNMetricsPort,
	}
	if c.PipeAirGapReceiverEnabled {
		dnPorts["pipe_air_gap_receiver_port"] = c.PipeAirGapReceiverPort
	}
	errs = append(errs, distinctPorts(dnPorts))
	return errors.Join(errs...)
}

// distinctPorts refuses two keys of one node with the same non-zero port.
func distinctPorts(ports map[string]int) error {
	seen := make(map[int]string)
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(ports)) {
		p := ports[k]
		if p == 0 {
			continue
		}
		if other, ok := seen[p]; ok {
			errs = append(errs, fmt.Errorf("%s and %s are both %d", other, k, p))
			continue
		}
		seen[p] = k
	}
	return errors.Join(errs...)
}

// PipeSubtaskExecutorThreads returns the number of pipe subtask threads in
// effect: pipe_subtask_executor_max_thread_num, but no more than half the
// CPUs (and at least 1), as IoTDB does.
func (c Config) PipeSubtaskExecutorThreads() int {
	return effectiveThreads(c.PipeSubtaskExecutorMaxThreadNum, runtime.NumCPU())
}

func effectiveThreads(configured, cpus int) int {
	return max(1, min(configured, max(1, cpus/2)))
}

// CNSeeds returns the addresses of cn_seed_config_node, which may list
// several host:port separated by commas.
func (c Config) CNSeeds() []string { return splitList(c.CNSeedConfigNode) }

// DNSeeds returns the addresses of dn_seed_config_node.
func (c Config) DNSeeds() []string { return splitList(c.DNSeedConfigNode) }

// SlogLevel returns log_level as a slog.Level; unknown levels (which
// Validate refuses) give Info.
func (c Config) SlogLevel() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
