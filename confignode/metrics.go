package confignode

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// clusterCollector exports the cluster as the leader sees it, read at
// scrape time: sluice_confignode_leader on every ConfigNode, and on the
// leader only the nodes' liveness and the data regions' leadership. A
// follower exports none of the cluster series (its liveness table is not
// kept), and a removed node's series disappear with its registration.
type clusterCollector struct {
	c               *ConfigNode
	leader          *prometheus.Desc
	nodeUp          *prometheus.Desc
	nodes           *prometheus.Desc
	regions         *prometheus.Desc
	regionsNoLeader *prometheus.Desc
}

func newClusterCollector(c *ConfigNode) *clusterCollector {
	return &clusterCollector{
		c: c,
		leader: prometheus.NewDesc("sluice_confignode_leader",
			"1 on the ConfigNode that leads the metadata group, 0 on the others.", nil, nil),
		nodeUp: prometheus.NewDesc("sluice_cluster_node_up",
			"1 when the node is Running as the ConfigNode leader sees it, 0 otherwise (exported by the leader only).",
			[]string{"node_id", "type"}, nil),
		nodes: prometheus.NewDesc("sluice_cluster_nodes",
			"Registered nodes by type and status (exported by the ConfigNode leader only).",
			[]string{"type", "status"}, nil),
		regions: prometheus.NewDesc("sluice_cluster_regions",
			"Data regions of the cluster (exported by the ConfigNode leader only).", nil, nil),
		regionsNoLeader: prometheus.NewDesc("sluice_cluster_regions_without_leader",
			"Data regions that no Running DataNode reports leading (exported by the ConfigNode leader only).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (k *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- k.leader
	ch <- k.nodeUp
	ch <- k.nodes
	ch <- k.regions
	ch <- k.regionsNoLeader
}

// Collect implements prometheus.Collector.
func (k *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	leading := k.c.live.leadingNow()
	if leading {
		// Fresh rather than as last observed: a node that has just lost
		// its leadership stops exporting at once.
		leading, _ = k.c.leading()
	}
	ch <- prometheus.MustNewConstMetric(k.leader, prometheus.GaugeValue, boolValue(leading))
	if !leading {
		return
	}
	st := k.c.localStatus()
	counts := map[[2]string]int{}
	for _, kind := range []string{kindConfigNode, kindDataNode} {
		for _, s := range []string{NodeRunning, NodeUnknown} {
			counts[[2]string{kind, s}] = 0
		}
	}
	for _, n := range st.Nodes {
		ch <- prometheus.MustNewConstMetric(k.nodeUp, prometheus.GaugeValue, boolValue(n.Status == NodeRunning),
			strconv.FormatUint(uint64(n.ID), 10), n.Kind)
		counts[[2]string{n.Kind, n.Status}]++
	}
	for key, v := range counts {
		ch <- prometheus.MustNewConstMetric(k.nodes, prometheus.GaugeValue, float64(v), key[0], key[1])
	}
	total, without := 0, 0
	k.c.fsm.read(func(s *State) {
		for id := range s.Regions {
			total++
			if _, ok := st.Leaders[id]; !ok {
				without++
			}
		}
	})
	ch <- prometheus.MustNewConstMetric(k.regions, prometheus.GaugeValue, float64(total))
	ch <- prometheus.MustNewConstMetric(k.regionsNoLeader, prometheus.GaugeValue, float64(without))
}

// leadingNow reports whether this node last observed itself leading (the
// heartbeat loop looks four times an interval). Until Start has looked
// the first time it is false; reading it under the lock also orders what
// Start set before that (the group, the node id) before the caller.
func (l *liveness) leadingNow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leading
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
