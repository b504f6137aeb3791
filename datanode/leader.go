package datanode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/confignode"
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
// reached, for up to leaderBudget (or ctx's deadline). fn gets the
// context of its attempt: one that reaches another node is abandoned as
// soon as this node learns of a new leader (see watchLeader), so that a
// request to a leader that went silent moves to its successor within an
// election instead of waiting for the silent one.
func (d *DataNode) onLeader(ctx context.Context, id uint32, fn func(context.Context, leaderTarget) error) error {
	deadline := time.Now().Add(leaderBudget)
	backoff := 20 * time.Millisecond
	var hint uint32
	for try := 0; ; try++ {
		t, err := d.locate(ctx, id, hint, try)
		if err == nil {
			err = d.attempt(ctx, id, t, fn)
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

// errLeaderMoved ends an attempt on another node once this node learns
// that the region's leadership has left it.
var errLeaderMoved = errors.New("region leadership moved during the request")

// leaderWatchInterval is how often an attempt on another node checks this
// node's view of the region's leader: a small fraction of an election.
const leaderWatchInterval = 50 * time.Millisecond

// attempt runs fn once against t. On another node it runs under a context
// that watchLeader cancels when the region's leader, as this node sees it,
// changes from what it was at the start to a node other than t; the
// attempt then fails with errLeaderMoved, which onLeader retries. A write
// so abandoned may still commit (on a leader that recovers in time): a
// write is idempotent, so sending it again is safe.
func (d *DataNode) attempt(ctx context.Context, id uint32, t leaderTarget, fn func(context.Context, leaderTarget) error) error {
	if t.local != nil {
		return fn(ctx, t)
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		d.watchLeader(actx, stop, id, t.node, cancel)
	}()
	err := fn(actx, t)
	close(stop)
	<-watching
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errLeaderMoved) {
		return fmt.Errorf("region %d: leader %d: %w (%v)", id, t.node, errLeaderMoved, err)
	}
	return err
}

// watchLeader cancels an attempt on node with errLeaderMoved once this
// node's view of region id's leader (its replica's, else the ConfigNode
// leader's) differs from the view when the attempt started and does not
// name node: the follower replica here noticed the silence of its leader
// (one heartbeat timeout) or heard from a new one. It returns when stop is
// closed or ctx ends.
func (d *DataNode) watchLeader(ctx context.Context, stop <-chan struct{}, id, node uint32, cancel context.CancelCauseFunc) {
	start := d.leaderView(id)
	tick := time.NewTicker(leaderWatchInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if v := d.leaderView(id); v != start && v != node {
			cancel(errLeaderMoved)
			return
		}
	}
}

// leaderView is the DataNode this node believes leads region id: its
// replica's leader when it hosts one (0 while that replica knows none),
// else the one the ConfigNode leader last reported.
func (d *DataNode) leaderView(id uint32) uint32 {
	if r := d.regions.get(id); r != nil {
		return r.leaderNode()
	}
	return d.cachedLeader(id)
}

// retryableRoute reports whether a failure may pass once leadership
// settles: a write or read is idempotent, so one that reached a leader that
// then lost the lead may be sent again.
func retryableRoute(err error) bool {
	return errors.Is(err, consensus.ErrNotLeader) || errors.Is(err, peer.ErrUnreachable) ||
		errors.Is(err, errLeaderUnknown) || errors.Is(err, errLeaderMoved)
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
	return d.onLeader(ctx, id, func(ctx context.Context, t leaderTarget) error {
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

// heartbeatInterval is how often this node reports to the ConfigNode
// leader.
func (d *DataNode) heartbeatInterval() time.Duration {
	if d.cfg.HeartbeatInterval <= 0 {
		return time.Second
	}
	return d.cfg.HeartbeatInterval
}

// leaderSettled reports whether r has led its region long enough to hand
// the lead back to the region's preferred replica (balanceLeaders): for
// the ConfigNode leader's silence deadline and one more heartbeat. A
// replica usually takes over because the preferred one fell silent
// (paused, cut off); by then the ConfigNode shows that one Unknown and it
// is not handed a lead it cannot take. Such a transfer would cost writes:
// the leader refuses them until the transfer gives up (an election
// timeout, then consensus.TimeoutNowLimit for its TimeoutNow RPC).
func (d *DataNode) leaderSettled(r *replica) bool {
	since := r.group.LeaderSince()
	return !since.IsZero() && time.Since(since) >= (confignode.SilentBeats+1)*d.heartbeatInterval()
}
