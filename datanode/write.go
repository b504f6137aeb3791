package datanode

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// regionBatch is the part of a write that one region owns.
type regionBatch struct {
	db      string
	tablets []*model.Tablet
	cmd     []byte
}

// Insert writes typed tablets: it routes each to its region, checks a
// write spanning regions against each region's schema (checkAll), then
// proposes one command per region, and returns when every region has
// committed its part. origin is the cluster a pipe received the data from ("" for
// clients).
func (d *DataNode) Insert(ctx context.Context, tablets []*model.Tablet, origin string) error {
	batches := make(map[uint32]*regionBatch)
	now := time.Now().UnixMilli()
	points := 0
	for _, t := range tablets {
		if err := t.Validate(); err != nil {
			return status.Errorf(status.IllegalParameter, "%w", err)
		}
		db, err := d.resolveDatabase(ctx, t.Device)
		if err != nil {
			return err
		}
		if db.TTL > 0 {
			for _, ts := range t.Times {
				if ts < now-db.TTL {
					return status.Errorf(status.OutOfTTL, "time %d of %s is older than the database's TTL of %d ms", ts, t.Device, db.TTL)
				}
			}
		}
		id := regionOf(db, t.Device)
		b := batches[id]
		if b == nil {
			b = &regionBatch{db: db.Name}
			batches[id] = b
		}
		b.tablets = append(b.tablets, t)
		points += t.Points()
	}
	opts := region.WriteOptions{AutoCreate: d.cfg.AutoCreateSchema, Origin: origin}
	for _, b := range batches {
		opts.Database = b.db
		b.cmd = region.WriteCommand(b.tablets, opts)
	}
	if err := d.checkAll(ctx, batches); err != nil {
		return err
	}
	if err := d.proposeAll(ctx, batches, func(b *regionBatch) []byte { return b.cmd }); err != nil {
		return err
	}
	d.metrics.pointsWritten.Add(float64(points))
	if origin == "" {
		d.metrics.writeRequests.Inc()
	}
	return nil
}

// checkAll refuses what a region's schema would refuse before anything is
// proposed, so that a batch spanning regions is never half-applied and a
// refused write never reaches a log. A remote leader is sent the tablets'
// schema only, not their rows; a batch of one remote region is not checked
// apart, since its leader checks the command whole before proposing it.
func (d *DataNode) checkAll(ctx context.Context, batches map[uint32]*regionBatch) error {
	single := len(batches) == 1
	return d.forEachRegion(ctx, batches, func(id uint32, b *regionBatch) error {
		return d.onLeader(ctx, id, func(ctx context.Context, t leaderTarget) error {
			if t.local == nil {
				if single {
					return nil
				}
				probe := region.WriteCommand(schemaOf(b.tablets), region.WriteOptions{Database: b.db, AutoCreate: d.cfg.AutoCreateSchema})
				return d.cluster.peers.Propose(ctx, t.addr, id, probe, true)
			}
			for _, tab := range b.tablets {
				if err := t.local.fsm.Check(tab, d.cfg.AutoCreateSchema); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// schemaOf is tablets without their rows: all a schema check reads.
func schemaOf(tablets []*model.Tablet) []*model.Tablet {
	out := make([]*model.Tablet, len(tablets))
	for i, t := range tablets {
		cols := make([]model.Column, len(t.Columns))
		for j, c := range t.Columns {
			cols[j] = model.Column{Type: c.Type}
		}
		out[i] = &model.Tablet{Device: t.Device, Aligned: t.Aligned, Measurements: t.Measurements, Columns: cols}
	}
	return out
}

// proposeAll commits one command per region in parallel.
func (d *DataNode) proposeAll(ctx context.Context, batches map[uint32]*regionBatch, cmd func(*regionBatch) []byte) error {
	return d.forEachRegion(ctx, batches, func(id uint32, b *regionBatch) error {
		return d.propose(ctx, id, cmd(b))
	})
}

// forEachRegion runs fn for every region's batch in parallel and returns
// the first failure.
func (d *DataNode) forEachRegion(ctx context.Context, batches map[uint32]*regionBatch, fn func(uint32, *regionBatch) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for id, b := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(id, b); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					if status.CodeOf(err) == status.InternalServerError {
						first = fmt.Errorf("region %d: %w", id, err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
