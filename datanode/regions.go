package datanode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"

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
	closed   bool // the node is shutting down: no region opens any more
}

// errRegionsClosed refuses a region opened while the node shuts down.
var errRegionsClosed = errors.New("the DataNode is shutting down")

// lookup returns region id if it is open, and an error once the set is
// closed.
func (s *regionSet) lookup(id uint32) (*replica, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errRegionsClosed
	}
	return s.replicas[id], nil
}

// add makes r one of the open regions, unless the set is closed.
func (s *regionSet) add(r *replica) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errRegionsClosed
	}
	s.replicas[r.id] = r
	return nil
}

// close stops regions from opening and returns those open.
func (s *regionSet) close() []*replica {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.all()
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

// serving reports whether this replica leads its region and may serve
// reads and writes.
func (r *replica) serving() bool { return r.group.LeaderReady() }

// leaderNode is the DataNode this replica believes leads its region, 0 if
// unknown.
func (r *replica) leaderNode() uint32 {
	_, id := r.group.Leader()
	return nodeOfReplica(string(id))
}

// openRegion opens (or creates) region id. In a standalone process it
// waits for the region's single-replica group to lead; in a cluster the
// group elects its leader once a majority of its replicas is up. It runs
// under reconcileMu, without holding the region set's lock while the
// region opens: requests to other regions go on meanwhile, and reconcile
// opens several regions at once.
func (d *DataNode) openRegion(ctx context.Context, id uint32, replicas []uint32) (*replica, error) {
	if r, err := d.regions.lookup(id); r != nil || err != nil {
		return r, err
	}
	st, err := d.engine.Region(id)
	if err != nil {
		return nil, fmt.Errorf("open storage of region %d: %w", id, err)
	}
	fsm, err := region.NewFSM(id, st, d.logger)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(d.regionDir(id)); errors.Is(err, fs.ErrNotExist) {
		if err := d.takeSpare(d.regionDir(id)); err != nil {
			return nil, fmt.Errorf("open region %d: %w", id, err)
		}
	}
	gc := consensus.Config{
		Name: fmt.Sprintf("region-%d", id), ID: replicaID(d.cfg.NodeID), Dir: d.regionDir(id),
		LogStore:          consensus.LogStoreWAL,
		SnapshotThreshold: 512, TrailingLogs: 4, TrailingBytes: standaloneTrailingBytes,
		LogCacheSize: 32, Timeout: d.cfg.RaftTimeout,
		PinnedLogLimit: uint64(max(0, d.cfg.PipePinnedLogMaxBytes)),
		OnPinRelease:   func(r consensus.PinRelease) { d.pinReleased(id, r) },
		SoleVoter:      d.cluster == nil,
	}
	if d.cluster != nil {
		if err := d.clusterGroupConfig(&gc, replicas); err != nil {
			return nil, err
		}
	}
	g, err := consensus.Open(gc, fsm, d.logger, d.raftMetrics)
	if err != nil {
		if cl, ok := gc.Transport.(io.Closer); ok {
			cl.Close()
		}
		return nil, err
	}
	if d.cluster == nil {
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
	}
	r := &replica{id: id, fsm: fsm, group: g}
	if err := d.regions.add(r); err != nil {
		g.Close()
		return nil, err
	}
	return r, nil
}

// openRegions opens the regions of want (id to replicas) at once: a
// database's regions elect their leaders together rather than one after
// the other.
func (d *DataNode) openRegions(ctx context.Context, want map[uint32][]uint32) error {
	errs := make(chan error, len(want))
	var wg sync.WaitGroup
	for id, replicas := range want {
		wg.Go(func() {
			_, err := d.openRegion(ctx, id, replicas)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		if err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
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
		if e := os.RemoveAll(d.regionDir(id)); e != nil && err == nil {
			err = fmt.Errorf("remove the log of region %d: %w", id, e)
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
	want := make(map[uint32][]uint32)
	for _, r := range d.meta.Regions() {
		for _, n := range r.Replicas {
			if n == d.cfg.NodeID {
				want[r.ID] = r.Replicas
			}
		}
	}
	if err := d.openRegions(ctx, want); err != nil {
		return err
	}
	for _, r := range d.regions.all() {
		if _, ok := want[r.id]; !ok {
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

// clusterGroupConfig makes gc a replicated group: the region's replicas on
// their DataNodes' consensus endpoints, over this node's mux, with enough
// log kept for a briefly absent follower to catch up without a snapshot.
func (d *DataNode) clusterGroupConfig(gc *consensus.Config, replicas []uint32) error {
	nodes := map[uint32]string{}
	for _, n := range d.meta.DataNodes() {
		nodes[n.ID] = n.Consensus.String()
	}
	for _, id := range replicas {
		addr, ok := nodes[id]
		if !ok {
			return fmt.Errorf("%s: replica on DataNode %d, which is not registered", gc.Name, id)
		}
		gc.Peers = append(gc.Peers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(replicaID(id)), Address: raft.ServerAddress(addr)})
	}
	tr, err := d.cluster.mux.Transport(gc.Name, 10*time.Second)
	if err != nil {
		return err
	}
	gc.Transport, gc.TrailingLogs, gc.TrailingBytes, gc.LogCacheSize = tr, 512, clusterTrailingBytes, 256
	return nil
}

// The log a region's snapshot leaves behind. A standalone region has no
// follower: what it keeps serves only a pipe that is a few small entries
// behind (pins keep what pipes need); a batch of tablets, megabytes, is not
// kept, so that FLUSH leaves the log empty. A replicated region keeps
// enough for a follower that was briefly away to catch up from the log; one
// further behind is sent the region's data as a snapshot, which is cheaper
// than replaying more than a memtable's worth of entries.
const (
	standaloneTrailingBytes = 1 << 20
	clusterTrailingBytes    = 64 << 20
)
