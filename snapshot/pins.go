package snapshot

import (
	"strings"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/task"
)

// Log is a region's Raft log as pipes pin it (consensus.PinnedLogStore).
type Log interface {
	// Pin keeps every entry from index on for owner, replacing owner's
	// previous pin.
	Pin(owner string, index uint64)
	// Unpin releases owner's pin.
	Unpin(owner string)
	// Owners lists the owners holding a pin.
	Owners() []string
}

// Replica is a data region hosted on this node.
type Replica interface {
	// ID is the region id.
	ID() uint32
	// IsLeader reports whether this replica leads the region.
	IsLeader() bool
	// Log is the replica's Raft log.
	Log() Log
}

// Replicas lists the replicas this node hosts.
type Replicas interface {
	All() []Replica
}

// advancePins moves the log pins of pipe name up to its committed
// frontiers: the log before them is no longer needed. A frontier still in
// the historical phase pins nothing new: the task pinned its snapshot.
func (f *Frontiers) advancePins(name string, prog map[uint32]confignode.Progress) {
	for _, r := range f.replicas.All() {
		if p, ok := prog[r.ID()]; ok && p.HistoryDone {
			r.Log().Pin(task.Owner(name), p.Index+1)
		}
	}
}

// ReleaseDropped removes the log pins of pipes that are not in pipes. A
// stopped pipe keeps its pins, so that START resumes from its frontier.
func (f *Frontiers) ReleaseDropped(pipes []confignode.Pipe) {
	exists := make(map[string]bool, len(pipes))
	for _, p := range pipes {
		exists[task.Owner(p.Name)] = true
	}
	prefix := task.Owner("")
	for _, r := range f.replicas.All() {
		log := r.Log()
		for _, owner := range log.Owners() {
			if strings.HasPrefix(owner, prefix) && !exists[owner] {
				log.Unpin(owner)
			}
		}
	}
}

// PinFollowers keeps, on the replicas this node hosts but does not lead,
// the log entries past each pipe's frontier, as the leader's task does:
// when leadership moves here, the task resumes from the log instead of
// resending the region's data.
func (f *Frontiers) PinFollowers(pipes []confignode.Pipe) {
	for _, r := range f.replicas.All() {
		if r.IsLeader() {
			continue
		}
		for i := range pipes {
			if pr := f.Resume(&pipes[i], r.ID()); pr.HistoryDone {
				r.Log().Pin(task.Owner(pipes[i].Name), pr.Index+1)
			}
		}
	}
}
