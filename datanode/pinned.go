package datanode

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/pipe/task"
)

// pinReleased hears that region's log let go of a pipe's pin because the
// log kept for pipes outgrew pipe_pinned_log_max_bytes. The pipe's task
// finds the entries gone and resends a snapshot; its SHOW PIPES row says
// why. It runs on Raft's compaction path, so it only queues the report.
func (d *DataNode) pinReleased(region uint32, r consensus.PinRelease) {
	name, ok := strings.CutPrefix(r.Owner, task.Owner(""))
	if !ok {
		return
	}
	msg := fmt.Sprintf("log pin released: region %d kept %d bytes of log for the pipe, over pipe_pinned_log_max_bytes (%d); "+
		"entries from index %d may be gone, so the pipe resends the region from a snapshot", region, r.Bytes, d.cfg.PipePinnedLogMaxBytes, r.Index)
	d.logger.Warn("pipe log pin released", "pipe", name, "region", region, "index", r.Index, "bytes", r.Bytes,
		"limit", d.cfg.PipePinnedLogMaxBytes)
	if d.pipes != nil {
		d.pipes.QueueException(name, msg)
	}
}

// pinnedCollector exports, per hosted region, the log bytes kept only for
// pipes, their limit and the pins released for it, read at scrape time.
type pinnedCollector struct {
	d                      *DataNode
	bytes, limit, releases *prometheus.Desc
}

func newPinnedCollector(d *DataNode) *pinnedCollector {
	region := []string{"region"}
	return &pinnedCollector{d: d,
		bytes: prometheus.NewDesc("sluice_region_pinned_log_bytes",
			"Bytes of the region's Raft log kept from compaction only because pipes still need them.", region, nil),
		limit: prometheus.NewDesc("sluice_region_pinned_log_limit_bytes",
			"pipe_pinned_log_max_bytes: beyond it the lagging pipe's pin is released (0: unbounded).", region, nil),
		releases: prometheus.NewDesc("sluice_region_pinned_log_releases_total",
			"Pipe pins released because the log they kept exceeded the limit.", region, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *pinnedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.limit
	ch <- c.releases
}

// Collect implements prometheus.Collector.
func (c *pinnedCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.d.regions.all() {
		logs, id := r.group.Logs(), regionLabel(r.id)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(logs.PinnedBytes()), id)
		ch <- prometheus.MustNewConstMetric(c.limit, prometheus.GaugeValue, float64(logs.Limit()), id)
		ch <- prometheus.MustNewConstMetric(c.releases, prometheus.CounterValue, float64(logs.Releases()), id)
	}
}

// regionLabel is the region label value of region id's series.
func regionLabel(id uint32) string { return strconv.FormatUint(uint64(id), 10) }
