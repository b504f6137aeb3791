package datanode

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/status"
)

// pipeStopTimeout bounds how long STOP PIPE and DROP PIPE wait for the
// other DataNodes to confirm that their tasks of the pipe have stopped.
const pipeStopTimeout = 30 * time.Second

// pipeStopAttempt bounds one request to a DataNode, after which the
// ConfigNode leader is asked again whether that node is alive.
const pipeStopAttempt = 2 * time.Second

// awaitPipeStopped returns once every other live DataNode has stopped the
// tasks of the pipe incarnation (name, created) that the metadata at index
// no longer wants: after STOP PIPE or DROP PIPE returns, no DataNode sends
// for it. A DataNode the ConfigNode leader does not see running is not
// waited for (a dead node sends nothing; a restarted one reads the
// metadata before it starts any task). One that is running but does not
// answer within the bound fails the statement with its name: the change
// is committed, but that node may still send until it learns of it.
func (d *DataNode) awaitPipeStopped(ctx context.Context, name string, created int64, index uint64, within time.Duration) error {
	if d.cluster == nil {
		return nil // a standalone process has no other DataNode
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	pending := map[uint32]string{}
	for _, n := range d.meta.DataNodes() {
		if n.ID != d.cfg.NodeID {
			pending[n.ID] = n.Internal.String()
		}
	}
	failures := map[uint32]error{}
	if len(pending) > 0 {
		d.forgetStoppedNodes(ctx, pending)
	}
	for len(pending) > 0 {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for id, addr := range pending {
			wg.Go(func() {
				actx, acancel := context.WithTimeout(ctx, pipeStopAttempt)
				defer acancel()
				err := d.cluster.peers.StopPipeTasks(actx, addr, name, created, index)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					delete(pending, id)
					delete(failures, id)
					return
				}
				failures[id] = err
			})
		}
		wg.Wait()
		if len(pending) == 0 {
			break
		}
		d.forgetStoppedNodes(ctx, pending)
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return pipeStopError(name, pending, failures, within)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// forgetStoppedNodes removes from pending the DataNodes that the ConfigNode
// leader does not see running, or that have left the cluster.
func (d *DataNode) forgetStoppedNodes(ctx context.Context, pending map[uint32]string) {
	members := map[uint32]bool{}
	for _, n := range d.meta.DataNodes() {
		members[n.ID] = true
	}
	st, err := d.meta.ClusterStatus(ctx)
	for id := range pending {
		if !members[id] {
			delete(pending, id)
		}
	}
	if err != nil {
		return // liveness unknown: keep asking
	}
	for _, n := range st.Nodes {
		if _, ok := pending[n.ID]; ok && n.Kind == "DataNode" && n.Status != confignode.NodeRunning {
			d.logger.Info("not waiting for a DataNode that is not running to stop its pipe tasks", "node", n.ID, "status", n.Status)
			delete(pending, n.ID)
		}
	}
}

// pipeStopError names the DataNodes that did not confirm in time.
func pipeStopError(name string, pending map[uint32]string, failures map[uint32]error, within time.Duration) error {
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
	return status.Errorf(status.PipeError, "the change to pipe %s is committed, but %s did not confirm within %v that it stopped the pipe's tasks: it may send until it learns of the change",
		name, strings.Join(parts, ", "), within)
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
