package plugin

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/sql/ast"
)

// Sink parameter keys, canonical spellings (Spec.Sink holds these).
const (
	SinkKeyPlugin        = "sink"
	SinkKeyIP            = "ip"
	SinkKeyPort          = "port"
	SinkKeyNodeURLs      = "node-urls"
	SinkKeyUser          = "user" // also written username
	SinkKeyPassword      = "password"
	SinkKeyVersion       = "version"
	SinkKeyBatchEnable   = "batch.enable"
	SinkKeyBatchMaxDelay = "batch.max-delay-seconds"
	SinkKeyBatchSize     = "batch.size-bytes"
	// SinkKeyTrustStore is iotdb-thrift-ssl-sink's PEM file of the CAs the
	// receiver's certificate must chain to (IoTDB's names a Java trust
	// store); SinkKeyTrustStorePassword is accepted for IoTDB's statements
	// and unused, PEM files having no password.
	SinkKeyTrustStore         = "ssl.trust-store-path"
	SinkKeyTrustStorePassword = "ssl.trust-store-pwd"
	// SinkKeyRateLimit caps the bytes a sink instance transfers per
	// second; 0 or absent is unlimited.
	SinkKeyRateLimit = "rate-limit-bytes-per-second"
	// SinkKeyCompressor lists the compressors (snappy, gzip, lz4, zstd,
	// lzma2) a Thrift sink applies to each transfer, in order, as IoTDB's
	// compressed request, or none (the default); SinkKeyZstdLevel is
	// zstd's level.
	SinkKeyCompressor = "compressor"
	SinkKeyZstdLevel  = "compressor.zstd.level"
	// SinkKeyAirGapELanguage wraps iotdb-air-gap-sink's frames in
	// E-Language; SinkKeyAirGapHandshakeTimeout bounds its connect and
	// handshake, in milliseconds.
	SinkKeyAirGapELanguage        = "air-gap.e-language.enable"
	SinkKeyAirGapHandshakeTimeout = "air-gap.handshake-timeout-ms"
)

// IoTDB sink parameters Sluice checks and does not act on; docs/pipes.md
// says why for each.
const (
	sinkKeyParallelTasks         = "parallel.tasks"
	sinkKeyLeaderCache           = "leader-cache.enable"
	sinkKeyLoadBalance           = "load-balance-strategy"
	sinkKeyConflictStrategy      = "exception.conflict.resolve-strategy"
	sinkKeyConflictRetrySeconds  = "exception.conflict.retry-max-time-seconds"
	sinkKeyConflictRecordIgnored = "exception.conflict.record-ignored-data"
	sinkKeyOthersRetrySeconds    = "exception.others.retry-max-time-seconds"
	sinkKeyOthersRecordIgnored   = "exception.others.record-ignored-data"
)

// Defaults a sink applies to parameters left out. Parse does not fill them
// into Spec.Sink, which keeps the attributes as written for sink reuse.
const (
	DefaultSinkUser      = "root"
	DefaultSinkPassword  = "root"
	DefaultLegacyVersion = "1.1"
)

var (
	remoteSinkKeys = []string{SinkKeyIP, SinkKeyPort, SinkKeyNodeURLs, SinkKeyUser, SinkKeyPassword,
		SinkKeyBatchEnable, SinkKeyBatchMaxDelay, SinkKeyBatchSize, SinkKeyRateLimit,
		sinkKeyParallelTasks, sinkKeyLeaderCache, sinkKeyLoadBalance,
		sinkKeyConflictStrategy, sinkKeyConflictRetrySeconds, sinkKeyConflictRecordIgnored,
		sinkKeyOthersRetrySeconds, sinkKeyOthersRecordIgnored}
	legacySinkKeys = append(append([]string(nil), remoteSinkKeys...), SinkKeyVersion)
	thriftSinkKeys = append(append([]string(nil), remoteSinkKeys...), SinkKeyCompressor, SinkKeyZstdLevel)
	sslSinkKeys    = append(append([]string(nil), thriftSinkKeys...), SinkKeyTrustStore, SinkKeyTrustStorePassword)
	airGapSinkKeys = append(append([]string(nil), thriftSinkKeys...), SinkKeyAirGapELanguage, SinkKeyAirGapHandshakeTimeout)
)

func parseSink(attrs []ast.Attribute) (map[string]string, error) {
	if len(attrs) == 0 {
		return nil, sinkClause.errorf("a pipe needs a SINK clause naming one of %s", names(sinks))
	}
	ps, err := sinkClause.normalize(attrs)
	if err != nil {
		return nil, err
	}
	plugin, err := ps.plugin(sinks, "")
	if err != nil {
		return nil, err
	}
	switch plugin {
	case SinkDoNothing:
		err = ps.checkKnown(plugin)
	case SinkLegacy:
		err = ps.checkKnown(plugin, legacySinkKeys...)
	case SinkThriftSSL:
		err = ps.checkKnown(plugin, sslSinkKeys...)
	case SinkAirGap:
		err = ps.checkKnown(plugin, airGapSinkKeys...)
	default:
		err = ps.checkKnown(plugin, thriftSinkKeys...)
	}
	if err != nil {
		return nil, err
	}
	if plugin == SinkLegacy {
		if err := checkLegacy(ps); err != nil {
			return nil, err
		}
	}
	if plugin != SinkDoNothing {
		if err := checkRemote(ps); err != nil {
			return nil, err
		}
	}
	if plugin == SinkAirGap {
		if err := checkAirGap(ps); err != nil {
			return nil, err
		}
	}
	// The attributes as written: IoTDB shares a sink between pipes whose
	// attribute maps are equal as written (PipeConnectorSubtaskManager
	// keys its subtasks by the sorted map), so 'sink.ip' and 'ip', or
	// iotdb-thrift-sink and iotdb-thrift-async-sink, keep pipes apart.
	out := make(map[string]string, len(ps.order))
	for _, k := range ps.order {
		p := ps.byKey[k]
		out[p.written] = p.value
	}
	return out, nil
}

// CanonicalSink returns the attributes of a validated sink (Spec.Sink) by
// canonical key: no prefix, aliases resolved (see the SinkKey constants),
// and under SinkKeyPlugin the canonical plugin name.
func CanonicalSink(sink map[string]string) map[string]string {
	out := make(map[string]string, len(sink))
	for k, v := range sink {
		out[sinkClause.canonicalKey(k)] = v
	}
	if name, ok := lookup(sinks, strings.ToLower(out[SinkKeyPlugin])); ok {
		out[SinkKeyPlugin] = name
	}
	return out
}

// checkRemote validates the target address and the options of a sink that
// connects to a cluster.
func checkRemote(ps *params) error {
	ip, hasIP := ps.get(SinkKeyIP)
	port, hasPort := ps.get(SinkKeyPort)
	urls, hasURLs := ps.get(SinkKeyNodeURLs)
	switch {
	case hasPort && !hasIP:
		return ps.c.errorf("'%s' needs 'ip' too", port.written)
	case hasIP && !hasPort:
		return ps.c.errorf("'%s' needs 'port' too", ip.written)
	case !hasIP && !hasURLs:
		return ps.c.errorf("the target is missing: give 'ip' and 'port', or 'node-urls'")
	}
	if hasIP {
		if err := checkHost(ip.value); err != nil {
			return ps.c.errorf("'%s' = '%s': %v", ip.written, ip.value, err)
		}
		if err := checkPort(port.value); err != nil {
			return ps.c.errorf("'%s' = '%s': %v", port.written, port.value, err)
		}
	}
	if hasURLs {
		if _, err := splitNodeURLs(urls.value); err != nil {
			return ps.c.errorf("'%s' = '%s': %v", urls.written, urls.value, err)
		}
	}
	for _, k := range []string{SinkKeyUser, SinkKeyVersion} {
		if p, ok := ps.get(k); ok && p.value == "" {
			return ps.c.errorf("'%s' is empty", p.written)
		}
	}
	if _, err := ps.boolean(SinkKeyBatchEnable, false); err != nil {
		return err
	}
	if err := ps.integer(SinkKeyBatchMaxDelay, 0); err != nil {
		return err
	}
	if err := ps.integer(SinkKeyBatchSize, 1); err != nil {
		return err
	}
	if err := checkCompressor(ps); err != nil {
		return err
	}
	return checkAccepted(ps)
}

// checkCompressor checks 'compressor' (a comma-separated list of
// compressors, empty for none) and 'compressor.zstd.level' (zstd's levels,
// as IoTDB bounds them).
func checkCompressor(ps *params) error {
	if p, ok := ps.get(SinkKeyCompressor); ok {
		if _, err := transfer.ParseCompressors(p.value); err != nil {
			return ps.c.errorf("'%s' = '%s': %v", p.written, p.value, err)
		}
	}
	n, err := ps.int64(SinkKeyZstdLevel, transfer.MinZstdLevel, transfer.DefaultZstdLevel)
	if err != nil {
		return err
	}
	if n > transfer.MaxZstdLevel {
		p, _ := ps.get(SinkKeyZstdLevel)
		return ps.c.errorf("'%s' = '%s': must be at most %d", p.written, p.value, transfer.MaxZstdLevel)
	}
	return nil
}

// checkAccepted checks the values of the IoTDB sink parameters Sluice
// accepts without acting on them, so that a malformed one is still refused.
func checkAccepted(ps *params) error {
	for _, k := range []string{SinkKeyRateLimit, sinkKeyConflictRetrySeconds, sinkKeyOthersRetrySeconds} {
		if err := ps.integer(k, minInt(k)); err != nil {
			return err
		}
	}
	if err := ps.integer(sinkKeyParallelTasks, 1); err != nil {
		return err
	}
	for _, k := range []string{sinkKeyLeaderCache, sinkKeyConflictRecordIgnored, sinkKeyOthersRecordIgnored} {
		if _, err := ps.boolean(k, true); err != nil {
			return err
		}
	}
	if err := ps.oneOf(sinkKeyLoadBalance, "round-robin", "random", "priority"); err != nil {
		return err
	}
	return ps.oneOf(sinkKeyConflictStrategy, "retry", "ignore")
}

// minInt is the smallest value an integer parameter takes: the retry times
// take IoTDB's -1 (retry for ever), the rate limit 0 (unlimited).
func minInt(key string) int64 {
	if key == SinkKeyRateLimit {
		return 0
	}
	return -1
}

func checkHost(h string) error {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || strings.ContainsAny(h, " \t,/[]") {
		return fmt.Errorf("not a host name or IP address")
	}
	return nil
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be an integer in 1..65535")
	}
	return nil
}

// splitNodeURLs reads a comma-separated host:port list, IPv6 hosts in
// brackets. Empty entries are skipped; at least one address is required.
func splitNodeURLs(s string) ([]string, error) {
	var out []string
	for u := range strings.SplitSeq(s, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		host, port, err := net.SplitHostPort(u)
		if err != nil {
			return nil, fmt.Errorf("%q is not host:port (write IPv6 as [::1]:6667)", u)
		}
		if err := checkHost(host); err != nil {
			return nil, fmt.Errorf("%q: %v", u, err)
		}
		if err := checkPort(port); err != nil {
			return nil, fmt.Errorf("%q: %v", u, err)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address given")
	}
	return out, nil
}

// SinkEndpoints returns the target addresses (host:port) of a validated
// sink: ip:port first, then node-urls, without repeats.
func SinkEndpoints(sink map[string]string) []string {
	sink = CanonicalSink(sink)
	var out []string
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if ip, ok := sink[SinkKeyIP]; ok {
		add(net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]"), sink[SinkKeyPort]))
	}
	if urls, ok := sink[SinkKeyNodeURLs]; ok {
		list, _ := splitNodeURLs(urls)
		for _, a := range list {
			add(a)
		}
	}
	return out
}

// checkLegacy applies the rules of iotdb-legacy-pipe-sink that IoTDB's
// documentation gives: 'ip' and 'port' are required ('node-urls' may add
// targets to fail over to, but cannot replace them), and 'version' is a
// release number, major.minor.
func checkLegacy(ps *params) error {
	if _, ok := ps.get(SinkKeyIP); !ok {
		return ps.c.errorf("%s requires 'ip' and 'port' (as IoTDB's legacy sink does); 'node-urls' alone is not enough", SinkLegacy)
	}
	p, ok := ps.get(SinkKeyVersion)
	if !ok || p.value == "" {
		return nil // absent: DefaultLegacyVersion; empty: checkRemote refuses it
	}
	major, minor, found := strings.Cut(p.value, ".")
	if !found || !isDigits(major) || !isDigits(minor) {
		return ps.c.errorf("'%s' = '%s': must be a release number such as %s", p.written, p.value, DefaultLegacyVersion)
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkAirGap checks iotdb-air-gap-sink's own keys: E-Language is true or
// false, the handshake timeout a positive number of milliseconds that fits
// IoTDB's int.
func checkAirGap(ps *params) error {
	if _, err := ps.boolean(SinkKeyAirGapELanguage, false); err != nil {
		return err
	}
	n, err := ps.int64(SinkKeyAirGapHandshakeTimeout, 1, 5000)
	if err != nil {
		return err
	}
	if n > math.MaxInt32 {
		p, _ := ps.get(SinkKeyAirGapHandshakeTimeout)
		return ps.c.errorf("'%s' = '%s': at most %d milliseconds", p.written, p.value, math.MaxInt32)
	}
	return nil
}
