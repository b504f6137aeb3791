package sink

import (
	"context"
	"log/slog"
	"time"
)

// ProbeSenderSuffix marks the sender cluster id Probe handshakes with.
const ProbeSenderSuffix = "~probe"

// ProbeTimeout caps the time Probe spends on one target.
const ProbeTimeout = 10 * time.Second

// Probe connects to the sink's target once, handshakes (logs in, for the
// legacy sink) and returns the target's cluster id, so that CREATE PIPE
// can refuse a sink pointing at its own cluster: Probe itself does not
// refuse it, comparing is the caller's business. Because a receiver
// refuses a handshake from its own cluster, Probe introduces itself with
// a sender id derived from cfg.ClusterID (ProbeSenderSuffix appended):
// the receiver then answers with its id even when it is ours. The legacy
// and do-nothing sinks report "" (the client protocol reveals no cluster
// id), and the air-gap sink does without connecting: its receiver answers
// one byte, never an id. Targets are tried in order with at most ProbeTimeout (or
// cfg.Timeout, if shorter) each; errors are classified as Transfer's are.
func Probe(ctx context.Context, attrs map[string]string, cfg Config) (clusterID string, err error) {
	a, err := parseAttributes(attrs)
	if err != nil {
		return "", err
	}
	cfg = cfg.withDefaults()
	cfg.Timeout = min(cfg.Timeout, ProbeTimeout)
	logger := slog.New(slog.DiscardHandler)
	switch a.plugin {
	case PluginDoNothing, PluginAirGap:
		return "", nil
	case PluginLegacy:
		s := newLegacySink(a, cfg, logger, nil)
		defer s.Close()
		_, _, _, _, err := s.connect(ctx)
		return "", err
	}
	cfg.ClusterID += ProbeSenderSuffix
	s := newThriftSink(a, cfg, 1, logger, nil)
	s.allowSelf = true
	defer s.Close()
	if _, err := s.dial(ctx); err != nil {
		return "", err
	}
	return s.TargetClusterID(), nil
}
