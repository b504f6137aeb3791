package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/pipe"
)

// ErrRegistryClosed is returned by Acquire after Close.
var ErrRegistryClosed = errors.New("sink registry is closed")

// Registry shares one sink instance among the pipes whose sink attributes
// are identical as sets of key-value pairs (the order they were written in
// does not matter), reference counted: the last release closes it. The
// attributes are compared as given, prefixes and plugin aliases included,
// as IoTDB compares them when it shares sink subtasks: 'sink.ip' and 'ip'
// make two instances, though each sink reads them alike.
type Registry struct {
	cfg     Config
	log     *slog.Logger
	reg     prometheus.Registerer
	metrics *metrics

	mu     sync.Mutex
	sinks  map[string]*entry // by Key
	closed bool
}

// entry is one shared instance.
type entry struct {
	sink  *shared
	refs  int
	stats *sinkMetrics
}

// shared is the instance handed to every acquirer. Its Close does nothing:
// pipes let go of it with the release function Acquire returned, and the
// Registry closes the instance when the last one has.
type shared struct{ pipe.Sink }

// Close does nothing; see Registry.Acquire.
func (*shared) Close() error { return nil }

// Batching is the instance's, or disabled for a sink that does not batch.
func (s *shared) Batching() pipe.Batching {
	if b, ok := s.Sink.(pipe.Batcher); ok {
		return b.Batching()
	}
	return pipe.Batching{}
}

// Connections is how many connections the instance holds open.
func (s *shared) Connections() int { return Connections(s.Sink) }

// Connections is how many connections sink s holds open, 0 for sinks
// without connections.
func Connections(s pipe.Sink) int {
	if c, ok := s.(interface{ Connections() int }); ok {
		return c.Connections()
	}
	return 0
}

// NewRegistry returns an empty Registry whose sinks use cfg. Its metrics
// are registered on reg when reg is not nil.
func NewRegistry(cfg Config, logger *slog.Logger, reg prometheus.Registerer) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{cfg: cfg, log: logger, reg: reg, metrics: newMetrics(reg), sinks: make(map[string]*entry)}
}

// Acquire returns the sink for attrs, creating it on first use, and the
// function that releases this reference (idempotent). Pipes with identical
// attributes get the same instance. The instance's own Close does nothing:
// release it instead.
func (r *Registry) Acquire(attrs map[string]string) (pipe.Sink, func(), error) {
	if _, err := parseAttributes(attrs); err != nil {
		return nil, nil, err
	}
	key := r.Key(attrs)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, nil, ErrRegistryClosed
	}
	e := r.sinks[key]
	if e == nil {
		stats := r.metrics.forSink(SinkID(key))
		s, err := newSink(attrs, r.cfg, r.log.With("sink_id", stats.id), stats)
		if err != nil {
			stats.unregister()
			return nil, nil, err
		}
		e = &entry{sink: &shared{s}, stats: stats}
		r.sinks[key] = e
	}
	e.refs++
	var once sync.Once
	release := func() { once.Do(func() { r.release(key, e) }) }
	return e.sink, release, nil
}

func (r *Registry) release(key string, e *entry) {
	r.mu.Lock()
	if r.sinks[key] != e {
		r.mu.Unlock() // the registry was closed meanwhile
		return
	}
	e.refs--
	if e.refs > 0 {
		r.mu.Unlock()
		return
	}
	delete(r.sinks, key)
	// Drop the series under the lock, so that an instance created for the
	// same key right after starts with its own.
	e.stats.unregister()
	r.mu.Unlock()
	if err := e.sink.Sink.Close(); err != nil {
		r.log.Warn("closing sink", "sink_id", e.stats.id, "err", err)
	}
}

// Close closes every instance, released or not, and unregisters the
// metrics. Acquire fails afterwards. It is idempotent.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	entries := r.sinks
	r.sinks = nil
	for _, e := range entries {
		e.stats.unregister()
	}
	r.mu.Unlock()

	var errs []error
	for _, e := range entries {
		errs = append(errs, e.sink.Sink.Close())
	}
	if r.reg != nil {
		r.reg.Unregister(r.metrics.conns)
		r.reg.Unregister(r.metrics.transfers)
		r.reg.Unregister(r.metrics.bytes)
	}
	return errors.Join(errs...)
}

// Key is the canonical form of a sink's attributes: two attribute sets
// share an instance exactly when their keys are equal (SHOW PIPES WHERE
// SINK USED BY compares them). Pairs are sorted and quoted; secret values
// (passwords) appear only as a SHA-256 digest, yet the key is still not for
// display.
func (r *Registry) Key(attrs map[string]string) string { return Key(attrs) }

// Key is Registry.Key, usable without a Registry.
func Key(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v := attrs[k]
		if isSecret(k) {
			sum := sha256.Sum256([]byte(v))
			v = "sha256:" + hex.EncodeToString(sum[:])
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}

// SinkID is a short stable id of a sink key (12 hex digits of its SHA-256),
// the "sink" label of the sink metrics.
func SinkID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}

func isSecret(attr string) bool {
	a := strings.ToLower(attr)
	return strings.HasSuffix(a, "password") || strings.HasSuffix(a, "passwd")
}
