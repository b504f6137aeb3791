package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/storage/diskspace"
)

// ErrClosed is returned by operations on a closed engine, region or view.
var ErrClosed = errors.New("storage closed")

// ErrDiskFull is wrapped by the error of a write refused because it could
// leave less than Config.MinFreeBytes free. Nothing was written; the same
// write succeeds once space is freed.
var ErrDiskFull = diskspace.ErrFull

// DefaultMinFreeBytes is the default Config.MinFreeBytes: room for pebble
// to rotate its write-ahead log (preallocated at 110% of its 4 MiB
// memtable) a few times, flush and compact.
const DefaultMinFreeBytes = 16 << 20

// Config configures an Engine. Zero fields take the documented defaults.
type Config struct {
	// Dir is the pebble directory; it is created if missing. Required.
	Dir string
	// MemtableBytes is the size at which a region's memtable is frozen and
	// flushed in the background. Default 64 MiB.
	MemtableBytes int64
	// ChunkPoints is the most points in one chunk. Default 4096.
	ChunkPoints int
	// ChunkWindow is the width, in timestamp units, of the time windows that
	// chunks never cross; a read seeks to the window of its start time, so
	// it bounds the chunk headers a read skips. Default 3,600,000 (one hour
	// of milliseconds).
	ChunkWindow int64
	// PebbleCacheBytes is the pebble block cache size. Default 64 MiB.
	PebbleCacheBytes int64
	// MinFreeBytes is the space the engine leaves free on Dir's file
	// system: a write to pebble that could leave less (a memtable flush,
	// metadata, a delete) fails with an error wrapping ErrDiskFull and
	// writes nothing, since pebble cannot survive running out of space
	// (see package diskspace). Default DefaultMinFreeBytes; negative turns
	// the check off.
	MinFreeBytes int64
	// TestingKnobs inject faults in tests.
	TestingKnobs TestingKnobs
}

// TestingKnobs are hooks for tests; all are nil in production.
type TestingKnobs struct {
	// BeforeFlushCommit runs before a flush commits its batch; an error
	// fails the flush.
	BeforeFlushCommit func(region uint32) error
	// FS replaces the operating system's file system (e.g. with pebble's
	// crashable in-memory one).
	FS vfs.FS
	// Stat replaces diskspace.Stat for the MinFreeBytes check.
	Stat func(dir string) (diskspace.Usage, error)
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.MemtableBytes <= 0 {
		out.MemtableBytes = 64 << 20
	}
	if out.ChunkPoints <= 0 {
		out.ChunkPoints = 4096
	}
	if out.ChunkWindow <= 0 {
		out.ChunkWindow = 3_600_000
	}
	if out.PebbleCacheBytes <= 0 {
		out.PebbleCacheBytes = 64 << 20
	}
	if out.MinFreeBytes == 0 {
		out.MinFreeBytes = DefaultMinFreeBytes
	}
	return out
}

// Engine is the storage of one DataNode: one pebble database holding many
// regions. Its methods are safe for concurrent use.
type Engine struct {
	cfg     Config
	fs      vfs.FS
	logger  *slog.Logger
	db      *pebble.DB
	metrics *metrics
	space   *diskspace.Reserve // nil: unchecked

	mu      sync.Mutex
	regions map[uint32]*Region
	closed  bool
}

// Open opens or creates the engine in cfg.Dir. Metrics are registered on reg
// when it is not nil.
func Open(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Engine, error) {
	if cfg.Dir == "" {
		return nil, errors.New("open storage: no directory")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, fs: cfg.TestingKnobs.FS, logger: logger, regions: make(map[uint32]*Region)}
	if cfg.MinFreeBytes > 0 {
		e.space = &diskspace.Reserve{Dir: cfg.Dir, Bytes: uint64(cfg.MinFreeBytes), Stat: cfg.TestingKnobs.Stat}
	}
	if e.fs == nil {
		e.fs = vfs.Default
	}
	cache := pebble.NewCache(cfg.PebbleCacheBytes)
	defer cache.Unref()
	opts := &pebble.Options{
		Cache:              cache,
		FS:                 e.fs,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{logger},
		// Chunks arrive compressed, a few MB/s at full ingest: a small
		// memtable keeps the preallocated WAL (110% of it) small too.
		MemTableSize: 4 << 20,
	}
	// Chunk values are compressed already; pebble would only spend CPU.
	opts.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	db, err := pebble.Open(cfg.Dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open storage %s: %w", cfg.Dir, err)
	}
	e.db = db
	e.metrics = newMetrics(reg, e.DiskBytes)
	if err := e.metrics.register(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open storage: register metrics: %w", err)
	}
	logger.Info("storage opened", "dir", cfg.Dir)
	return e, nil
}

// Close stops the background flushes, closes the views still open and the
// database. It flushes nothing: the regions' logs cover what memtables held.
// It is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for id, r := range e.regions {
		r.close()
		delete(e.regions, id)
	}
	e.metrics.unregister()
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("close storage: %w", err)
	}
	return nil
}

// Region opens region id, creating it if it has never been written.
func (e *Engine) Region(id uint32) (*Region, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if r, ok := e.regions[id]; ok {
		return r, nil
	}
	durable, err := e.loadDurableIndex(id)
	if err != nil {
		return nil, fmt.Errorf("open region %d: %w", id, err)
	}
	r := newRegion(e, id, durable)
	e.regions[id] = r
	return r, nil
}

// DropRegion deletes all data and metadata of region id. A Region handle of
// it is closed; Region(id) afterwards starts an empty region.
func (e *Engine) DropRegion(id uint32) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if r, ok := e.regions[id]; ok {
		r.close()
		delete(e.regions, id)
	}
	if err := e.db.DeleteRange(regionPrefix(id), regionEnd(id), pebble.Sync); err != nil {
		return fmt.Errorf("drop region %d: %w", id, err)
	}
	return nil
}

// DiskBytes is the size of the engine's directory: sstables, WAL, manifest.
func (e *Engine) DiskBytes() int64 {
	names, err := e.fs.List(e.cfg.Dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, name := range names {
		if info, err := e.fs.Stat(e.fs.PathJoin(e.cfg.Dir, name)); err == nil && !info.IsDir() {
			n += info.Size()
		}
	}
	return n
}

func (e *Engine) loadDurableIndex(id uint32) (uint64, error) {
	v, closer, err := e.db.Get(stateKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("region state of %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// pebbleLogger routes pebble's log lines to slog; its chatty info lines go
// to debug.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble")
	fmt.Fprintln(os.Stderr, "pebble fatal:", msg)
	os.Exit(1)
}
