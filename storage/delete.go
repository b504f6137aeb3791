package storage

import (
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicedb/sluice/storage/encoding"
)

// Delete removes the points of series ids with times in [minT, maxT]
// (inclusive) from the memtables and the chunks; the full int64 range drops
// the series. Like Write it is an applied log entry: an index at or below
// the last applied one is ignored. Chunks partly in the range are rewritten
// in place of the old ones, keeping their sequence.
//
// The rewrite is not synced: until the next flush moves DurableIndex past
// index, a restart replays the delete from the log.
func (r *Region) Delete(index uint64, ids []uint64, minT, maxT int64) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()
	r.mu.RLock()
	skip := r.closed || (r.applied && index <= r.lastIndex)
	r.mu.RUnlock()
	if skip {
		return nil
	}

	b := r.db.NewBatch()
	defer b.Close()
	if minT <= maxT {
		for _, id := range ids {
			if err := r.deleteChunks(b, id, minT, maxT); err != nil {
				return fmt.Errorf("delete in region %d series %d: %w", r.id, id, err)
			}
		}
	}

	// Chunks and memtables change under one lock hold so that no View sees
	// one without the other.
	r.mu.Lock()
	defer r.mu.Unlock()
	if !b.Empty() {
		if err := r.room(b.Len()); err != nil {
			return err
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("delete in region %d: %w", r.id, err)
		}
	}
	if minT <= maxT {
		var freed, f int64
		r.mem, freed = r.mem.withoutRange(index, ids, minT, maxT)
		if r.imm != nil {
			r.imm, f = r.imm.withoutRange(index, ids, minT, maxT)
			freed += f
		}
		r.m.memtableBytes.Sub(float64(freed))
	}
	r.lastIndex, r.applied = index, true
	return nil
}

// deleteChunks adds to b the removal of the points of series id in
// [minT, maxT] from its chunks.
func (r *Region) deleteChunks(b *pebble.Batch, id uint64, minT, maxT int64) error {
	if minT == math.MinInt64 && maxT == math.MaxInt64 {
		return b.DeleteRange(seriesPrefix(r.id, id), seriesEnd(r.id, id), nil)
	}
	it, err := r.db.NewIter(&pebble.IterOptions{
		LowerBound: chunkBound(r.id, id, windowStart(minT, r.cfg.ChunkWindow)),
		UpperBound: chunkBoundAfter(r.id, id, maxT),
	})
	if err != nil {
		return err
	}
	defer it.Close()
	var buf []byte
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		sum, err := encoding.DecodeSummary(v)
		if err != nil {
			return err
		}
		if sum.MaxTime < minT {
			continue
		}
		if sum.MinTime >= minT && sum.MaxTime <= maxT {
			if err := b.Delete(it.Key(), nil); err != nil {
				return err
			}
			continue
		}
		_, times, col, err := encoding.DecodeChunk(v)
		if err != nil {
			return err
		}
		keep := make([]int, 0, len(times))
		for i, t := range times {
			if t < minT || t > maxT {
				keep = append(keep, i)
			}
		}
		if len(keep) == len(times) {
			continue
		}
		// The remaining points keep the chunk's sequence; they all lie after
		// the new start, so the new key collides with no other chunk of the
		// same flush.
		_, seq, _ := parseChunkKey(it.Key())
		if err := b.Delete(it.Key(), nil); err != nil {
			return err
		}
		kept := col.Gather(keep)
		keptTimes := gather(times, keep)
		if buf, err = encoding.EncodeChunk(buf[:0], keptTimes, &kept); err != nil {
			return err
		}
		if err := b.Set(chunkKey(r.id, id, keptTimes[0], seq), buf, nil); err != nil {
			return err
		}
	}
	return it.Error()
}
