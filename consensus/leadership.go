package consensus

import "time"

// trackLeadership keeps ready up to date: set once this replica leads and
// has applied every entry committed before its term, cleared when it loses
// the lead.
func (g *Group) trackLeadership() {
	defer g.wg.Done()
	ch := g.raft.LeaderCh()
	for {
		select {
		case <-g.stop:
			return
		case leader := <-ch:
			g.ready.Store(false)
			g.dropLease()
			g.leaderSince.Store(0)
			if leader {
				g.leaderSince.Store(time.Now().UnixNano())
			}
			if leader && g.raft.Barrier(0).Error() == nil && g.IsLeader() {
				g.ready.Store(true)
			}
		}
	}
}

// LeaderReady reports whether this replica leads the group and has applied
// every entry committed before it took over, so that its state machine
// reflects every acknowledged command and it may serve reads.
func (g *Group) LeaderReady() bool { return g.ready.Load() && g.IsLeader() }

// LeaderSince is when this replica last became leader, zero when it does
// not lead (or its election has not been seen yet).
func (g *Group) LeaderSince() time.Time {
	if ns := g.leaderSince.Load(); ns != 0 && g.IsLeader() {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
