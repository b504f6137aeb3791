package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
)

// key describes one configuration key: its names, its meaning and how it
// reads and writes its Config field. set parses and checks a value; it
// leaves the field alone on error.
type key struct {
	name    string
	aliases []string // older or IoTDB names that set the same field
	doc     string
	get     func(*Config) string
	set     func(*Config, string) error
}

// keys is every key, in the order of docs/configuration.md.
var keys = []key{
	str("cn_internal_address", "Address other nodes dial to reach the ConfigNode (internal RPC and consensus), as it registers it; not a wildcard. Empty: cn_internal_bind_address when that is a specific address, the host name when it is a wildcard, else 127.0.0.1.",
		func(c *Config) *string { return &c.CNInternalAddress }, optional(checkAdvertised)),
	str("cn_internal_bind_address", "Address the ConfigNode's internal RPC and consensus listeners bind; a wildcard such as 0.0.0.0 binds every interface. Empty: cn_internal_address (127.0.0.1 when that is empty too).",
		func(c *Config) *string { return &c.CNInternalBindAddress }, optional(checkHost)),
	port("cn_internal_port", "ConfigNode port for node-to-node RPC.",
		func(c *Config) *int { return &c.CNInternalPort }),
	port("cn_consensus_port", "ConfigNode port for its Raft group.",
		func(c *Config) *int { return &c.CNConsensusPort }),
	withAliases(str("cn_seed_config_node", "host:port (cn_internal_port) of a running ConfigNode to join; the first ConfigNode names itself. Several may be given, separated by commas.",
		func(c *Config) *string { return &c.CNSeedConfigNode }, checkAddrList), "cn_target_config_node_list"),
	port("cn_metrics_port", "ConfigNode port serving Prometheus metrics at /metrics, liveness at /health and readiness at /ready.",
		func(c *Config) *int { return &c.CNMetricsPort }),
	str("cn_metrics_address", "Address the ConfigNode's metrics and health listener binds; a wildcard binds every interface. Empty: the internal bind address.",
		func(c *Config) *string { return &c.CNMetricsAddress }, optional(checkHost)),

	str("dn_rpc_address", "Address the DataNode's client listener binds; a wildcard such as 0.0.0.0 binds every interface.",
		func(c *Config) *string { return &c.DNRPCAddress }, checkHost),
	port("dn_rpc_port", "DataNode port for IoTDB clients (Thrift TSIService) and pipe transfers.",
		func(c *Config) *int { return &c.DNRPCPort }),
	str("dn_rpc_advertised_address", "Client endpoint host the DataNode registers, shown by SHOW DATANODES and SHOW REGIONS and named in redirects; not a wildcard. Empty: dn_rpc_address, or the host name when that is a wildcard.",
		func(c *Config) *string { return &c.DNRPCAdvertisedAddress }, optional(checkAdvertised)),
	port("dn_rpc_advertised_port", "Client port advertised with dn_rpc_advertised_address, for a published or translated port. 0: dn_rpc_port.",
		func(c *Config) *int { return &c.DNRPCAdvertisedPort }),
	str("dn_internal_address", "Address other nodes dial to reach the DataNode (internal RPC and data-region consensus), as it registers it; not a wildcard. Empty: dn_internal_bind_address when that is a specific address, the host name when it is a wildcard, else 127.0.0.1.",
		func(c *Config) *string { return &c.DNInternalAddress }, optional(checkAdvertised)),
	str("dn_internal_bind_address", "Address the DataNode's internal RPC and data-region consensus listeners bind; a wildcard binds every interface. Empty: dn_internal_address (127.0.0.1 when that is empty too).",
		func(c *Config) *string { return &c.DNInternalBindAddress }, optional(checkHost)),
	port("dn_internal_port", "DataNode port for node-to-node RPC.",
		func(c *Config) *int { return &c.DNInternalPort }),
	port("dn_data_region_consensus_port", "DataNode port for data-region replication.",
		func(c *Config) *int { return &c.DNDataRegionConsensusPort }),
	withAliases(str("dn_seed_config_node", "host:port (cn_internal_port) of a ConfigNode the DataNode registers with. Several may be given, separated by commas.",
		func(c *Config) *string { return &c.DNSeedConfigNode }, checkAddrList), "dn_target_config_node_list"),
	port("dn_metrics_port", "DataNode port serving Prometheus metrics at /metrics, liveness at /health and readiness at /ready.",
		func(c *Config) *int { return &c.DNMetricsPort }),
	boolean("enable_pprof", "Serve Go's runtime profiles (CPU, heap, goroutines, mutex and block contention) at /debug/pprof/ on the metrics listeners (true or false). Anyone who reaches a metrics port can then take a profile, which costs CPU while it runs.",
		func(c *Config) *bool { return &c.EnablePprof }),
	str("dn_metrics_address", "Address the DataNode's (or standalone process's) metrics and health listener binds; a wildcard binds every interface. Empty: dn_rpc_address.",
		func(c *Config) *string { return &c.DNMetricsAddress }, optional(checkHost)),

	withAliases(str("data_dir", "Directory holding all of the node's state (Raft logs, snapshots, data regions). One directory only.",
		func(c *Config) *string { return &c.DataDir }, checkDir), "dn_data_dirs"),
	count("data_replication_factor", "Replicas of each data region, on distinct DataNodes.",
		func(c *Config) *int { return &c.DataReplicationFactor }, 1),
	count("series_slot_num", "Slots that a database's devices hash into; slots map to data regions.",
		func(c *Config) *int { return &c.SeriesSlotNum }, 1),
	count("default_data_region_group_num_per_database", "Data region groups created for each database.",
		func(c *Config) *int { return &c.DataRegionGroupNum }, 1),
	boolean("enable_auto_create_schema", "Create unknown time series on insert (true or false).",
		func(c *Config) *bool { return &c.EnableAutoCreateSchema }),
	size("thrift_max_frame_size", "Largest client request (Thrift frame), in bytes; larger ones are refused.",
		func(c *Config) *int64 { return &c.MaxRequestBytes }, 1024),
	count("dn_rpc_max_concurrent_client_num", "Client connections a DataNode keeps open at once; further ones are closed when accepted.",
		func(c *Config) *int { return &c.DNRPCMaxConcurrentClientNum }, 1),
	size("dn_rpc_prelogin_max_frame_size", "Largest request, in bytes, accepted on a client connection before it logs in (openSession or a pipe handshake); a larger one is refused and the connection closed.",
		func(c *Config) *int64 { return &c.DNRPCPreLoginMaxFrameSize }, 1024),
	count("dn_rpc_login_timeout_ms", "Milliseconds a client connection may stay open without logging in.",
		func(c *Config) *int { return &c.DNRPCLoginTimeoutMS }, 1),
	size("data_dir_reserve_bytes", "Free space, in bytes, the data_dir's file system keeps: below it the node refuses writes (status 611, disk full) and keeps serving reads, and accepts writes again as soon as space is freed. 0: 5% of the file system, at least 32 MiB, at most 1 GiB.",
		func(c *Config) *int64 { return &c.DataDirReserveBytes }, 0),
	size("memtable_size_threshold", "Bytes a data region buffers in memory before flushing to disk.",
		func(c *Config) *int64 { return &c.MemtableBytes }, 1024),

	count("pipe_subtask_executor_max_thread_num", "Threads running pipe subtasks; no more than half the CPUs (at least 1) are used.",
		func(c *Config) *int { return &c.PipeSubtaskExecutorMaxThreadNum }, 1),
	withAliases(count("pipe_sink_timeout_ms", "Timeout of one pipe transfer to the receiver, in milliseconds.",
		func(c *Config) *int { return &c.PipeSinkTimeoutMS }, 1), "pipe_connector_timeout_ms"),
	withAliases(count("pipe_sink_selector_number", "Threads handling the async sinks' network I/O.",
		func(c *Config) *int { return &c.PipeSinkSelectorNumber }, 1), "pipe_async_connector_selector_number"),
	withAliases(count("pipe_sink_max_client_number", "Connections an async sink keeps to each receiver at most.",
		func(c *Config) *int { return &c.PipeSinkMaxClientNumber }, 1), "pipe_async_connector_max_client_number",
		"pipe_async_connector_core_client_number"),
	str("pipe_lib_dir", "Directory of pipe plugin libraries.",
		func(c *Config) *string { return &c.PipeLibDir }, checkDir),
	count("pipe_progress_snapshot_interval_ms", "Interval between commits of pipe progress snapshots, in milliseconds.",
		func(c *Config) *int { return &c.PipeProgressSnapshotIntervalMS }, 1),
	size("pipe_pinned_log_max_bytes", "Bytes of a data region's Raft log that pipes may keep from compaction; beyond it the lagging pipe's pin is released and it resends from a snapshot.",
		func(c *Config) *int64 { return &c.PipePinnedLogMaxBytes }, 1),
	size("pipe_receiver_max_decompressed_bytes", "Largest payload, in bytes once decompressed, of one pipe transfer this node accepts as a receiver; the tablets decoded from it may take as much memory again. A larger transfer is refused before it is decompressed.",
		func(c *Config) *int64 { return &c.PipeReceiverMaxDecompressedBytes }, 1024),
	boolean("pipe_air_gap_receiver_enabled", "Receive pipe transfers in IoTDB's air-gap protocol (iotdb-air-gap-sink) on pipe_air_gap_receiver_port (true or false). The same credentials and limits apply as on the client port: a sender proves a user's password in its handshake (none given: root/root), frames before it are held to dn_rpc_prelogin_max_frame_size and dn_rpc_login_timeout_ms, later ones to thrift_max_frame_size and pipe_sink_timeout_ms.",
		func(c *Config) *bool { return &c.PipeAirGapReceiverEnabled }),
	port("pipe_air_gap_receiver_port", "Port of the air-gap receiver, on dn_rpc_address, when pipe_air_gap_receiver_enabled is true.",
		func(c *Config) *int { return &c.PipeAirGapReceiverPort }),

	str("cluster_certs_dir", "Directory of the cluster CA and this node's certificate (ca.crt, node.crt, node.key; made with sluice cert): every node-to-node connection uses mutual TLS with them. A cluster node needs it unless cluster_insecure is true.",
		func(c *Config) *string { return &c.ClusterCertsDir }, checkOptionalDir),
	boolean("cluster_insecure", "Run node-to-node traffic without TLS (true or false): anyone who reaches an internal port can then act as a node. For trusted networks and tests only; logged as a warning at every start.",
		func(c *Config) *bool { return &c.ClusterInsecure }),

	boolean("enable_thrift_ssl", "Serve the client port (IoTDB clients, sluice cli, pipe senders) over TLS (true or false), with thrift_ssl_cert_file and thrift_ssl_key_file.",
		func(c *Config) *bool { return &c.EnableThriftSSL }),
	str("thrift_ssl_cert_file", "PEM certificate (with its chain) the client port presents when enable_thrift_ssl is true; where IoTDB takes a Java key store (key_store_path), Sluice takes PEM files. Read again when it changes.",
		func(c *Config) *string { return &c.ThriftSSLCertFile }, checkOptionalDir),
	str("thrift_ssl_key_file", "PEM private key of thrift_ssl_cert_file.",
		func(c *Config) *string { return &c.ThriftSSLKeyFile }, checkOptionalDir),

	str("log_level", "Lowest level logged: debug, info, warn or error.",
		func(c *Config) *string { return &c.LogLevel }, checkLogLevel),
}

// byName maps every key name and alias to its descriptor.
var byName = func() map[string]*key {
	m := make(map[string]*key)
	for i := range keys {
		k := &keys[i]
		for _, n := range append([]string{k.name}, k.aliases...) {
			if m[n] != nil {
				panic("BUG: config key " + n + " declared twice")
			}
			m[n] = k
		}
	}
	return m
}()

// Keys returns the name of every known key, in documentation order.
// Aliases are not included.
func Keys() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

func withAliases(k key, aliases ...string) key {
	k.aliases = aliases
	return k
}

func str(name, doc string, field func(*Config) *string, check func(string) error) key {
	return key{
		name: name,
		doc:  doc,
		get:  func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error {
			if err := check(v); err != nil {
				return err
			}
			*field(c) = v
			return nil
		},
	}
}

func boolean(name, doc string, field func(*Config) *bool) key {
	return key{
		name: name,
		doc:  doc,
		get:  func(c *Config) string { return strconv.FormatBool(*field(c)) },
		set: func(c *Config, v string) error {
			switch strings.ToLower(v) {
			case "true":
				*field(c) = true
			case "false":
				*field(c) = false
			default:
				return errors.New("want true or false")
			}
			return nil
		},
	}
}

func port(name, doc string, field func(*Config) *int) key {
	return integer(name, doc, field, 0, 65535, "want a port in 0..65535 (0 picks a free one)")
}

func count(name, doc string, field func(*Config) *int, lo int) key {
	return integer(name, doc, field, lo, math.MaxInt32, fmt.Sprintf("want an integer in %d..%d", lo, math.MaxInt32))
}

func size(name, doc string, field func(*Config) *int64, lo int64) key {
	return integer(name, doc, field, lo, math.MaxInt64, fmt.Sprintf("want a number of bytes >= %d", lo))
}

func integer[T int | int64](name, doc string, field func(*Config) *T, lo, hi T, want string) key {
	return key{
		name: name,
		doc:  doc,
		get:  func(c *Config) string { return strconv.FormatInt(int64(*field(c)), 10) },
		set: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < int64(lo) || n > int64(hi) {
				return errors.New(want)
			}
			*field(c) = T(n)
			return nil
		},
	}
}

func checkHost(v string) error {
	if v == "" || strings.ContainsAny(v, " \t\r\n\f,/[]") {
		return errors.New("want a host name or IP address")
	}
	return nil
}

// checkAdvertised accepts an address other nodes can dial: a wildcard
// listen address would tell them to dial themselves.
func checkAdvertised(v string) error {
	if err := checkHost(v); err != nil {
		return err
	}
	if isWildcard(v) {
		return errors.New("want an address others can dial, not a wildcard (bind the wildcard with the matching bind address key)")
	}
	return nil
}

// optional accepts "" (the key's derived default) or what check accepts.
func optional(check func(string) error) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return check(v)
	}
}

func checkAddrList(v string) error {
	addrs := splitList(v)
	if len(addrs) == 0 {
		return errors.New("want host:port[,host:port...]")
	}
	for _, a := range addrs {
		host, p, err := net.SplitHostPort(a)
		if err != nil || checkHost(host) != nil {
			return fmt.Errorf("%q: want host:port", a)
		}
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: want a port in 1..65535", a)
		}
	}
	return nil
}

func checkDir(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("want a directory")
	}
	if strings.ContainsAny(v, ",;") {
		return errors.New("want one directory (lists are not supported)")
	}
	return nil
}

func checkOptionalDir(v string) error {
	if v == "" {
		return nil
	}
	return checkDir(v)
}

func checkLogLevel(v string) error {
	switch strings.ToLower(v) {
	case "debug", "info", "warn", "error":
		return nil
	}
	return errors.New("want debug, info, warn or error")
}
