package datanode

import (
	"github.com/prometheus/client_golang/prometheus"
)

// registerNodeMetrics registers the DataNode's own figures beside
// sluice_datanode_points_written_total: the client writes it committed and
// the regions it hosts by role.
func (d *DataNode) registerNodeMetrics(reg prometheus.Registerer) {
	d.metrics.writeRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_datanode_write_requests_total",
		Help: "Client write requests (inserts) this DataNode committed; pipe transfers received are not counted.",
	})
	reg.MustRegister(d.metrics.writeRequests, newPinnedCollector(d), &regionsCollector{d: d, desc: prometheus.NewDesc("sluice_datanode_regions",
		"Data regions hosted by this DataNode, by the role of its replica: leader or follower.", []string{"role"}, nil)})
}

// regionsCollector counts the hosted regions at scrape time, so that the
// figure follows regions opened, closed and changing leader without
// bookkeeping.
type regionsCollector struct {
	d    *DataNode
	desc *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *regionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. A replica leads as the
// heartbeat reports it to the ConfigNode leader (ledRegions).
func (c *regionsCollector) Collect(ch chan<- prometheus.Metric) {
	leaders, followers := 0, 0
	for _, r := range c.d.regions.all() {
		if r.group.IsLeader() {
			leaders++
		} else {
			followers++
		}
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(leaders), "leader")
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(followers), "follower")
}
