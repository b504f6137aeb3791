package datanode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/auth/throttle"
	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/clientrpc"
	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/pipe/agent"
	"github.com/sluicedb/sluice/pipe/airgap"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/pipe/sink"
	"github.com/sluicedb/sluice/seal"
	"github.com/sluicedb/sluice/snapshot"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/diskspace"
)

// Config configures a DataNode.
type Config struct {
	// NodeID is this DataNode's id in the cluster.
	NodeID uint32
	// DataDir holds the storage engine and the regions' Raft logs.
	DataDir string
	// RPCAddr is the host:port the client service binds
	// (dn_rpc_address:dn_rpc_port), possibly a wildcard.
	RPCAddr string
	// RPCAdvertised is the client endpoint the node registers, shows in
	// SHOW DATANODES and SHOW REGIONS and names in redirects
	// (dn_rpc_advertised_address, dn_rpc_advertised_port). An empty host
	// is RPCAddr's, port 0 the bound port.
	RPCAdvertised confignode.Endpoint
	// InternalAddress and InternalPort (dn_internal_address,
	// dn_internal_port) are where the other nodes reach a cluster
	// DataNode; ConfigNodePort is cn_internal_port, which a standalone
	// process reports in SHOW CLUSTER.
	InternalAddress string
	InternalPort    int
	ConfigNodePort  int
	// InternalBindAddress is the host the internal and data-region
	// consensus listeners bind (dn_internal_bind_address), possibly a
	// wildcard; empty binds InternalAddress.
	InternalBindAddress string
	// Cluster runs the node as part of a cluster: it registers with the
	// ConfigNodes, serves other DataNodes on InternalPort and replicates
	// its regions over ConsensusPort (dn_data_region_consensus_port).
	// Otherwise it is a standalone process's DataNode, NodeID fixed, with
	// single-replica regions in memory-transport Raft groups.
	Cluster       bool
	ConsensusPort int
	// HeartbeatInterval is how often the node reports to the ConfigNode
	// leader; default 1s.
	HeartbeatInterval time.Duration
	// MemtableBytes is each region's memtable flush threshold.
	MemtableBytes int64
	// DiskReserveBytes is the free space on DataDir below which writes are
	// refused (data_dir_reserve_bytes); 0 means diskspace.DefaultReserve.
	DiskReserveBytes int64
	// AutoCreateSchema creates databases and series on first write
	// (enable_auto_create_schema, default true).
	AutoCreateSchema bool
	// MaxRequestBytes bounds one client request (thrift_max_frame_size).
	MaxRequestBytes int
	// MaxConnections caps client connections
	// (dn_rpc_max_concurrent_client_num); 0 takes clientrpc's default.
	MaxConnections int
	// SealKey seals the secrets of the pipes this node creates (sink
	// passwords) before they go to the ConfigNodes, and opens them for the
	// sinks; nil stores them as written (no cluster.key).
	SealKey *seal.Key
	// ClientTLS, when set, serves the client port over TLS
	// (enable_thrift_ssl).
	ClientTLS *tls.Config
	// Certs secure the node-to-node channels (internal gRPC, region Raft
	// groups) with mutual TLS in a cluster; nil leaves them plain
	// (cluster_insecure, or a standalone node, which has none).
	Certs *certs.Source
	// PreLoginMaxBytes bounds a request before login
	// (dn_rpc_prelogin_max_frame_size); 0 takes clientrpc's default.
	PreLoginMaxBytes int
	// LoginTimeout closes connections that do not log in within it
	// (dn_rpc_login_timeout_ms); 0 takes clientrpc's default.
	LoginTimeout time.Duration
	// RaftTimeout bounds region Raft heartbeats and elections.
	RaftTimeout time.Duration
	// Version is the product version reported to clients.
	Version string

	// PipeSinkTimeout bounds one sink transfer (pipe_sink_timeout_ms).
	PipeSinkTimeout time.Duration
	// PipeSinkMaxClients sizes async sink pools (pipe_sink_max_client_number).
	PipeSinkMaxClients int
	// PipeSinkSelectors is pipe_sink_selector_number.
	PipeSinkSelectors int
	// PipeProgressInterval is how often task frontiers are committed
	// (pipe_progress_snapshot_interval_ms).
	PipeProgressInterval time.Duration
	// PipeExecutorThreads bounds how many pipe tasks extract at once: the
	// effective pipe_subtask_executor_max_thread_num.
	PipeExecutorThreads int
	// PipePinnedLogMaxBytes bounds the log a region keeps for pipes
	// (pipe_pinned_log_max_bytes); 0 means unbounded.
	PipePinnedLogMaxBytes int64
	// PipeReceiverMaxBytes bounds the decompressed payload of one pipe
	// transfer received (pipe_receiver_max_decompressed_bytes); 0 means
	// receiver.DefaultMaxPayloadBytes.
	PipeReceiverMaxBytes int64
	// PipeAirGapAddr, when set, serves the pipe receiver in IoTDB's
	// air-gap protocol on this host:port too
	// (pipe_air_gap_receiver_enabled, pipe_air_gap_receiver_port).
	PipeAirGapAddr string
	// PipeStallAfter is how long a transfer may go unanswered before the
	// pipe shows it retrying; default 5s.
	PipeStallAfter time.Duration
}

type metrics struct {
	pointsWritten    prometheus.Counter
	writeRequests    prometheus.Counter
	diskFullRefusals prometheus.Counter
}

// DataNode hosts data regions and serves clients.
type DataNode struct {
	cfg         Config
	meta        Meta
	logger      *slog.Logger
	reg         prometheus.Registerer
	raftMetrics *consensus.Metrics
	metrics     metrics

	engine      *storage.Engine
	space       *diskspace.Reserve // the data directory's reserve for writes
	regions     regionSet
	reconcileMu sync.Mutex // serialises reconcile
	rpc         *clientrpc.Server
	cluster     *clusterLink // nil in a standalone process
	sinks       *sink.Registry
	progress    *snapshot.Frontiers
	pipes       *agent.Agent
	recv        *receiver.Receiver
	airGap      *airgap.Server // nil unless PipeAirGapAddr is set
	// queries are the client queries running here (SHOW QUERIES, KILL
	// QUERY); set once the node id is known.
	queries *queries.Registry
	// throttle slows down password guessing, through logins and pipe
	// handshakes alike.
	throttle *throttle.Throttle

	// spares are region logs prepared ahead of time (spares.go).
	spares spareLogs

	phase     atomic.Pointer[string] // what Start is doing; nil once it has returned
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New returns a DataNode over the given metadata service; Start opens it.
func New(cfg Config, meta Meta, logger *slog.Logger, reg prometheus.Registerer, raftMetrics *consensus.Metrics) *DataNode {
	d := &DataNode{cfg: cfg, meta: meta, logger: logger.With("component", "datanode"), reg: reg, raftMetrics: raftMetrics,
		regions: regionSet{replicas: make(map[uint32]*replica)}, stop: make(chan struct{}),
		throttle: throttle.New(throttle.DefaultPolicy), spares: newSpareLogs()}
	d.setPhase("fetching the metadata from the ConfigNodes")
	d.metrics.pointsWritten = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_datanode_points_written_total",
		Help: "Points committed by this DataNode's write path.",
	})
	reg.MustRegister(d.metrics.pointsWritten)
	d.metrics.diskFullRefusals = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_datanode_disk_full_refusals_total",
		Help: "Writes refused because the data directory's free space was under its reserve (data_dir_reserve_bytes).",
	})
	reg.MustRegister(d.metrics.diskFullRefusals)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_datanode_disk_free_bytes",
		Help: "Free space of the data directory's file system; writes are refused below data_dir_reserve_bytes.",
	}, func() float64 {
		u, err := diskspace.Stat(d.cfg.DataDir)
		if err != nil {
			return 0
		}
		return float64(u.Free)
	}))
	d.registerNodeMetrics(reg)
	return d
}

// Start opens the storage engine and the regions placed here, then serves
// clients. It returns once the node is ready.
func (d *DataNode) Start(ctx context.Context) error {
	d.setPhase("registering with the ConfigNodes")
	if err := d.register(ctx); err != nil {
		return err
	}
	// Built once the node id is known, so that their log lines carry it
	// (and query ids name it).
	d.queries = queries.New(d.cfg.NodeID)
	d.sinks = sink.NewRegistry(d.sinkConfig(), d.logger, d.reg)
	d.progress = snapshot.New(snapshot.Config{Interval: d.cfg.PipeProgressInterval}, d.meta, snapshotReplicas{d},
		d.logger.With("component", "pipe"))
	d.pipes = agent.New(agent.Config{Interval: d.cfg.PipeProgressInterval, StallAfter: d.cfg.PipeStallAfter,
		Slots: d.cfg.PipeExecutorThreads, OpenSecrets: d.openSecrets}, agentMeta{d.meta, d}, agentRegions{d}, d.sinks, d.progress, d.logger, d.reg)
	d.recv = receiver.New(pipeTarget{d}, d.throttle, d.logger, d.reg, receiver.WithMaxPayloadBytes(int(d.cfg.PipeReceiverMaxBytes)),
		receiver.WithFileDir(filepath.Join(d.cfg.DataDir, "pipe-receiver")))
	eng, err := storage.Open(d.storageConfig(), d.logger, d.reg)
	if err != nil {
		return fmt.Errorf("open storage: %w", err)
	}
	d.engine = eng
	d.space = d.diskReserve()
	d.prepareSpares()
	d.wg.Add(1)
	go d.spareLoop()
	d.setPhase("opening the regions placed here")
	if err := d.reconcile(ctx); err != nil {
		return fmt.Errorf("open regions: %w", err)
	}
	d.setPhase("starting the client service")
	d.rpc = clientrpc.New(clientrpc.Config{Addr: d.cfg.RPCAddr, MaxFrameBytes: d.cfg.MaxRequestBytes,
		Version: d.cfg.Version, Throttle: d.throttle, MaxConnections: d.cfg.MaxConnections,
		PreLoginMaxFrameBytes: d.cfg.PreLoginMaxBytes, LoginTimeout: d.cfg.LoginTimeout,
		TLS:          d.cfg.ClientTLS,
		ExtraMethods: map[string]thrift.TProcessorFunction{"pipeTransfer": d.recv.Method()},
		OnDisconnect: d.recv.ConnClosed, Queries: d.queries}, d, d.logger, d.reg)
	if err := d.rpc.Start(ctx); err != nil {
		return fmt.Errorf("serve clients on %s: %w", d.cfg.RPCAddr, err)
	}
	if err := d.startAirGap(ctx); err != nil {
		return err
	}
	if d.cluster != nil {
		d.cluster.serve(d)
	}
	d.wg.Add(2)
	go d.snapshotLoop()
	go d.heartbeatLoop()
	// They run until Close, not until ctx, which only bounds the start.
	d.progress.Start(context.Background())
	d.pipes.Start(context.Background())
	d.phase.Store(nil)
	d.logger.Info("datanode ready", "rpc", d.rpc.Addr().String(), "advertised", d.rpcAdvertised().String(), "air_gap", d.AirGapAddr(), "regions", len(d.regions.all()))
	d.warnDefaultRootPassword()
	return nil
}

func (d *DataNode) setPhase(p string) { d.phase.Store(&p) }

// Ready reports whether the node serves: nil once Start has returned
// (registered, regions opened), while the client service accepts
// connections and the metadata from the ConfigNodes is at hand; otherwise
// the reason it does not.
func (d *DataNode) Ready() error {
	select {
	case <-d.stop:
		return errors.New("the DataNode is shutting down")
	default:
	}
	if p := d.phase.Load(); p != nil {
		return fmt.Errorf("the DataNode is starting: %s", *p)
	}
	if !d.rpc.Serving() {
		return errors.New("the client service is not accepting connections")
	}
	if d.airGap != nil && !d.airGap.Serving() {
		return errors.New("the pipe air-gap receiver is not accepting connections")
	}
	if d.meta.ClusterID() == "" {
		return errors.New("no metadata from the ConfigNodes yet")
	}
	return nil
}

// RPCAddr returns the address the client service listens on.
func (d *DataNode) RPCAddr() net.Addr { return d.rpc.Addr() }

func (d *DataNode) rpcHost() string {
	host, _, _ := net.SplitHostPort(d.cfg.RPCAddr)
	return host
}

// rpcAdvertised is the client endpoint this node registers and shows.
func (d *DataNode) rpcAdvertised() confignode.Endpoint {
	e := d.cfg.RPCAdvertised
	if e.Host == "" {
		e.Host = d.rpcHost()
	}
	if e.Port == 0 {
		e.Port, _ = strconv.Atoi(d.rpcPort())
	}
	return e
}

func (d *DataNode) rpcPort() string {
	if d.rpc != nil {
		if a, ok := d.rpc.Addr().(*net.TCPAddr); ok {
			return strconv.Itoa(a.Port)
		}
	}
	_, port, _ := net.SplitHostPort(d.cfg.RPCAddr)
	return port
}

// startAirGap serves the pipe receiver on the air-gap port, when one is
// configured, with the client port's limits: its frame sizes, login
// timeout and connection cap, and pipe_sink_timeout_ms as the read
// timeout, as IoTDB's receiver sets it.
func (d *DataNode) startAirGap(ctx context.Context) error {
	if d.cfg.PipeAirGapAddr == "" {
		return nil
	}
	d.airGap = airgap.New(airgap.Config{Addr: d.cfg.PipeAirGapAddr, MaxFrameBytes: d.cfg.MaxRequestBytes,
		PreLoginMaxFrameBytes: d.cfg.PreLoginMaxBytes, LoginTimeout: d.cfg.LoginTimeout,
		ReadTimeout: d.cfg.PipeSinkTimeout, MaxConnections: d.cfg.MaxConnections}, d.recv, d.logger, d.reg)
	if err := d.airGap.Start(ctx); err != nil {
		return fmt.Errorf("serve pipe air-gap receiver (pipe_air_gap_receiver_port): %w", err)
	}
	return nil
}

// AirGapAddr is the address the air-gap receiver listens on, or "" when it
// is off.
func (d *DataNode) AirGapAddr() string {
	if d.airGap == nil || d.airGap.Addr() == nil {
		return ""
	}
	return d.airGap.Addr().String()
}

// Close shuts the node down in order: client intake first (no statement
// can start a pipe task any more, the statements in flight have ended),
// then the hand-over of the regions it leads to other running replicas
// (their pipe tasks drained and their progress committed first, bounded by
// handOverBudget), then the pipe agent, which stops its other tasks, and
// the commit of their progress, then the background loops, the sinks, the regions (their logs keep every
// acknowledged write), the service for other DataNodes and the storage
// engine. It is idempotent.
func (d *DataNode) Close() error {
	var errs []error
	d.closeOnce.Do(func() { close(d.stop) })
	if d.rpc != nil {
		errs = append(errs, d.rpc.Close())
	}
	if d.airGap != nil {
		errs = append(errs, d.airGap.Close())
	}
	d.handOverLeadership()
	if d.pipes != nil {
		d.pipes.Close()
	}
	if d.progress != nil {
		d.progress.Close()
	}
	d.wg.Wait()
	if d.sinks != nil {
		errs = append(errs, d.sinks.Close())
	}
	for _, r := range d.regions.close() {
		errs = append(errs, d.closeRegion(r.id, false))
	}
	if d.cluster != nil {
		errs = append(errs, d.cluster.close())
	}
	if d.engine != nil {
		errs = append(errs, d.engine.Close())
		d.engine = nil
	}
	return errors.Join(errs...)
}

// Region returns the state machine of a hosted region, for tests and pipes.
func (d *DataNode) Region(id uint32) *region.FSM {
	if r := d.regions.get(id); r != nil {
		return r.fsm
	}
	return nil
}

// snapshotLoop snapshots each region whose log has grown past a memtable's
// worth of commands since its last snapshot. The snapshot makes the region
// durable and lets Raft truncate the log, which bounds the log on disk and
// the replay after a crash.
func (d *DataNode) snapshotLoop() {
	defer d.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		for _, r := range d.regions.all() {
			if r.fsm.LogBytesSinceSnapshot() < d.cfg.MemtableBytes {
				continue
			}
			if err := r.group.Snapshot(); err != nil {
				d.logger.Warn("region snapshot failed", "region", r.id, "err", err)
			}
		}
	}
}
