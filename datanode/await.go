package datanode

import (
	"context"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
)

// awaitAttempt bounds one request to a DataNode, after which the
// ConfigNode leader is asked again whether that node is alive.
const awaitAttempt = 2 * time.Second

// awaitOthers asks every other DataNode, with ask, until each has answered
// nil or within has passed, asking again every 200 ms those that did not.
// A DataNode that the ConfigNode leader does not see running, or that left
// the cluster, is not waited for. It returns the DataNodes that did not
// confirm (id to address) with their last failures; none in a standalone
// process.
func (d *DataNode) awaitOthers(ctx context.Context, within time.Duration, ask func(ctx context.Context, addr string) error) (pending map[uint32]string, failures map[uint32]error) {
	pending, failures = map[uint32]string{}, map[uint32]error{}
	if d.cluster == nil {
		return pending, failures
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for _, n := range d.meta.DataNodes() {
		if n.ID != d.cfg.NodeID {
			pending[n.ID] = n.Internal.String()
		}
	}
	if len(pending) > 0 {
		d.forgetGoneNodes(ctx, pending)
	}
	for len(pending) > 0 {
		var mu sync.Mutex
		var wg sync.WaitGroup
		round := make(map[uint32]string, len(pending)) // the workers delete from pending
		for id, addr := range pending {
			round[id] = addr
		}
		for id, addr := range round {
			wg.Go(func() {
				actx, acancel := context.WithTimeout(ctx, awaitAttempt)
				defer acancel()
				err := ask(actx, addr)
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
		d.forgetGoneNodes(ctx, pending)
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return pending, failures
		case <-time.After(200 * time.Millisecond):
		}
	}
	return pending, failures
}

// forgetGoneNodes removes from pending the DataNodes that the ConfigNode
// leader does not see running, or that have left the cluster.
func (d *DataNode) forgetGoneNodes(ctx context.Context, pending map[uint32]string) {
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
			d.logger.Info("not waiting for a DataNode that is not running", "node", n.ID, "status", n.Status)
			delete(pending, n.ID)
		}
	}
}
