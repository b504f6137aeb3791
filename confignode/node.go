package confignode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/seal"
	"github.com/sluicedb/sluice/status"
)

// Config configures a ConfigNode.
type Config struct {
	// Dir holds the node's Raft log, snapshots and identity.
	Dir string
	// SlotNum is series_slot_num, fixed per database at its creation.
	SlotNum int
	// RegionsPerDatabase is how many data regions a new database gets.
	RegionsPerDatabase int
	// ReplicationFactor is data_replication_factor: replicas per region.
	ReplicationFactor int
	// Timeout bounds Raft heartbeats and elections; a single-voter group
	// can use a short one.
	Timeout time.Duration
	// Version is reported by SHOW CLUSTER.
	Version string

	// Internal is where other nodes reach this one (the advertised
	// cn_internal_address, cn_internal_port). Its zero value makes a
	// standalone ConfigNode: an in-process Raft group of one, no network
	// service.
	Internal Endpoint
	// Consensus is the node's advertised Raft endpoint (cn_consensus_port).
	Consensus Endpoint
	// Certs secure the gRPC service, the calls to other ConfigNodes and the
	// Raft group with mutual TLS; nil runs them on plain TCP
	// (cluster_insecure, and the in-process ConfigNode of a standalone
	// node, which has no peers).
	Certs *certs.Source
	// SealKey, when set, seals the users' password hashes in the metadata
	// the State RPC sends to DataNodes (the cluster key).
	SealKey *seal.Key
	// BindHost is the host the internal and consensus listeners bind
	// (cn_internal_bind_address), possibly a wildcard; empty binds
	// Internal.Host.
	BindHost string
	// Seeds are cn_seed_config_node: the first ConfigNode names itself,
	// the others join through it.
	Seeds []string
	// HeartbeatInterval is how often nodes report to the leader; a node
	// silent for SilentBeats intervals is Unknown. Default 1s.
	HeartbeatInterval time.Duration
}

// SilentBeats is how many heartbeat intervals a node may miss before the
// leader shows it Unknown, stops naming it as a region leader, and
// DataNodes stop handing it leadership.
const SilentBeats = 5

func (c *Config) standalone() bool { return c.Internal == (Endpoint{}) }

// bind is where the listener for the advertised endpoint e listens.
func (c *Config) bind(e Endpoint) string {
	if c.BindHost == "" {
		return e.String()
	}
	return Endpoint{Host: c.BindHost, Port: e.Port}.String()
}

// ConfigNode serves the cluster metadata.
type ConfigNode struct {
	*Meta
	cfg     Config
	logger  *slog.Logger
	metrics *consensus.Metrics
	fsm     *fsm
	group   *consensus.Group
	live    *liveness
	reports *pipeReports
	peers   *peers

	id       uint32 // this node's id once known
	started  atomic.Bool
	mux      *consensus.Mux
	listener net.Listener
	server   *grpc.Server

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New returns a ConfigNode; Start opens its Raft group. Its cluster
// metrics go on reg (none when nil), its Raft group's on m.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer, m *consensus.Metrics) *ConfigNode {
	if cfg.SlotNum <= 0 {
		cfg.SlotNum = 1000
	}
	if cfg.RegionsPerDatabase <= 0 {
		cfg.RegionsPerDatabase = 2
	}
	if cfg.ReplicationFactor <= 0 {
		cfg.ReplicationFactor = 1
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = time.Second
	}
	c := &ConfigNode{cfg: cfg, logger: logger.With("component", "confignode"), metrics: m, fsm: newFSM(),
		live: newLiveness(SilentBeats * cfg.HeartbeatInterval), reports: newPipeReports(SilentBeats * cfg.HeartbeatInterval), peers: newPeers(cfg.Certs), stop: make(chan struct{})}
	c.Meta = &Meta{commit: c.commit, read: c.fsm.read, wait: c.fsm.waitIndex}
	if reg != nil {
		reg.MustRegister(newClusterCollector(c), newPipeCollector(c))
	}
	return c
}

// ID is this ConfigNode's node id.
func (c *ConfigNode) ID() uint32 { return c.id }

// Start opens the Raft group: a standalone node or the cluster's first
// ConfigNode bootstraps it, another joins it through a seed, and a restarted
// one resumes. Start returns once the group has a leader and this node has
// caught up, waiting as long as ctx allows for a quorum.
func (c *ConfigNode) Start(ctx context.Context) error {
	if err := c.start(ctx); err != nil {
		return err
	}
	c.started.Store(true)
	return nil
}

// Ready reports whether the node serves: nil once Start has returned and
// while its Raft group has a leader that has applied the log, otherwise
// the reason it does not.
func (c *ConfigNode) Ready() error {
	select {
	case <-c.stop:
		return errors.New("the ConfigNode is shutting down")
	default:
	}
	if !c.started.Load() {
		return errors.New("the ConfigNode is starting")
	}
	if _, id := c.group.Leader(); id == "" {
		return errors.New("no ConfigNode leader: waiting for a quorum of ConfigNodes")
	}
	if c.group.IsLeader() && !c.group.LeaderReady() {
		return errors.New("this ConfigNode has just been elected and is still applying the log")
	}
	if !c.cfg.standalone() && c.removed() {
		return errors.New("this ConfigNode was removed from the cluster")
	}
	return nil
}

func (c *ConfigNode) start(ctx context.Context) error {
	if c.cfg.standalone() {
		return c.startStandalone(ctx)
	}
	ident, found, err := LoadIdentity(c.cfg.Dir)
	if err != nil {
		return err
	}
	if err := c.listen(); err != nil {
		return err
	}
	switch {
	case found:
		c.id = ident.NodeID
		err = c.openGroup(consensus.Config{Join: true})
		if err == nil {
			c.serve()
			err = c.ensureVoter(ctx, ident.ClusterID)
		}
	case c.isSeed():
		c.id = 0
		err = c.openGroup(consensus.Config{Peers: []raft.Server{c.raftServer()}})
		if err == nil {
			err = c.bootstrap(ctx)
			c.serve()
		}
	default:
		err = c.join(ctx)
	}
	if err != nil {
		return err
	}
	if err := c.awaitLeader(ctx); err != nil {
		return err
	}
	if err := c.catchUp(ctx); err != nil {
		return fmt.Errorf("catch up with the ConfigNode leader: %w", err)
	}
	if found && ident.ClusterID != "" && c.ClusterID() != "" && ident.ClusterID != c.ClusterID() {
		return status.Errorf(status.RejectNodeStart, "data dir %s belongs to cluster %s, but this cluster is %s", c.cfg.Dir, ident.ClusterID, c.ClusterID())
	}
	if err := SaveIdentity(c.cfg.Dir, Identity{NodeID: c.id, ClusterID: c.ClusterID()}); err != nil {
		return err
	}
	c.wg.Add(1)
	go c.heartbeatLoop()
	c.logger.Info("confignode ready", "node_id", c.id, "internal", c.cfg.Internal.String(), "consensus", c.cfg.Consensus.String())
	return nil
}

// startStandalone opens a single-voter group over an in-memory transport.
func (c *ConfigNode) startStandalone(ctx context.Context) error {
	g, err := consensus.Open(consensus.Config{
		Name: "confignode", ID: "cn0", Dir: filepath.Join(c.cfg.Dir, "raft"),
		SnapshotThreshold: 1024, TrailingLogs: 256, Timeout: c.cfg.Timeout,
	}, c.fsm, c.logger, c.metrics)
	if err != nil {
		return fmt.Errorf("confignode: %w", err)
	}
	c.group = g
	if err := g.WaitLeader(ctx); err != nil {
		return err
	}
	if err := g.Barrier(ctx); err != nil {
		return err
	}
	c.live.observe(true)
	return c.bootstrap(ctx)
}

// bootstrap runs on the first leader: it fixes the cluster id and registers
// this ConfigNode.
func (c *ConfigNode) bootstrap(ctx context.Context) error {
	if err := c.awaitLeader(ctx); err != nil {
		return err
	}
	if err := c.ensureClusterID(ctx); err != nil {
		return err
	}
	known := false
	c.fsm.read(func(s *State) { _, known = s.ConfigNodes[c.id] })
	if known {
		return nil
	}
	_, err := c.commit(ctx, encode(cmdRegisterNode, registerNodeCmd{Kind: kindConfigNode, New: true,
		Node: NodeInfo{Internal: c.cfg.Internal, Consensus: c.cfg.Consensus, Version: c.cfg.Version}}))
	return err
}

// join registers this node through a seed, opens its replica empty, then
// asks the leader to make it a voter.
func (c *ConfigNode) join(ctx context.Context) error {
	req := &clusterpb.JoinConfigNodeRequest{Internal: endpointPB(c.cfg.Internal), Consensus: endpointPB(c.cfg.Consensus), Version: c.cfg.Version}
	err := c.callSeeds(ctx, "join the cluster", func(ctx context.Context, cl clusterpb.ConfigNodeClient) (*clusterpb.Status, error) {
		r, err := cl.JoinConfigNode(ctx, req)
		if err != nil {
			return nil, err
		}
		req.NodeId, req.ClusterId = r.NodeId, r.ClusterId
		return r.Status, nil
	})
	if err != nil {
		return err
	}
	c.id = req.NodeId
	if err := SaveIdentity(c.cfg.Dir, Identity{NodeID: c.id, ClusterID: req.ClusterId}); err != nil {
		return err
	}
	if err := c.openGroup(consensus.Config{Join: true}); err != nil {
		return err
	}
	c.serve()
	return c.ensureVoter(ctx, req.ClusterId)
}

// ensureVoter asks the leader to add this node to the group's voters,
// which it does only if it is not one already.
func (c *ConfigNode) ensureVoter(ctx context.Context, clusterID string) error {
	if c.id == 0 {
		return nil // the node that bootstrapped the group
	}
	req := &clusterpb.JoinConfigNodeRequest{NodeId: c.id, ClusterId: clusterID, Internal: endpointPB(c.cfg.Internal), Consensus: endpointPB(c.cfg.Consensus), Version: c.cfg.Version}
	return c.callSeeds(ctx, "become a voter", func(ctx context.Context, cl clusterpb.ConfigNodeClient) (*clusterpb.Status, error) {
		r, err := cl.JoinConfigNode(ctx, req)
		if err != nil {
			return nil, err
		}
		return r.Status, nil
	})
}

// callSeeds tries call against the seeds and the known ConfigNodes until one
// succeeds, waiting between rounds; a refusal with a status code ends it.
func (c *ConfigNode) callSeeds(ctx context.Context, what string, call func(context.Context, clusterpb.ConfigNodeClient) (*clusterpb.Status, error)) error {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		var lastErr error
		for _, addr := range c.seedAddrs() {
			cl, err := c.peers.configNode(addr)
			if err != nil {
				lastErr = err
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			st, err := call(cctx, cl)
			cancel()
			if err != nil {
				lastErr = fmt.Errorf("%s: %w", addr, err)
				continue
			}
			if err := st.Err(); err != nil {
				if retryable(err) {
					lastErr = fmt.Errorf("%s: %w", addr, err)
					continue
				}
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		}
		if attempt == 1 || attempt%10 == 0 {
			c.logger.Warn("waiting for the seed ConfigNode", "action", what, "seeds", c.cfg.Seeds, "err", lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s through seeds %v: %w (last error: %v)", what, c.cfg.Seeds, ctx.Err(), lastErr)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// seedAddrs lists the seeds, then every known ConfigNode but this one.
func (c *ConfigNode) seedAddrs() []string {
	seen := map[string]bool{c.cfg.Internal.String(): true}
	var out []string
	for _, s := range c.cfg.Seeds {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	c.fsm.read(func(s *State) {
		for _, n := range nodeList(s.ConfigNodes) {
			if a := n.Internal.String(); !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	})
	return out
}

// isSeed reports whether this node bootstraps a new cluster: no seed was
// named, or the first seed is this node itself. Every other ConfigNode
// joins, so that listing all ConfigNodes as seeds never makes several
// clusters.
func (c *ConfigNode) isSeed() bool {
	return len(c.cfg.Seeds) == 0 || c.cfg.Seeds[0] == c.cfg.Internal.String()
}

// listen binds the internal and consensus ports first, so that a port in
// use fails the start before anything is written.
func (c *ConfigNode) listen() error {
	ln, err := net.Listen("tcp", c.cfg.bind(c.cfg.Internal))
	if err != nil {
		return fmt.Errorf("listen on cn_internal_port: %w", err)
	}
	cln, err := net.Listen("tcp", c.cfg.bind(c.cfg.Consensus))
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on cn_consensus_port: %w", err)
	}
	c.listener = ln
	c.mux = consensus.NewMux(cln, c.cfg.Consensus.Host, c.cfg.Certs, c.logger)
	return nil
}

func (c *ConfigNode) raftServer() raft.Server {
	return raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(strconv.Itoa(int(c.id))), Address: raft.ServerAddress(c.cfg.Consensus.String())}
}

// openGroup opens this node's replica of the ConfigNode group on the mux.
func (c *ConfigNode) openGroup(base consensus.Config) error {
	tr, err := c.mux.Transport("confignode", 10*time.Second)
	if err != nil {
		return err
	}
	base.Name, base.ID, base.Dir = "confignode", strconv.Itoa(int(c.id)), filepath.Join(c.cfg.Dir, "raft")
	base.Transport, base.SnapshotThreshold, base.TrailingLogs, base.Timeout = tr, 1024, 256, c.cfg.Timeout
	g, err := consensus.Open(base, c.fsm, c.logger, c.metrics)
	if err != nil {
		if cl, ok := tr.(io.Closer); ok {
			cl.Close()
		}
		return fmt.Errorf("confignode: %w", err)
	}
	c.group = g
	return nil
}

// serve starts the gRPC service on a goroutine that Close waits for.
func (c *ConfigNode) serve() {
	c.server = grpc.NewServer(serverOptions(c.cfg.Certs)...)
	clusterpb.RegisterConfigNodeServer(c.server, &rpcServer{c: c})
	c.wg.Go(func() {
		if err := c.server.Serve(c.listener); err != nil {
			c.logger.Error("ConfigNode service stopped", "err", err)
		}
	})
}

// awaitLeader waits for a leader, logging while there is none (no quorum),
// then for this node to apply what was committed before.
func (c *ConfigNode) awaitLeader(ctx context.Context) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := c.group.WaitLeader(wctx)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("no ConfigNode leader: %w", ctx.Err())
		}
		c.logger.Warn("no ConfigNode leader yet: waiting for a quorum of ConfigNodes", "voters", c.voters())
	}
	if c.group.IsLeader() {
		return c.group.Barrier(ctx)
	}
	return nil
}

func (c *ConfigNode) voters() []string {
	f := c.group.Raft().GetConfiguration()
	if f.Error() != nil {
		return nil
	}
	var out []string
	for _, s := range f.Configuration().Servers {
		out = append(out, string(s.ID)+"@"+string(s.Address))
	}
	return out
}

// heartbeatLoop reports a follower ConfigNode to the leader, and on a node
// that has just become leader starts the nodes' grace period.
func (c *ConfigNode) heartbeatLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.HeartbeatInterval / 4)
	defer t.Stop()
	var last time.Time
	warned := false
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		leader, err := c.leading()
		if leader || err != nil || time.Since(last) < c.cfg.HeartbeatInterval {
			continue
		}
		if c.removed() {
			if !warned {
				c.logger.Warn("this ConfigNode was removed from the cluster and takes no part in it any more: stop this process", "node_id", c.id)
				warned = true
			}
			continue
		}
		last = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.HeartbeatInterval)
		_, _ = c.Heartbeat(ctx, c.id, nil, nil)
		cancel()
	}
}

// removed reports whether this node's registration was removed.
func (c *ConfigNode) removed() bool {
	known := true
	c.fsm.read(func(s *State) { _, known = s.ConfigNodes[c.id] })
	return !known
}

// leading reports whether this node leads, noting a new leadership in the
// liveness table (its grace period starts) before anything reads it.
// A leader that has not yet applied what was committed before its
// election answers a retryable error instead: its state may be behind.
func (c *ConfigNode) leading() (bool, error) {
	leader := c.group.IsLeader()
	if leader && !c.group.LeaderReady() {
		return false, status.Errorf(status.ConsensusNotInitialized, "this ConfigNode has just been elected and is still applying the log")
	}
	if c.live.observe(leader) {
		c.logger.Info("confignode became leader", "node_id", c.id)
	}
	return leader, nil
}

// catchUp waits until this node has applied what the leader had committed
// when asked, so that a node returning from Start reads current metadata.
func (c *ConfigNode) catchUp(ctx context.Context) error {
	if leader, _ := c.leading(); leader {
		return nil
	}
	index, err := c.Heartbeat(ctx, c.id, nil, nil)
	if err != nil {
		return err
	}
	return c.fsm.waitIndex(ctx, index)
}

// ensureClusterID commits a random cluster id if the state has none yet.
func (c *ConfigNode) ensureClusterID(ctx context.Context) error {
	if c.ClusterID() != "" {
		return nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	_, err := c.commit(ctx, encode(cmdSetClusterID, clusterIDCmd{ID: hex.EncodeToString(b)}))
	return err
}

// Close stops the node. It is idempotent.
func (c *ConfigNode) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.stop)
		if c.server != nil {
			c.server.Stop()
		} else if c.listener != nil {
			c.listener.Close()
		}
		if c.group != nil {
			err = c.group.Close()
		}
		c.wg.Wait()
		if c.mux != nil {
			err = errors.Join(err, c.mux.Close())
		}
		c.peers.close()
	})
	return err
}

// commit replicates cmd: on the leader after preparing it, elsewhere by
// forwarding it to the leader and waiting to apply it locally.
func (c *ConfigNode) commit(ctx context.Context, cmd []byte) (json.RawMessage, error) {
	return retryOnLeaderChange(ctx, func() (json.RawMessage, error) {
		leader, err := c.leading()
		if err != nil {
			return nil, err
		}
		if leader {
			prepared, err := c.prepare(cmd)
			if err != nil {
				return nil, err
			}
			resp, err := c.group.Apply(ctx, prepared)
			if err != nil {
				return nil, mapCommitErr(err)
			}
			return json.Marshal(resp)
		}
		cl, err := c.leaderClient()
		if err != nil {
			return nil, err
		}
		r, err := cl.Apply(ctx, &clusterpb.ApplyRequest{Command: cmd})
		if err != nil {
			return nil, unreachable(err)
		}
		// Also after a refusal, so that this node shows why.
		if err := c.fsm.waitIndex(ctx, r.Index); err != nil {
			return nil, err
		}
		return r.Result, r.Status.Err()
	})
}

// mapCommitErr turns a lost leadership into a retryable status.
func mapCommitErr(err error) error {
	if errors.Is(err, consensus.ErrNotLeader) {
		return status.Errorf(status.RedirectionRecommend, "%w", err)
	}
	if status.CodeOf(err) == status.InternalServerError {
		return status.Errorf(status.ConsensusNotInitialized, "metadata not committed: %w", err)
	}
	return err
}

// leaderClient returns a client of the current leader.
func (c *ConfigNode) leaderClient() (clusterpb.ConfigNodeClient, error) {
	_, id := c.group.Leader()
	if id == "" {
		return nil, status.Errorf(status.ConsensusNotInitialized, "no ConfigNode leader")
	}
	n, err := strconv.ParseUint(string(id), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("leader id %q: %w", id, err)
	}
	var addr string
	c.fsm.read(func(s *State) {
		if info, ok := s.ConfigNodes[uint32(n)]; ok {
			addr = info.Internal.String()
		}
	})
	if addr == "" {
		return nil, status.Errorf(status.ConsensusNotInitialized, "ConfigNode leader %s is not registered yet", id)
	}
	return c.peers.configNode(addr)
}
