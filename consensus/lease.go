package consensus

import (
	"context"
	"time"
)

// VerifyLeader confirms that this replica leads the group now, for work
// that must not outlive its leadership (a pipe task sending the region's
// writes). It returns nil while the replica holds a lease, and otherwise
// asks a quorum to acknowledge it as leader; an error wrapping ErrNotLeader
// means another replica may lead.
//
// The lease runs for half the heartbeat timeout from the moment a
// verification started. A follower that acknowledged it refuses its vote
// to other candidates until it has gone a whole heartbeat timeout without
// hearing from this replica, so no other replica wins an election before
// the lease ends. Two cases escape the bound, and cost at most a batch
// sent twice, never a lost one: a leadership transfer this replica started
// (planned moves drain their pipe tasks first) and a follower restarted
// meanwhile, which knows no leader.
// The lease is measured on the monotonic clock, which keeps running while
// the process is paused: a replica stopped with SIGSTOP and resumed after
// an election finds its lease expired and asks the quorum again, which
// tells it of the newer term.
func (g *Group) VerifyLeader(ctx context.Context) error {
	if g.leaseValid() {
		return nil
	}
	start := time.Now()
	f := g.raft.VerifyLeader()
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return g.mapErr(err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	g.extendLease(start.Add(g.cfg.Timeout / 2))
	return nil
}

// leaseValid reports whether a verified lease still runs and the replica
// still believes it leads.
func (g *Group) leaseValid() bool {
	g.leaseMu.Lock()
	until := g.leaseUntil
	g.leaseMu.Unlock()
	return time.Now().Before(until) && g.IsLeader()
}

// extendLease moves the lease's end to until, never backwards.
func (g *Group) extendLease(until time.Time) {
	g.leaseMu.Lock()
	if until.After(g.leaseUntil) {
		g.leaseUntil = until
	}
	g.leaseMu.Unlock()
}

// dropLease ends the lease at once, when the replica loses the lead.
func (g *Group) dropLease() {
	g.leaseMu.Lock()
	g.leaseUntil = time.Time{}
	g.leaseMu.Unlock()
}
