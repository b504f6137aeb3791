package datanode

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// regionBatch is the part of a write that one region owns.
type regionBatch struct {
	db      string
	tablets []*model.Tablet
}

// Insert writes typed tablets: it routes each to its region, proposes one
// command per region, and returns when every region has committed its part.
// origin is the cluster a pipe received the data from ("" for clients).
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
		if err := d.check(ctx, db, t); err != nil {
			return err
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
	if err := d.proposeAll(ctx, batches, func(b *regionBatch) []byte {
		return region.WriteCommand(b.tablets, region.WriteOptions{Database: b.db, AutoCreate: d.cfg.AutoCreateSchema, Origin: origin})
	}); err != nil {
		return err
	}
	d.metrics.pointsWritten.Add(float64(points))
	return nil
}

// check refuses a tablet that its region's schema would refuse, before
// anything is proposed, so a batch spanning regions is never half-applied.
func (d *DataNode) check(ctx context.Context, db confignode.Database, t *model.Tablet) error {
	r, err := d.leaderOf(ctx, regionOf(db, t.Device))
	if err != nil {
		return err
	}
	return r.fsm.Check(t, d.cfg.AutoCreateSchema)
}

// proposeAll commits one command per region in parallel.
func (d *DataNode) proposeAll(ctx context.Context, batches map[uint32]*regionBatch, cmd func(*regionBatch) []byte) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for id, b := range batches {
		r, err := d.leaderOf(ctx, id)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.group.Apply(ctx, cmd(b)); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("region %d: %w", id, err)
					if status.CodeOf(err) != status.InternalServerError {
						first = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
