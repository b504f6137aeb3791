package datanode

import (
	"context"
	"time"

	"github.com/sluicedb/sluice/status"
)

// privilegeSyncTimeout bounds how long a change to users, roles or
// privileges waits for the other DataNodes to apply it.
const privilegeSyncTimeout = 30 * time.Second

// inForceEverywhere follows a committed change to users, roles or
// privileges (err is the commit's outcome): it returns once every other
// live DataNode's copy of the metadata reflects it, so that a revoked
// privilege, a dropped user or a changed password no longer works on any
// DataNode once the statement returns, and no DataNode sends for a pipe
// the change stopped. A DataNode that does not confirm
// within privilegeSyncTimeout fails the statement with its name: the change
// is committed, but that node applies it only when its copy catches up.
func (d *DataNode) inForceEverywhere(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	if d.pipes != nil {
		d.pipes.Reconcile() // the pipes a revocation stopped end here too
	}
	if d.cluster == nil {
		return nil
	}
	index := d.meta.StateIndex() // reflects the change: commit waited for it
	pending, failures := d.awaitOthers(ctx, privilegeSyncTimeout, func(ctx context.Context, addr string) error {
		return d.cluster.peers.AwaitMetadata(ctx, addr, index)
	})
	if len(pending) > 0 {
		return status.Errorf(status.InternalServerError, "the change is committed, but %s did not confirm within %v that it applies it: it does once its metadata catches up",
			unconfirmed(pending, failures), privilegeSyncTimeout)
	}
	return nil
}

// AwaitMetadata implements peer.Host: it returns once this node's copy of
// the metadata reflects index and its pipe tasks follow it, so that the
// pipes a revocation stopped (their owner lost READ_DATA) no longer send
// from this node either.
func (h hostView) AwaitMetadata(ctx context.Context, index uint64) error {
	ctx, cancel := context.WithTimeout(ctx, privilegeSyncTimeout)
	defer cancel()
	if err := h.d.meta.WaitIndex(ctx, index); err != nil {
		return status.Errorf(status.InternalServerError, "DataNode %d: metadata index %d not reached: %w", h.d.cfg.NodeID, index, err)
	}
	if a := h.d.pipes; a != nil {
		a.Reconcile()
	}
	return nil
}
