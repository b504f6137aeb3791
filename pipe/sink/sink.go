package sink

import (
	"context"
	"log/slog"

	"github.com/sluicedb/sluice/pipe"
)

// New returns the sink plugin that attrs name ("sink" = a name of
// Plugins()). attrs are a pipe's sink attributes, keys with or without
// their "sink." or "connector." prefix. New does not connect: connections open
// lazily on the first Transfer (see Probe to check a target up front). The
// sink records no metrics; use a Registry for shared, measured sinks.
func New(attrs map[string]string, cfg Config, logger *slog.Logger) (pipe.Sink, error) {
	return newSink(attrs, cfg, logger, nil)
}

func newSink(attrs map[string]string, cfg Config, logger *slog.Logger, m *sinkMetrics) (pipe.Sink, error) {
	a, err := parseAttributes(attrs)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("sink", a.plugin)
	switch a.plugin {
	case PluginThriftSync:
		return newThriftSink(a, cfg, 1, logger, m), nil
	case PluginThrift, PluginThriftAsync, PluginThriftSSL:
		return newThriftSink(a, cfg, cfg.MaxClients, logger, m), nil
	case PluginLegacy:
		return newLegacySink(a, cfg, logger, m), nil
	case PluginAirGap:
		return newAirGapSink(a, cfg, logger, m), nil
	case PluginDoNothing:
		return doNothing{m: m}, nil
	}
	panic("BUG: parseAttributes accepted unknown plugin " + a.plugin)
}

// sinkBase is what every sink that sends to targets is made of: its
// attributes, configuration and logger, its metrics (nil records none),
// its rate limit and its failover over the targets.
type sinkBase struct {
	a        *attributes
	cfg      Config
	log      *slog.Logger
	m        *sinkMetrics
	limit    *rateLimiter // rate-limit-bytes-per-second; nil unlimited
	failover *failover
}

func newSinkBase(a *attributes, cfg Config, logger *slog.Logger, m *sinkMetrics) sinkBase {
	return sinkBase{a: a, cfg: cfg, log: logger, m: m, limit: newRateLimiter(a.rateLimit), failover: newFailover(a, logger)}
}

// Batching is what the sink's batch attributes ask of the tasks using it.
func (s *sinkBase) Batching() pipe.Batching { return s.a.batching }

// doNothing is do-nothing-sink: it drops every batch.
type doNothing struct{ m *sinkMetrics }

func (d doNothing) Transfer(context.Context, *pipe.Batch) error {
	d.m.done(nil)
	return nil
}

func (doNothing) TargetClusterID() string { return "" }
func (doNothing) InFlight() int           { return 1 }
func (doNothing) Close() error            { return nil }
