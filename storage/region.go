package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/diskspace"
)

// SeriesWrite is the points of one series in one Write. Rows whose
// Values.Nulls flag is set are absent and skipped.
type SeriesWrite struct {
	ID     uint64
	Times  []int64
	Values model.Column
}

// Region is one data region's storage: a memtable in front of the region's
// chunks in pebble. Write and Delete are meant to be called serially by the
// region's log applier; the other methods are safe for concurrent use.
type Region struct {
	id     uint32
	db     *pebble.DB
	space  *diskspace.Reserve
	cfg    Config
	logger *slog.Logger
	m      *metrics

	// mu guards the memtables and indexes; cond (on mu) is signalled when
	// the frozen memtable is flushed or the region closes.
	mu        sync.RWMutex
	cond      *sync.Cond
	mem       *memtable
	imm       *memtable // frozen, being flushed; nil if none
	lastIndex uint64    // of the last applied Write or Delete
	applied   bool      // lastIndex is meaningful
	lastView  uint64    // lastIndex when the latest View was taken
	closed    bool

	durable atomic.Uint64

	// flushMu serializes flushes and deletes: a Delete rewrites chunks and
	// the frozen memtable, which must not change under a flush.
	flushMu sync.Mutex
	flushCh chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}

	// life guards pebble use against close: operations hold it shared,
	// close takes it exclusively and then marks the region dead.
	life sync.RWMutex
	dead bool

	// viewsMu guards views and exports, which close closes.
	viewsMu sync.Mutex
	views   map[*View]struct{}
	exports map[*Export]struct{}
}

func newRegion(e *Engine, id uint32, durable uint64) *Region {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Region{
		id:        id,
		db:        e.db,
		space:     e.space,
		cfg:       e.cfg,
		logger:    e.logger.With("region", id),
		m:         e.metrics,
		mem:       newMemtable(),
		lastIndex: durable,
		applied:   durable > 0,
		flushCh:   make(chan struct{}, 1),
		cancel:    cancel,
		done:      make(chan struct{}),
		views:     make(map[*View]struct{}),
		exports:   make(map[*Export]struct{}),
	}
	r.cond = sync.NewCond(&r.mu)
	r.durable.Store(durable)
	go r.flushLoop(ctx)
	return r
}

// ID is the region's id.
func (r *Region) ID() uint32 { return r.id }

// Write applies the writes of log entry index to the memtable, copying what
// it keeps. Indexes must increase; a Write at or below the last applied
// index is a replay of something applied already and is ignored. When the
// memtable passes Config.MemtableBytes it is frozen and flushed in the
// background; if the previous frozen memtable is still flushing, Write
// waits for it (back-pressure). Writes that fail SeriesWrite.Validate are a
// caller bug and panic.
func (r *Region) Write(index uint64, writes []SeriesWrite) {
	for i := range writes {
		if err := writes[i].Validate(); err != nil {
			panic(fmt.Sprintf("BUG: storage write at index %d: %v", index, err))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (r.applied && index <= r.lastIndex) {
		return
	}
	var bytes, points int64
	for i := range writes {
		b, p := r.mem.append(index, r.lastView, &writes[i])
		bytes += b
		points += p
	}
	r.lastIndex, r.applied = index, true
	r.m.pointsWritten.Add(float64(points))
	r.m.memtableBytes.Add(float64(bytes))
	if r.mem.bytes >= r.cfg.MemtableBytes {
		r.freezeLocked()
	}
}

// Advance records that the log entries up to index have been applied, also
// those that wrote nothing here (a schema change, a refused write), so that
// the next Flush makes DurableIndex cover them: a region restored or
// reopened at DurableIndex then holds the state after exactly that entry.
// An index at or below the last applied one is ignored.
func (r *Region) Advance(index uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (r.applied && index <= r.lastIndex) {
		return
	}
	r.lastIndex, r.applied = index, true
}

// freezeLocked turns the memtable into the frozen one and wakes the
// flusher, first waiting for the previous frozen memtable to be flushed.
func (r *Region) freezeLocked() {
	for r.imm != nil && !r.closed {
		r.cond.Wait()
	}
	if r.closed {
		return
	}
	r.mem.upTo = r.lastIndex
	r.imm, r.mem = r.mem, newMemtable()
	select {
	case r.flushCh <- struct{}{}:
	default:
	}
}

// DurableIndex is the index up to which every Write and Delete is in
// pebble and synced. After a restart the log is replayed from the entry
// after it.
func (r *Region) DurableIndex() uint64 { return r.durable.Load() }

// PutMeta durably stores a small metadata entry (schema, for instance) in
// the region's metadata key space.
func (r *Region) PutMeta(key, value []byte) error {
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()
	if err := r.room(len(key) + len(value) + 64); err != nil {
		return err
	}
	if err := r.db.Set(metaKey(r.id, key), value, pebble.Sync); err != nil {
		return fmt.Errorf("put meta in region %d: %w", r.id, err)
	}
	return nil
}

// DeleteMeta durably removes a metadata entry; a missing one is no error.
func (r *Region) DeleteMeta(key []byte) error {
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()
	if err := r.room(len(key) + 64); err != nil {
		return err
	}
	if err := r.db.Delete(metaKey(r.id, key), pebble.Sync); err != nil {
		return fmt.Errorf("delete meta in region %d: %w", r.id, err)
	}
	return nil
}

// Metas calls fn with every metadata entry in key order, stopping at the
// first error, which it returns. The entries are read first, so fn may
// modify metadata.
func (r *Region) Metas(fn func(key, value []byte) error) error {
	entries, err := r.readMetas()
	if err != nil {
		return err
	}
	for _, kv := range entries {
		if err := fn(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

func (r *Region) readMetas() ([][2][]byte, error) {
	release, err := r.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	prefix := metaPrefix(r.id)
	it, err := r.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: append(regionPrefix(r.id), kindMeta+1)})
	if err != nil {
		return nil, fmt.Errorf("read metas of region %d: %w", r.id, err)
	}
	var out [][2][]byte
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("read metas of region %d: %w", r.id, err)
		}
		out = append(out, [2][]byte{append([]byte(nil), it.Key()[len(prefix):]...), append([]byte(nil), v...)})
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("read metas of region %d: %w", r.id, err)
	}
	return out, nil
}

// acquire holds the region open for a pebble operation; call the returned
// release when done.
// room fails with an error wrapping ErrDiskFull unless writing about n
// bytes (twice: the write-ahead log, then a table) leaves the engine's
// floor free.
func (r *Region) room(n int) error {
	if r.space == nil {
		return nil
	}
	if err := r.space.Check(2 * uint64(n)); err != nil {
		return fmt.Errorf("region %d: %w", r.id, err)
	}
	return nil
}

func (r *Region) acquire() (func(), error) {
	r.life.RLock()
	if r.dead {
		r.life.RUnlock()
		return nil, ErrClosed
	}
	return r.life.RUnlock, nil
}

// close stops the flusher and closes the region's open views and exports.
// Memtables are dropped unflushed.
func (r *Region) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.cond.Broadcast()
	held := r.mem.bytes
	if r.imm != nil {
		held += r.imm.bytes
	}
	// Views keep what they captured; a flush still running finds imm gone
	// and leaves the gauge alone.
	r.mem, r.imm = newMemtable(), nil
	r.m.memtableBytes.Sub(float64(held))
	r.mu.Unlock()

	r.cancel()
	<-r.done

	r.life.Lock()
	r.dead = true
	r.life.Unlock()

	r.viewsMu.Lock()
	views := make([]*View, 0, len(r.views))
	for v := range r.views {
		views = append(views, v)
	}
	exports := make([]*Export, 0, len(r.exports))
	for e := range r.exports {
		exports = append(exports, e)
	}
	r.viewsMu.Unlock()
	for _, v := range views {
		v.Close()
	}
	for _, e := range exports {
		_ = e.Close()
	}
}

func encodeIndex(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }
