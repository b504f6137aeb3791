package datanode

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/status"
)

// pipeStopTimeout bounds how long STOP PIPE and DROP PIPE wait for the
// other DataNodes to confirm that their tasks of the pipe have stopped.
const pipeStopTimeout = 30 * time.Second

// awaitPipeStopped returns once every other live DataNode has stopped the
// tasks of the pipe incarnation (name, created) that the metadata at index
// no longer wants: after STOP PIPE or DROP PIPE returns, no DataNode sends
// for it. A DataNode the ConfigNode leader does not see running is not
// waited for (a dead node sends nothing; a restarted one reads the
// metadata before it starts any task). One that is running but does not
// answer within the bound fails the statement with its name: the change
// is committed, but that node may still send until it learns of it.
func (d *DataNode) awaitPipeStopped(ctx context.Context, name string, created int64, index uint64, within time.Duration) error {
	pending, failures := d.awaitOthers(ctx, within, func(ctx context.Context, addr string) error {
		return d.cluster.peers.StopPipeTasks(ctx, addr, name, created, index)
	})
	if len(pending) > 0 {
		return pipeStopError(name, pending, failures, within)
	}
	return nil
}

// pipeStopError names the DataNodes that did not confirm in time.
func pipeStopError(name string, pending map[uint32]string, failures map[uint32]error, within time.Duration) error {
	return status.Errorf(status.PipeError, "the change to pipe %s is committed, but %s did not confirm within %v that it stopped the pipe's tasks: it may send until it learns of the change",
		name, unconfirmed(pending, failures), within)
}

// unconfirmed names the DataNodes of pending in id order, each with why it
// did not confirm.
func unconfirmed(pending map[uint32]string, failures map[uint32]error) string {
	ids := make([]uint32, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		reason := "no answer"
		if err := failures[id]; err != nil {
			reason = err.Error()
		}
		parts = append(parts, fmt.Sprintf("DataNode %d at %s (%s)", id, pending[id], reason))
	}
	return strings.Join(parts, ", ")
}

// StopPipeTasks implements peer.Host: it waits until this node's metadata
// reflects index, then reconciles its pipe tasks, which stops (and waits
// for) every task that state does not want, such as those of a stopped or
// dropped pipe.
func (h hostView) StopPipeTasks(ctx context.Context, name string, created int64, index uint64) error {
	// Bounded here too: an index this node never reaches holds no request
	// for longer than the statement waits.
	ctx, cancel := context.WithTimeout(ctx, pipeStopTimeout)
	defer cancel()
	if err := h.d.meta.WaitIndex(ctx, index); err != nil {
		return status.Errorf(status.PipeError, "DataNode %d: metadata index %d not reached: %w", h.d.cfg.NodeID, index, err)
	}
	a := h.d.pipes
	if a == nil {
		return nil // not started: runs no task
	}
	a.Reconcile()
	if n := a.Running(name, created); n > 0 && !h.d.wantsPipe(name, created) {
		return status.Errorf(status.PipeError, "DataNode %d still runs %d tasks of pipe %s", h.d.cfg.NodeID, n, name)
	}
	return nil
}

// wantsPipe reports whether the metadata has the incarnation (name,
// created) running: a START after the STOP wants its tasks back.
func (d *DataNode) wantsPipe(name string, created int64) bool {
	for _, p := range d.meta.Pipes() {
		if p.Name == name && p.CreationTime == created && p.State == confignode.PipeRunning {
			return true
		}
	}
	return false
}

// pipeCreated is the creation time of the pipe called name, 0 if there is
// none.
func (d *DataNode) pipeCreated(name string) int64 {
	p, _ := d.pipeNamed(name)
	return p.CreationTime
}
