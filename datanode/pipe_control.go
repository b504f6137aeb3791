package datanode

import (
	"context"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/pipe/agent"
	"github.com/sluicedb/sluice/snapshot"
)

// The pipe control plane (pipe/agent) and the progress it commits
// (snapshot) see the hosted replicas through these adapters.

// agentRegions is the DataNode's replicas as the pipe agent lists them.
type agentRegions struct{ d *DataNode }

var _ agent.Regions = agentRegions{}

func (a agentRegions) All() []agent.Region {
	all := a.d.regions.all()
	out := make([]agent.Region, len(all))
	for i, r := range all {
		out[i] = agentRegion{pipeRegion{r}}
	}
	return out
}

// agentRegion is a replica as the agent runs tasks on it.
type agentRegion struct{ pipeRegion }

func (a agentRegion) Serving() bool { return a.r.serving() }

func (a agentRegion) UnackedAge(frontier, applied uint64, now time.Time) float64 {
	return unackedAge(a.r, frontier, applied, now)
}

// snapshotReplicas is the DataNode's replicas as their log pins are moved.
type snapshotReplicas struct{ d *DataNode }

var _ snapshot.Replicas = snapshotReplicas{}

func (s snapshotReplicas) All() []snapshot.Replica {
	all := s.d.regions.all()
	out := make([]snapshot.Replica, len(all))
	for i, r := range all {
		out[i] = snapshotReplica{r}
	}
	return out
}

// snapshotReplica is a replica as the progress snapshots pin its log.
type snapshotReplica struct{ r *replica }

func (s snapshotReplica) ID() uint32        { return s.r.id }
func (s snapshotReplica) IsLeader() bool    { return s.r.group.IsLeader() }
func (s snapshotReplica) Log() snapshot.Log { return s.r.group.Logs() }

// unackedAge is how long ago the oldest write after frontier was
// appended to r's log: the age of the oldest write the sink has not
// acknowledged. Entries gone from the log start from the oldest left;
// entries without an append time (bootstrap, configuration) are skipped,
// up to lagScan of them.
func unackedAge(r *replica, frontier, applied uint64, now time.Time) float64 {
	logs := r.group.Logs()
	first, err := logs.FirstIndex()
	if err != nil {
		return 0
	}
	from := max(frontier+1, first)
	for i := from; i <= applied && i < from+lagScan; i++ {
		var l raft.Log
		if r.group.ReadLog(i, &l) != nil {
			return 0
		}
		if l.Type == raft.LogCommand && !l.AppendedAt.IsZero() {
			return max(0, now.Sub(l.AppendedAt).Seconds())
		}
	}
	return 0
}

// lagScan bounds the entries unackedAge reads looking for a write.
const lagScan = 256

// agentMeta is the metadata as the pipe agent reads it.
type agentMeta struct {
	Meta
	d *DataNode
}

var _ agent.Metadata = agentMeta{}

// Sync asks the ConfigNode leader for its metadata index, which a
// heartbeat answers with, and waits until the local copy reflects it. It
// is a full heartbeat, report included, so that it does not blank this
// node's figures at the leader.
func (m agentMeta) Sync(ctx context.Context) error {
	index, err := m.Heartbeat(ctx, m.d.cfg.NodeID, m.d.ledRegions(), m.d.pipes.Report())
	if err != nil {
		return err
	}
	return m.WaitIndex(ctx, index)
}
