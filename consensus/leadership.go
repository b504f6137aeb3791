package consensus

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
