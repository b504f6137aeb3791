package datanode

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/storage"
)

// replica is one data region hosted here: its state machine over the
// storage engine and the Raft group whose log is its write-ahead log.
type replica struct {
	id    uint32
	fsm   *region.FSM
	group *consensus.Group
}

// regionSet holds the replicas this node hosts.
type regionSet struct {
	mu       sync.RWMutex
	replicas map[uint32]*replica
}

func (s *regionSet) get(id uint32) *replica {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.replicas[id]
}

func (s *regionSet) all() []*replica {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*replica, 0, len(s.replicas))
	for _, r := range s.replicas {
		out = append(out, r)
	}
	return out
}

// openRegion opens (or creates) region id and waits for its group to lead.
func (d *DataNode) openRegion(ctx context.Context, id uint32) (*replica, error) {
	d.regions.mu.Lock()
	defer d.regions.mu.Unlock()
	if r := d.regions.replicas[id]; r != nil {
		return r, nil
	}
	st, err := d.engine.Region(id)
	if err != nil {
		return nil, fmt.Errorf("open storage of region %d: %w", id, err)
	}
	fsm, err := region.NewFSM(id, st, d.logger)
	if err != nil {
		return nil, err
	}
	g, err := consensus.Open(consensus.Config{
		Name: fmt.Sprintf("region-%d", id), ID: fmt.Sprintf("dn%d", d.cfg.NodeID),
		Dir:               filepath.Join(d.cfg.DataDir, "regions", fmt.Sprint(id)),
		SnapshotThreshold: 512, TrailingLogs: 4, LogCacheSize: 32, Timeout: d.cfg.RaftTimeout,
	}, fsm, d.logger, d.raftMetrics)
	if err != nil {
		return nil, err
	}
	if err := g.WaitLeader(ctx); err != nil {
		g.Close()
		return nil, err
	}
	if g.IsLeader() {
		if err := g.Barrier(ctx); err != nil {
			g.Close()
			return nil, err
		}
	}
	r := &replica{id: id, fsm: fsm, group: g}
	d.regions.replicas[id] = r
	return r, nil
}

// closeRegion stops region id and, when drop is set, deletes its data.
func (d *DataNode) closeRegion(id uint32, drop bool) error {
	d.regions.mu.Lock()
	r := d.regions.replicas[id]
	delete(d.regions.replicas, id)
	d.regions.mu.Unlock()
	if r == nil {
		return nil
	}
	err := r.group.Close()
	if drop {
		if e := d.engine.DropRegion(id); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// reconcile opens every region the metadata places here and closes (and
// deletes) those it no longer lists, which happens only when their database
// is dropped. Reconciles run one at a time and read the metadata inside the
// lock: a region is opened only by a reconcile that saw it listed, so a
// later reconcile never works from an older view and never drops a region
// that another writer has just opened.
func (d *DataNode) reconcile(ctx context.Context) error {
	d.reconcileMu.Lock()
	defer d.reconcileMu.Unlock()
	want := make(map[uint32]bool)
	for _, r := range d.meta.Regions() {
		for _, n := range r.Replicas {
			if n == d.cfg.NodeID {
				want[r.ID] = true
			}
		}
	}
	for id := range want {
		if _, err := d.openRegion(ctx, id); err != nil {
			return err
		}
	}
	for _, r := range d.regions.all() {
		if !want[r.id] {
			if err := d.closeRegion(r.id, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// storageConfig derives the engine's configuration from the node's.
func (d *DataNode) storageConfig() storage.Config {
	return storage.Config{Dir: filepath.Join(d.cfg.DataDir, "storage"), MemtableBytes: d.cfg.MemtableBytes}
}
