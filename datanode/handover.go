package datanode

import (
	"context"
	"slices"
	"time"

	"github.com/sluicedb/sluice/confignode"
)

// handOverBudget bounds handing the regions this node leads over to other
// replicas when it shuts down: the pipe tasks' drain, the progress commit
// and the leadership transfers. Past it the node shuts down anyway and the
// regions not handed over fail over as after a crash (at least once: their
// new leaders resend from the last committed frontier).
const handOverBudget = 5 * time.Second

// handBackBudget bounds handing a region back to its preferred replica.
const handBackBudget = 5 * time.Second

// handOverLeadership moves the leadership of every region this node leads
// to another running replica, after the pipe agent has drained and
// committed their tasks, so that neither the regions nor their pipes stall
// for an election and nothing is sent twice. A standalone node has no
// other replica.
func (d *DataNode) handOverLeadership() {
	if d.cluster == nil || d.pipes == nil {
		return
	}
	targets := d.handOverTargets()
	if len(targets) == 0 {
		return
	}
	ids := make([]uint32, 0, len(targets))
	for id := range targets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ctx, cancel := context.WithTimeout(context.Background(), handOverBudget)
	defer cancel()
	start := time.Now()
	err := d.pipes.HandOver(ctx, ids, func(ctx context.Context, id uint32) error {
		return d.transferLeadership(id, targets[id])
	})
	if err != nil {
		d.logger.Warn("region leadership not handed over cleanly before shutdown", "regions", ids, "took", time.Since(start), "err", err)
		return
	}
	d.logger.Info("region leadership handed over before shutdown", "regions", ids, "took", time.Since(start))
}

// handOverTargets picks, for each region this node leads, the replica to
// hand it to: the first of its replicas, in preference order, on another
// DataNode that the ConfigNode leader last saw running.
func (d *DataNode) handOverTargets() map[uint32]confignode.NodeInfo {
	nodes := map[uint32]confignode.NodeInfo{}
	for _, n := range d.meta.DataNodes() {
		nodes[n.ID] = n
	}
	d.cluster.mu.Lock()
	running := d.cluster.running
	d.cluster.mu.Unlock()
	out := map[uint32]confignode.NodeInfo{}
	for _, reg := range d.meta.Regions() {
		r := d.regions.get(reg.ID)
		if r == nil || !r.group.IsLeader() {
			continue
		}
		for _, id := range reg.Replicas {
			if n, ok := nodes[id]; ok && id != d.cfg.NodeID && running[id] {
				out[reg.ID] = n
				break
			}
		}
	}
	return out
}

// transferLeadership hands region id's leadership to the replica on
// DataNode to. It returns once that replica leads or the transfer failed,
// within about two Raft election timeouts.
func (d *DataNode) transferLeadership(id uint32, to confignode.NodeInfo) error {
	r := d.regions.get(id)
	if r == nil {
		return nil // closed meanwhile: nothing to hand over
	}
	return r.group.TransferLeadership(replicaID(to.ID), to.Consensus.String())
}
