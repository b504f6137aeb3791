package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/certs"
)

// The source cluster's shape: three ConfigNodes and three DataNodes,
// every data region (which holds its devices' schema and data) on all
// three DataNodes.
const (
	clusterConfigNodes = 3
	clusterDataNodes   = 3
	clusterRF          = 3
)

// clusterDBRetry bounds how long the first write may be refused while the
// DataNodes are still being registered as Running.
const clusterDBRetry = 60 * time.Second

// ClusterResult holds the figures of a cluster -> standalone sync run.
type ClusterResult struct {
	Points int64
	// Ingest is the timed ingest through the DataNodes.
	Ingest time.Duration
	// Sync is the ingest's first write until the receiver holds every point.
	Sync        time.Duration
	LatencyRate float64       // points/s offered during the latency run
	P50, P99    time.Duration // end-to-end latency of probe points
	Probes      int           // how many probes the percentiles are over
	// LastPoll is how long the last count of the receiver took.
	LastPoll time.Duration
	// FirstWrite created the database and its regions, before the clock.
	FirstWrite time.Duration
	// Startup is how long the servers took to start.
	Startup time.Duration
	// Sessions is how many client sessions wrote the workload.
	Sessions int
}

// SyncPointsPerSecond is the pipe's throughput out of the cluster.
func (r ClusterResult) SyncPointsPerSecond() float64 { return float64(r.Points) / r.Sync.Seconds() }

// cluster is a cluster's nodes.
type cluster struct {
	configNodes, dataNodes []*process
}

// RunClusterPipe measures a pipe out of a 3 ConfigNode + 3 DataNode
// cluster (replication factor 3, node-to-node mutual TLS as in
// production) into a standalone receiver, or into a second such cluster
// with cfg.Procs.TargetCluster, all child processes on loopback: the
// workload is written through the three DataNodes in turn
// (the sessions are spread over them), and the run reports the sync
// throughput (first write until the receiver holds every point) and the
// end-to-end latency of probes at half that throughput.
func RunClusterPipe(ctx context.Context, cfg Config, out io.Writer) (res ClusterResult, err error) {
	g, err := newProcGroup(cfg.Procs.Binary)
	if err != nil {
		return res, err
	}
	defer g.Close()
	defer func() { err = g.failed(ctx, err) }()
	var clusterCPUs, receiverCPUs []int
	if pin := cfg.Procs.Pin; pin != nil {
		clusterCPUs, receiverCPUs = pin.Sender, pin.Receiver
		fmt.Fprintf(out, "pinned: the source cluster's six nodes and the client on core(s) %s, the receiver on core(s) %s\n",
			formatCPUList(pin.Sender), formatCPUList(pin.Receiver))
	}
	started := time.Now()
	src, err := startCluster(ctx, g, "source", clusterCPUs)
	if err != nil {
		return res, err
	}
	// The receiver's client ports: the pipe's sink spreads over them and
	// the bench counts through the first.
	receiver, targetPorts := "a standalone receiver", []int(nil)
	if cfg.Procs.TargetCluster {
		dst, err := startCluster(ctx, g, "target", receiverCPUs)
		if err != nil {
			return res, err
		}
		receiver = "a target cluster of the same shape"
		for _, d := range dst.dataNodes {
			targetPorts = append(targetPorts, d.rpcPort)
		}
	} else {
		b, err := g.standalone(ctx, "receiver", nil, receiverCPUs)
		if err != nil {
			return res, err
		}
		targetPorts = []int{b.rpcPort}
	}
	res.Startup = time.Since(started)
	fmt.Fprintf(out, "started %d ConfigNodes, %d DataNodes (replication factor %d) and %s in %.1fs; their logs are in %s until the run ends (a failure shows their tails)\n",
		len(src.configNodes), len(src.dataNodes), clusterRF, receiver, res.Startup.Seconds(), g.dir)
	if clusterCPUs != nil {
		unpin, err := pinSelf(clusterCPUs)
		if err != nil {
			return res, err
		}
		defer unpin()
	}

	sa := make([]client.Session, 0, cfg.Workers)
	defer func() { closeSessions(sa) }()
	for i := range max(cfg.Workers, 2) {
		s, err := open("127.0.0.1", src.dataNodes[i%len(src.dataNodes)].rpcPort)
		if err != nil {
			return res, err
		}
		sa = append(sa, s)
	}
	sb, err := open("127.0.0.1", targetPorts[0])
	if err != nil {
		return res, err
	}
	defer sb.Close()
	fmt.Fprintf(out, "workload: %d devices x %d DOUBLE measurements, tablets of %d rows, %d points, %d sessions over %d DataNodes\n",
		cfg.Devices, cfg.Measurements, cfg.Rows, cfg.Devices*cfg.Measurements*cfg.TotalRows, len(sa), len(src.dataNodes))

	sink, err := sinkClause(targetPorts, cfg.SinkAttributes)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(out, "pipe sink: %s\n", sink)
	if err := exec(sa[0], "create pipe bench with source ('source.pattern'='root.sync') with sink ("+sink+")"); err != nil {
		return res, err
	}
	if res.FirstWrite, err = firstClusterWrite(ctx, sa[0], out); err != nil {
		return res, err
	}
	start := time.Now()
	if res.Points, err = ingest(cfg, sa[:max(cfg.Workers, 1)], "root.sync", out); err != nil {
		return res, err
	}
	res.Ingest = time.Since(start)
	fmt.Fprintf(out, "ingest into the cluster: %d points in %.2fs = %.0f points/s\n", res.Points, res.Ingest.Seconds(), float64(res.Points)/res.Ingest.Seconds())
	res.Sessions = max(cfg.Workers, 1)
	got, poll, err := waitHolds(ctx, sb, "root.sync.**", res.Points, out)
	if err != nil {
		return res, err
	}
	res.Sync = time.Since(start)
	res.LastPoll = poll
	if got != res.Points {
		return res, fmt.Errorf("the receiver holds %d points, %d were written", got, res.Points)
	}
	fmt.Fprintf(out, "sync cluster -> receiver: %d points in %.2fs = %.0f points/s\n", res.Points, res.Sync.Seconds(), res.SyncPointsPerSecond())

	res.LatencyRate = res.SyncPointsPerSecond() / 2
	res.P50, res.P99, res.Probes, err = latency(ctx, sa[0], sa[1], sb, res.LatencyRate, cfg.LatencyRun, out)
	return res, err
}

// startCluster makes a cluster's certificates and starts its ConfigNodes,
// then its DataNodes, one at a time and each until ready, so that node ids
// follow that order; the first ConfigNode seeds itself. name prefixes the
// nodes' names and directories.
func startCluster(ctx context.Context, g *procGroup, name string, cpus []int) (*cluster, error) {
	certsDir := filepath.Join(g.dir, name+"-certs")
	if err := certs.CreateCA(certsDir, certs.Options{}); err != nil {
		return nil, err
	}
	if err := certs.CreateNode(certsDir, "", []string{"127.0.0.1", "localhost"}, certs.Options{}); err != nil {
		return nil, err
	}
	c := &cluster{}
	var seeds []string
	for i := range clusterConfigNodes {
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		internal := "127.0.0.1:" + strconv.Itoa(ports[0])
		seed := internal
		if i > 0 {
			seed = seeds[0]
		}
		p, err := g.start(ctx, procSpec{name: fmt.Sprintf("%s-confignode-%d", name, i+1), role: "confignode", cpus: cpus, props: map[string]string{
			"cn_internal_address":                        "127.0.0.1",
			"cn_internal_port":                           strconv.Itoa(ports[0]),
			"cn_consensus_port":                          strconv.Itoa(ports[1]),
			"cn_metrics_port":                            strconv.Itoa(ports[2]),
			"cn_seed_config_node":                        seed,
			"data_replication_factor":                    strconv.Itoa(clusterRF),
			"default_data_region_group_num_per_database": "2",
			"cluster_certs_dir":                          certsDir,
		}})
		if err != nil {
			return nil, err
		}
		seeds = append(seeds, internal)
		c.configNodes = append(c.configNodes, p)
	}
	for i := range clusterDataNodes {
		ports, err := freePorts(4)
		if err != nil {
			return nil, err
		}
		p, err := g.start(ctx, procSpec{name: fmt.Sprintf("%s-datanode-%d", name, i+1), role: "datanode", cpus: cpus, props: map[string]string{
			"dn_rpc_address":                "127.0.0.1",
			"dn_rpc_port":                   strconv.Itoa(ports[0]),
			"dn_internal_address":           "127.0.0.1",
			"dn_internal_port":              strconv.Itoa(ports[1]),
			"dn_data_region_consensus_port": strconv.Itoa(ports[2]),
			"dn_metrics_port":               strconv.Itoa(ports[3]),
			"dn_seed_config_node":           strings.Join(seeds, ","),
			"cluster_certs_dir":             certsDir,
		}})
		if err != nil {
			return nil, err
		}
		c.dataNodes = append(c.dataNodes, p)
	}
	return c, nil
}

// firstClusterWrite creates root.sync and its regions, outside the clock,
// by writing a point the workload writes again; the cluster may refuse it
// for a moment while its DataNodes are being registered as Running.
func firstClusterWrite(ctx context.Context, s client.Session, out io.Writer) (time.Duration, error) {
	start := time.Now()
	for {
		err := exec(s, "insert into root.sync.d0(time, s0) values (0, 0.0)")
		if err == nil {
			took := time.Since(start)
			fmt.Fprintf(out, "first write (creates root.sync and its regions, replication factor %d): %.0f ms\n", clusterRF, ms(took))
			return took, nil
		}
		if time.Since(start) > clusterDBRetry {
			return 0, fmt.Errorf("first write into the cluster, refused for %s: %w", clusterDBRetry, err)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
