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

// doNothing is do-nothing-sink: it drops every batch.
type doNothing struct{ m *sinkMetrics }

func (d doNothing) Transfer(context.Context, *pipe.Batch) error {
	d.m.done(nil)
	return nil
}

func (doNothing) TargetClusterID() string { return "" }
func (doNothing) InFlight() int           { return 1 }
func (doNothing) Close() error            { return nil }
