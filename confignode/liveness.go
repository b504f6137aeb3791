package confignode

import (
	"sync"
	"time"
)

// Node statuses, as SHOW CLUSTER prints them.
const (
	NodeRunning = "Running"
	NodeUnknown = "Unknown"
)

// liveness is the leader's view of which nodes are alive and which
// DataNode leads each region, built from heartbeats. It lives in memory on
// the leader only: a new leader rebuilds it within a heartbeat or two, and
// meanwhile gives every node the benefit of the doubt.
type liveness struct {
	mu       sync.Mutex
	deadline time.Duration
	leading  bool
	since    time.Time // when this node last became leader
	seen     map[uint32]time.Time
	leaders  map[uint32]uint32 // region -> DataNode
}

func newLiveness(deadline time.Duration) *liveness {
	return &liveness{deadline: deadline, since: time.Now(), seen: map[uint32]time.Time{}, leaders: map[uint32]uint32{}}
}

// observe records whether this node leads now. On becoming leader it
// starts a grace period and forgets region leaders; it reports that
// transition.
func (l *liveness) observe(leading bool) (became bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	became = leading && !l.leading
	l.leading = leading
	if became {
		l.since = time.Now()
		l.leaders = map[uint32]uint32{}
	}
	return became
}

// heartbeat records that node is alive; led, when not nil, is the set of
// regions it leads now.
func (l *liveness) heartbeat(node uint32, led []uint32, dataNode bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[node] = time.Now()
	if !dataNode {
		return
	}
	for region, n := range l.leaders {
		if n == node {
			delete(l.leaders, region)
		}
	}
	for _, region := range led {
		l.leaders[region] = node
	}
}

// status is Running for a node heard from recently (or during the grace
// period after an election), Unknown otherwise.
func (l *liveness) status(node uint32) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.seen[node]; ok && time.Since(t) < l.deadline {
		return NodeRunning
	}
	if time.Since(l.since) < l.deadline {
		return NodeRunning
	}
	return NodeUnknown
}

// alive reports whether node has been heard from recently, without grace.
func (l *liveness) alive(node uint32) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.seen[node]
	return ok && time.Since(t) < l.deadline
}

// inGrace reports whether this leader is still in its first deadline,
// when nodes may not have reported in yet.
func (l *liveness) inGrace() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Since(l.since) < l.deadline
}

// regionLeaders returns a copy of the region -> leader map, without the
// regions whose leader went silent.
func (l *liveness) regionLeaders() map[uint32]uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[uint32]uint32, len(l.leaders))
	for r, n := range l.leaders {
		if time.Since(l.seen[n]) < l.deadline {
			out[r] = n
		}
	}
	return out
}
