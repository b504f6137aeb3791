package sink

import (
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/transfer"
)

// Plugin names, as SHOW PIPEPLUGINS lists them.
const (
	PluginThrift      = "iotdb-thrift-sink"
	PluginThriftAsync = "iotdb-thrift-async-sink"
	PluginThriftSync  = "iotdb-thrift-sync-sink"
	// PluginThriftSSL is the Thrift sink over TLS, to a receiver that
	// serves its client port with enable_thrift_ssl.
	PluginThriftSSL = "iotdb-thrift-ssl-sink"
	PluginLegacy    = "iotdb-legacy-pipe-sink"
	PluginDoNothing = "do-nothing-sink"
	// PluginAirGap speaks IoTDB's air-gap framing on a plain socket to a
	// receiver's pipe_air_gap_receiver_port (airgap.go).
	PluginAirGap = "iotdb-air-gap-sink"
)

// Plugins returns the known sink plugin names.
func Plugins() []string {
	return []string{PluginThrift, PluginThriftAsync, PluginThriftSync, PluginThriftSSL, PluginLegacy, PluginDoNothing, PluginAirGap}
}

// connectorAliases are IoTDB 1.2's plugin names, still accepted.
var connectorAliases = map[string]string{
	"iotdb-thrift-connector":       PluginThrift,
	"iotdb-thrift-async-connector": PluginThriftAsync,
	"iotdb-thrift-sync-connector":  PluginThriftSync,
	"iotdb-thrift-ssl-connector":   PluginThriftSSL,
	"iotdb-legacy-pipe-connector":  PluginLegacy,
	"do-nothing-connector":         PluginDoNothing,
	"iotdb-air-gap-connector":      PluginAirGap,
}

// Attribute defaults.
const (
	DefaultUser          = "root"
	DefaultPassword      = "root"
	DefaultLegacyVersion = "1.1"
	// DefaultAirGapHandshakeTimeout is air-gap.handshake-timeout-ms's
	// default, IoTDB's.
	DefaultAirGapHandshakeTimeout = 5 * time.Second
)

// attributes are a sink's parsed attributes.
type attributes struct {
	plugin   string
	targets  []string // host:port, in the order given, without duplicates
	user     string
	password string
	version  string
	// trustStore is iotdb-thrift-ssl-sink's ssl.trust-store-path: a PEM
	// file of the CAs whose certificates the receiver may present; empty
	// trusts the system's roots.
	trustStore string
	// rateLimit is rate-limit-bytes-per-second: the bytes per second the
	// sink instance transfers at most; 0 is unlimited.
	rateLimit int64
	// compressors is compressor: the compressors each transfer goes
	// through, in order, as IoTDB's compressed request; none sends
	// Sluice's tablets body uncompressed. zstdLevel is
	// compressor.zstd.level.
	compressors []transfer.Compressor
	zstdLevel   int
	// batching is batch.enable, batch.max-delay-seconds and
	// batch.size-bytes: how the tasks using the sink hold writes.
	batching pipe.Batching
	// airGapELanguage and airGapHandshakeTimeout are
	// iotdb-air-gap-sink's air-gap.e-language.enable and
	// air-gap.handshake-timeout-ms.
	airGapELanguage        bool
	airGapHandshakeTimeout time.Duration
}

// parseAttributes reads the attributes New understands; others are left to
// the package that validates pipe parameters.
func parseAttributes(attrs map[string]string) (*attributes, error) {
	attrs = withoutPrefixes(attrs)
	plugin, ok := attrs["sink"]
	if !ok {
		plugin, ok = attrs["connector"]
	}
	plugin = strings.ToLower(strings.TrimSpace(plugin))
	if !ok || plugin == "" {
		return nil, fmt.Errorf("sink attribute 'sink' is missing: name one of %s", strings.Join(Plugins(), ", "))
	}
	if canonical, ok := connectorAliases[plugin]; ok {
		plugin = canonical
	}
	if !slices.Contains(Plugins(), plugin) {
		return nil, fmt.Errorf("unknown sink plugin %q: known sinks are %s", plugin, strings.Join(Plugins(), ", "))
	}
	a := &attributes{plugin: plugin, user: DefaultUser, password: DefaultPassword, version: DefaultLegacyVersion}
	if plugin == PluginDoNothing {
		return a, nil
	}

	var err error
	if a.targets, err = parseTargets(attrs); err != nil {
		return nil, fmt.Errorf("%s: %w", plugin, err)
	}
	user, hasUser := attrs["user"]
	username, hasUsername := attrs["username"]
	switch {
	case hasUser && hasUsername && user != username:
		return nil, fmt.Errorf("%s: sink attributes 'user' (%q) and 'username' (%q) disagree", plugin, user, username)
	case hasUsername:
		user, hasUser = username, true
	}
	if hasUser {
		if strings.TrimSpace(user) == "" {
			return nil, fmt.Errorf("%s: sink attribute 'user' is empty", plugin)
		}
		a.user = user
	}
	if p, ok := attrs["password"]; ok {
		a.password = p
	}
	if v, ok := attrs["version"]; ok && strings.TrimSpace(v) != "" {
		a.version = strings.TrimSpace(v)
	}
	if v, ok := attrs["rate-limit-bytes-per-second"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: sink attribute 'rate-limit-bytes-per-second' = %q: not a byte count >= 0", plugin, v)
		}
		a.rateLimit = n
	}
	if a.batching, err = parseBatching(attrs); err != nil {
		return nil, fmt.Errorf("%s: %w", plugin, err)
	}
	if a.compressors, err = transfer.ParseCompressors(attrs["compressor"]); err != nil {
		return nil, fmt.Errorf("%s: sink attribute 'compressor': %w", plugin, err)
	}
	a.zstdLevel = transfer.DefaultZstdLevel
	if v, ok := attrs["compressor.zstd.level"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < transfer.MinZstdLevel || n > transfer.MaxZstdLevel {
			return nil, fmt.Errorf("%s: sink attribute 'compressor.zstd.level' = %q: not a zstd level (%d to %d)", plugin, v, transfer.MinZstdLevel, transfer.MaxZstdLevel)
		}
		a.zstdLevel = n
	}
	if plugin == PluginThriftSSL {
		a.trustStore = strings.TrimSpace(attrs["ssl.trust-store-path"])
	}
	if plugin == PluginAirGap {
		if err := a.parseAirGap(attrs); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// withoutPrefixes returns attrs with their keys lower-cased and their
// "sink." or "connector." prefixes removed; a key given both ways keeps
// its prefixed value (the pipe package refuses such pairs before).
func withoutPrefixes(attrs map[string]string) map[string]string {
	out := make(map[string]string, len(attrs))
	var prefixed []string
	for k, v := range attrs {
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(k, "sink.") || strings.HasPrefix(k, "connector.") {
			prefixed = append(prefixed, k)
			continue
		}
		out[k] = v
	}
	for _, k := range prefixed {
		_, rest, _ := strings.Cut(k, ".")
		if rest != "" {
			out[rest] = attrs[k]
		}
	}
	return out
}

// parseBatching reads batch.enable (default false, see
// pipe.DefaultBatchEnabled), batch.max-delay-seconds (default 1) and
// batch.size-bytes (default 16 MiB), IoTDB's defaults for tablets.
func parseBatching(attrs map[string]string) (pipe.Batching, error) {
	b := pipe.Batching{Enabled: pipe.DefaultBatchEnabled, MaxDelay: pipe.DefaultBatchMaxDelay, SizeBytes: pipe.DefaultBatchSizeBytes}
	if v, ok := attrs["batch.enable"]; ok {
		e, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if err != nil {
			return b, fmt.Errorf("sink attribute 'batch.enable' = %q: not true or false", v)
		}
		b.Enabled = e
	}
	if v, ok := attrs["batch.max-delay-seconds"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64/int64(time.Second) {
			return b, fmt.Errorf("sink attribute 'batch.max-delay-seconds' = %q: not a number of seconds >= 0", v)
		}
		b.MaxDelay = time.Duration(n) * time.Second
	}
	if v, ok := attrs["batch.size-bytes"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 {
			return b, fmt.Errorf("sink attribute 'batch.size-bytes' = %q: not a byte count >= 1", v)
		}
		b.SizeBytes = int(min(n, math.MaxInt32))
	}
	return b, nil
}

// parseTargets reads "ip" (alias "host") with "port", and "node-urls", into
// one list; at least one target is needed.
func parseTargets(attrs map[string]string) ([]string, error) {
	var out []string
	add := func(t string) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}

	host, hasHost := attrs["ip"]
	if h, ok := attrs["host"]; ok {
		if hasHost && strings.TrimSpace(h) != strings.TrimSpace(host) {
			return nil, fmt.Errorf("sink attributes 'ip' (%q) and 'host' (%q) disagree", host, h)
		}
		host, hasHost = h, true
	}
	port, hasPort := attrs["port"]
	switch {
	case hasHost && !hasPort:
		return nil, fmt.Errorf("sink attribute 'ip' is set but 'port' is missing")
	case hasPort && !hasHost:
		return nil, fmt.Errorf("sink attribute 'port' is set but 'ip' is missing")
	case hasHost:
		h, err := checkHost(strings.Trim(strings.TrimSpace(host), "[]"))
		if err != nil {
			return nil, fmt.Errorf("sink attribute 'ip' = %q: %w", host, err)
		}
		p, err := checkPort(port)
		if err != nil {
			return nil, fmt.Errorf("sink attribute 'port' = %q: %w", port, err)
		}
		add(net.JoinHostPort(h, p))
	}

	if urls, ok := attrs["node-urls"]; ok {
		n := 0
		for u := range strings.SplitSeq(urls, ",") {
			u = strings.TrimSpace(u)
			if u == "" {
				continue
			}
			t, err := parseNodeURL(u)
			if err != nil {
				return nil, fmt.Errorf("sink attribute 'node-urls' entry %q: %w", u, err)
			}
			add(t)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("sink attribute 'node-urls' = %q lists no node", urls)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no target: set sink attributes 'ip' and 'port', or 'node-urls' (host:port,host:port)")
	}
	return out, nil
}

// parseNodeURL reads host:port, with IPv6 hosts in brackets ([::1]:6667).
func parseNodeURL(u string) (string, error) {
	h, p, err := net.SplitHostPort(u)
	if err != nil {
		return "", fmt.Errorf("want host:port (IPv6 as [addr]:port)")
	}
	if h, err = checkHost(h); err != nil {
		return "", err
	}
	if p, err = checkPort(p); err != nil {
		return "", err
	}
	return net.JoinHostPort(h, p), nil
}

func checkHost(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("empty host")
	}
	if strings.ContainsAny(h, " \t\r\n/,") {
		return "", fmt.Errorf("not a host name or address")
	}
	return h, nil
}

func checkPort(p string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(p))
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("not a port number (1-65535)")
	}
	return strconv.Itoa(n), nil
}

// tlsConfig is the TLS configuration of a connection to target: nil but
// for iotdb-thrift-ssl-sink, which checks the receiver's certificate
// against its trust store and target's host.
func (a *attributes) tlsConfig(target string) (*tls.Config, error) {
	if a.plugin != PluginThriftSSL {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return nil, err
	}
	cfg, err := certs.ClientConfig(host, a.trustStore)
	if err != nil {
		return nil, fatalf("%s: ssl.trust-store-path: %v", a.plugin, err)
	}
	return cfg, nil
}

// parseAirGap reads air-gap.e-language.enable (default false) and
// air-gap.handshake-timeout-ms (default DefaultAirGapHandshakeTimeout).
func (a *attributes) parseAirGap(attrs map[string]string) error {
	a.airGapHandshakeTimeout = DefaultAirGapHandshakeTimeout
	if v, ok := attrs["air-gap.e-language.enable"]; ok {
		e, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
		if err != nil {
			return fmt.Errorf("%s: sink attribute 'air-gap.e-language.enable' = %q: not true or false", a.plugin, v)
		}
		a.airGapELanguage = e
	}
	if v, ok := attrs["air-gap.handshake-timeout-ms"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < 1 {
			return fmt.Errorf("%s: sink attribute 'air-gap.handshake-timeout-ms' = %q: not a number of milliseconds from 1 to %d", a.plugin, v, math.MaxInt32)
		}
		a.airGapHandshakeTimeout = time.Duration(n) * time.Millisecond
	}
	return nil
}
