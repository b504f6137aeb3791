package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/encoding"
)

// chunkTextBytes is the most text bytes a chunk takes (a single larger
// value still gets its own chunk).
const chunkTextBytes = 1 << 20

// flushLoop flushes frozen memtables until ctx is done. A failed flush is
// retried with backoff; meanwhile Write blocks once the next memtable fills.
func (r *Region) flushLoop(ctx context.Context) {
	defer close(r.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.flushCh:
		}
		backoff := 100 * time.Millisecond
		for {
			err := r.flushFrozen()
			if err == nil || errors.Is(err, ErrClosed) {
				break
			}
			if errors.Is(err, ErrDiskFull) {
				r.logger.Warn("background flush waits for disk space", "err", err, "backoff", backoff)
			} else {
				r.logger.Error("background flush failed, retrying", "err", err, "backoff", backoff)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// flushFrozen flushes the frozen memtable, if any.
func (r *Region) flushFrozen() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.RLock()
	imm := r.imm
	r.mu.RUnlock()
	if imm == nil {
		return nil
	}
	return r.flushMemtable(imm)
}

// Flush makes everything written so far durable: it flushes the frozen and
// the current memtable and records the last applied index, so that
// afterwards DurableIndex is at least the index of the last Write or Delete
// applied before the call.
func (r *Region) Flush() error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	imm := r.imm
	r.mu.Unlock()
	if imm != nil {
		if err := r.flushMemtable(imm); err != nil {
			return err
		}
	}

	r.mu.Lock()
	target := r.lastIndex
	if r.mem.points > 0 {
		r.mem.upTo = target
		r.imm, r.mem = r.mem, newMemtable()
	}
	imm = r.imm
	r.mu.Unlock()
	if imm != nil {
		if err := r.flushMemtable(imm); err != nil {
			return err
		}
	}
	if r.durable.Load() >= target {
		return nil
	}
	// Nothing left to write but the index itself (after deletes, say).
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()
	if err := r.room(64); err != nil {
		return err
	}
	if err := r.db.Set(stateKey(r.id), encodeIndex(target), pebble.Sync); err != nil {
		return fmt.Errorf("flush region %d: %w", r.id, err)
	}
	r.durable.Store(target)
	return nil
}

// flushMemtable writes imm's points as chunks, with imm.upTo as their
// sequence and the region's new durable index, in one synced batch, then
// drops imm. The caller holds flushMu.
func (r *Region) flushMemtable(imm *memtable) error {
	start := time.Now()
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()

	keys := make([]seriesKey, 0, len(imm.series))
	for k := range imm.series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.typ, b.typ))
	})
	b := r.db.NewBatch()
	defer b.Close()
	var buf []byte
	for _, k := range keys {
		s := imm.series[k]
		times, col := s.snapshot(len(s.times)).sortedRange(math.MinInt64, math.MaxInt64)
		for i := 0; i < len(times); {
			j := r.chunkEnd(times, &col, i)
			part := col.Slice(i, j)
			if buf, err = encoding.EncodeChunk(buf[:0], times[i:j], &part); err != nil {
				return fmt.Errorf("flush region %d series %d: %w", r.id, k.id, err)
			}
			if err := b.Set(chunkKey(r.id, k.id, times[i], imm.upTo), buf, nil); err != nil {
				return fmt.Errorf("flush region %d: %w", r.id, err)
			}
			i = j
			// The flush is background work of hundreds of milliseconds
			// of CPU: between chunks it lets the goroutines waiting to run
			// (applying writes, answering reads) go first, rather than
			// taking its full share of the processor from them.
			runtime.Gosched()
		}
	}
	if err := b.Set(stateKey(r.id), encodeIndex(imm.upTo), nil); err != nil {
		return fmt.Errorf("flush region %d: %w", r.id, err)
	}
	if hook := r.cfg.TestingKnobs.BeforeFlushCommit; hook != nil {
		if err := hook(r.id); err != nil {
			return fmt.Errorf("flush region %d: %w", r.id, err)
		}
	}
	if err := r.room(b.Len()); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("flush region %d: %w", r.id, err)
	}

	r.mu.Lock()
	if r.imm == imm {
		r.imm = nil
		r.m.memtableBytes.Sub(float64(imm.bytes))
	}
	if imm.upTo > r.durable.Load() {
		r.durable.Store(imm.upTo)
	}
	r.cond.Broadcast()
	r.mu.Unlock()

	elapsed := time.Since(start)
	r.m.flushes.Inc()
	r.m.flushDuration.Observe(elapsed.Seconds())
	r.logger.Debug("memtable flushed", "points", imm.points, "series", len(keys),
		"bytes", b.Len(), "index", imm.upTo, "duration", elapsed)
	return nil
}

// chunkEnd returns the end of the chunk that starts at row i of sorted
// points: at most ChunkPoints rows, within one chunk window, and for text
// at most chunkTextBytes (but at least one row).
func (r *Region) chunkEnd(times []int64, col *model.Column, i int) int {
	limit := min(len(times), i+r.cfg.ChunkPoints)
	if end := windowEnd(times[i], r.cfg.ChunkWindow); end != math.MaxInt64 {
		limit = i + 1 + sort.Search(limit-i-1, func(k int) bool { return times[i+1+k] >= end })
	}
	if col.Type == model.Text {
		n := len(col.Texts[i])
		for j := i + 1; j < limit; j++ {
			if n += len(col.Texts[j]); n > chunkTextBytes {
				return j
			}
		}
	}
	return limit
}
