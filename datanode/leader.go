package datanode

import (
	"context"
	"errors"
	"time"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/peer"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/status"
)

// leaderBudget bounds how long a request waits for a region to elect a
// leader or for its leader to become reachable.
const leaderBudget = 20 * time.Second

// leaderTarget is where a region's leader is: this node's replica, or the
// DataNode at addr.
type leaderTarget struct {
	local *replica
	node  uint32
	addr  string
}

// errLeaderUnknown is a region whose leader is not known yet, or has not
// caught up after its election.
var errLeaderUnknown = errors.New("region leader not known yet")

// onLeader runs fn against region id's leader, retrying while the region
// elects a leader, while leadership moves, and while the leader cannot be
// reached, for up to leaderBudget (or ctx's deadline).
func (d *DataNode) onLeader(ctx context.Context, id uint32, fn func(leaderTarget) error) error {
	deadline := time.Now().Add(leaderBudget)
	backoff := 20 * time.Millisecond
	var hint uint32
	for try := 0; ; try++ {
		t, err := d.locate(ctx, id, hint, try)
		if err == nil {
			err = fn(t)
		}
		if err == nil || !retryableRoute(err) {
			return err
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return status.Errorf(status.NoAvailableRegionGroup, "region %d has no reachable leader: %w", id, err)
		}
		hint = 0
		var nl *peer.NotLeaderError
		if errors.As(err, &nl) {
			hint = nl.Hint
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// retryableRoute reports whether a failure may pass once leadership
// settles: a write or read is idempotent, so one that reached a leader that
// then lost the lead may be sent again.
func retryableRoute(err error) bool {
	return errors.Is(err, consensus.ErrNotLeader) || errors.Is(err, peer.ErrUnreachable) || errors.Is(err, errLeaderUnknown)
}

// locate finds region id's leader: this node's replica when it serves,
// otherwise the node a replica last named, the one this node's replica
// follows, the one the ConfigNode leader reported, or else each replica in
// turn.
func (d *DataNode) locate(ctx context.Context, id uint32, hint uint32, try int) (leaderTarget, error) {
	r := d.regions.get(id)
	if r == nil && d.cluster == nil {
		if err := d.reconcile(ctx); err != nil {
			return leaderTarget{}, err
		}
		if r = d.regions.get(id); r == nil {
			return leaderTarget{}, status.Errorf(status.NoAvailableRegionGroup, "region %d is not served by this node", id)
		}
	}
	if r != nil && r.serving() {
		return leaderTarget{local: r, node: d.cfg.NodeID}, nil
	}
	if d.cluster == nil {
		return leaderTarget{}, errLeaderUnknown
	}
	node := hint
	if node == 0 && r != nil {
		node = r.leaderNode()
	}
	if node == 0 {
		node = d.cachedLeader(id)
	}
	if node == 0 || node == d.cfg.NodeID {
		node = d.replicaInTurn(id, try)
	}
	if node == 0 || node == d.cfg.NodeID {
		return leaderTarget{}, errLeaderUnknown
	}
	for _, n := range d.meta.DataNodes() {
		if n.ID == node {
			return leaderTarget{node: node, addr: n.Internal.String()}, nil
		}
	}
	return leaderTarget{}, errLeaderUnknown
}

// replicaInTurn picks one of region id's replicas on other nodes.
func (d *DataNode) replicaInTurn(id uint32, try int) uint32 {
	var others []uint32
	for _, reg := range d.meta.Regions() {
		if reg.ID != id {
			continue
		}
		for _, n := range reg.Replicas {
			if n != d.cfg.NodeID {
				others = append(others, n)
			}
		}
	}
	if len(others) == 0 {
		return 0
	}
	return others[try%len(others)]
}

// propose commits cmd in region id on its leader.
func (d *DataNode) propose(ctx context.Context, id uint32, cmd []byte) error {
	return d.onLeader(ctx, id, func(t leaderTarget) error {
		if t.local != nil {
			if region.IsWrite(cmd) {
				if err := d.admitWrite(len(cmd)); err != nil {
					return err
				}
			}
			_, err := t.local.group.Apply(ctx, cmd)
			return err
		}
		return d.cluster.peers.Propose(ctx, t.addr, id, cmd, false)
	})
}
