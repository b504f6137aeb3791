package consensus

import (
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Raft figures of every group on a node, labelled by group.
type Metrics struct {
	state         *prometheus.GaugeVec
	leaderChanges *prometheus.CounterVec
	applyDuration *prometheus.HistogramVec
	appliedIndex  *prometheus.GaugeVec
}

// NewMetrics registers the Raft metrics on reg, with hashicorp/raft's own
// (sluice_raft_commitTime, sluice_raft_leader_lastContact, ...) bridged
// from go-metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_raft_state",
			Help: "Raft role of this replica: 0 follower, 1 candidate, 2 leader, 3 shutdown.",
		}, []string{"group"}),
		leaderChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_raft_leader_changes_total",
			Help: "Leader changes observed by this replica.",
		}, []string{"group"}),
		applyDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_raft_apply_duration_seconds",
			Help:    "Time from proposing a command to its application.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"group"}),
		appliedIndex: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_raft_applied_index",
			Help: "Last log index applied by this replica.",
		}, []string{"group"}),
	}
	if reg != nil {
		reg.MustRegister(m.state, m.leaderChanges, m.applyDuration, m.appliedIndex, raftGoMetrics())
	}
	return m
}

// observe keeps the group's gauges current until the group closes.
func (g *Group) observe() {
	defer g.wg.Done()
	name := g.cfg.Name
	defer func() {
		g.metrics.state.DeleteLabelValues(name)
		g.metrics.appliedIndex.DeleteLabelValues(name)
		g.metrics.leaderChanges.DeleteLabelValues(name)
		g.metrics.applyDuration.DeleteLabelValues(name)
	}()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	var lastLeader raft.ServerID
	for {
		_, leader := g.raft.LeaderWithID()
		if leader != "" && leader != lastLeader {
			g.metrics.leaderChanges.WithLabelValues(name).Inc()
			lastLeader = leader
		}
		g.metrics.state.WithLabelValues(name).Set(float64(g.raft.State()))
		g.metrics.appliedIndex.WithLabelValues(name).Set(float64(g.raft.AppliedIndex()))
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
	}
}
