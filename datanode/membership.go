package datanode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/peer"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/status"
)

// clusterLink is what a cluster DataNode has beyond a standalone one: the
// listeners for other DataNodes and for region replication, the client of
// the other DataNodes, and the ConfigNode leader's view of region leaders.
type clusterLink struct {
	internal net.Listener
	mux      *consensus.Mux
	server   *grpc.Server
	serving  sync.WaitGroup // the server's goroutine
	peers    *peer.Client

	mu      sync.Mutex
	leaders map[uint32]uint32 // region -> DataNode, from the ConfigNode leader
	running map[uint32]bool   // DataNodes the ConfigNode leader sees Running
	// nextHandBack is, per region, the earliest time balanceLeaders may
	// try to hand it back again.
	nextHandBack map[uint32]time.Time
}

// internalEndpoint and consensusEndpoint are where the other nodes reach
// this one.
func (d *DataNode) internalEndpoint() confignode.Endpoint {
	return confignode.Endpoint{Host: d.cfg.InternalAddress, Port: d.cfg.InternalPort}
}

func (d *DataNode) consensusEndpoint() confignode.Endpoint {
	return confignode.Endpoint{Host: d.cfg.InternalAddress, Port: d.cfg.ConsensusPort}
}

// bindAddr is where the listener for the advertised endpoint e listens.
func (d *DataNode) bindAddr(e confignode.Endpoint) string {
	if d.cfg.InternalBindAddress != "" {
		e.Host = d.cfg.InternalBindAddress
	}
	return e.String()
}

// register admits the node into the cluster under its kept id (or a new
// one), after binding its ports so that a port in use fails the start
// before anything is written.
func (d *DataNode) register(ctx context.Context) error {
	ident, found, err := confignode.LoadIdentity(d.cfg.DataDir)
	if err != nil {
		return err
	}
	if d.cfg.Cluster {
		if err := d.listenCluster(); err != nil {
			return err
		}
		d.cfg.NodeID = 0
		if found {
			d.cfg.NodeID = ident.NodeID
		}
	}
	info := confignode.NodeInfo{ID: d.cfg.NodeID, Internal: d.internalEndpoint(), RPC: d.rpcAdvertised(),
		Consensus: d.consensusEndpoint(), Version: d.cfg.Version}
	if !d.cfg.Cluster {
		info.Internal, info.Consensus = confignode.Endpoint{}, confignode.Endpoint{}
	}
	id, clusterID, err := d.meta.RegisterDataNode(ctx, info, ident.ClusterID)
	if err != nil {
		// The ConfigNodes name no cluster id of theirs in a refusal; this
		// node, which has their metadata, says which cluster it reached.
		if ident.ClusterID != "" && status.CodeOf(err) == status.RejectNodeStart {
			return fmt.Errorf("register with the ConfigNodes of cluster %s: %w", d.meta.ClusterID(), err)
		}
		return fmt.Errorf("register with the ConfigNodes: %w", err)
	}
	d.cfg.NodeID = id
	d.logger = d.logger.With("node_id", id)
	return confignode.SaveIdentity(d.cfg.DataDir, confignode.Identity{NodeID: id, ClusterID: clusterID})
}

// listenCluster binds dn_internal_port and dn_data_region_consensus_port.
func (d *DataNode) listenCluster() error {
	ln, err := net.Listen("tcp", d.bindAddr(d.internalEndpoint()))
	if err != nil {
		return fmt.Errorf("listen on dn_internal_port: %w", err)
	}
	cln, err := net.Listen("tcp", d.bindAddr(d.consensusEndpoint()))
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on dn_data_region_consensus_port: %w", err)
	}
	d.cluster = &clusterLink{internal: ln, mux: consensus.NewMux(cln, d.cfg.InternalAddress, d.cfg.Certs, d.logger),
		peers:   peer.NewClient(peer.ClientConfig{Certs: d.cfg.Certs}),
		leaders: map[uint32]uint32{}, running: map[uint32]bool{}, nextHandBack: map[uint32]time.Time{}}
	return nil
}

// serve starts the DataNode service for the other DataNodes.
func (l *clusterLink) serve(d *DataNode) {
	l.server = grpc.NewServer(peer.ServerOptions(d.cfg.Certs)...)
	clusterpb.RegisterDataNodeServer(l.server, peer.NewServer(peer.ServerConfig{AdmitWrite: d.admitWrite}, hostView{d}, d.logger, d.reg))
	l.serving.Add(1)
	go func() {
		defer l.serving.Done()
		if err := l.server.Serve(l.internal); err != nil {
			d.logger.Error("DataNode service stopped", "err", err)
		}
	}()
}

func (l *clusterLink) close() error {
	if l.server != nil {
		l.server.Stop()
	} else {
		l.internal.Close()
	}
	l.serving.Wait()
	return errors.Join(l.peers.Close(), l.mux.Close())
}

// hostView is the DataNode as its peer server sees it.
type hostView struct{ d *DataNode }

// Leading implements peer.Host.
func (h hostView) Leading(id uint32) (*region.FSM, *consensus.Group, uint32) {
	r := h.d.regions.get(id)
	if r == nil {
		return nil, nil, h.d.cachedLeader(id)
	}
	if r.serving() {
		return r.fsm, r.group, 0
	}
	return nil, nil, r.leaderNode()
}

// heartbeatLoop reports the node alive with the regions it leads, keeps
// the view of region leaders fresh, opens regions newly placed here, and
// hands preferred regions' leadership back to their preferred replica.
func (d *DataNode) heartbeatLoop() {
	defer d.wg.Done()
	interval := d.heartbeatInterval()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*interval)
		d.heartbeat(ctx)
		cancel()
	}
}

// ledRegions lists the regions this node leads.
func (d *DataNode) ledRegions() []uint32 {
	var led []uint32
	for _, r := range d.regions.all() {
		if r.group.IsLeader() {
			led = append(led, r.id)
		}
	}
	return led
}

func (d *DataNode) heartbeat(ctx context.Context) {
	if _, err := d.meta.Heartbeat(ctx, d.cfg.NodeID, d.ledRegions(), d.pipes.Report()); err != nil {
		d.logger.Debug("heartbeat failed", "err", err)
	}
	if d.cluster == nil {
		return
	}
	if err := d.reconcile(ctx); err != nil {
		d.logger.Warn("open regions placed here", "err", err)
	}
	st, err := d.meta.ClusterStatus(ctx)
	if err != nil {
		return
	}
	running := map[uint32]bool{}
	for _, n := range st.Nodes {
		running[n.ID] = n.Status == confignode.NodeRunning
	}
	d.cluster.mu.Lock()
	d.cluster.leaders, d.cluster.running = st.Leaders, running
	d.cluster.mu.Unlock()
	d.balanceLeaders()
}

// cachedLeader is the DataNode the ConfigNode leader last reported leading
// region id, 0 if none.
func (d *DataNode) cachedLeader(id uint32) uint32 {
	if d.cluster == nil {
		return 0
	}
	d.cluster.mu.Lock()
	defer d.cluster.mu.Unlock()
	return d.cluster.leaders[id]
}

// balanceLeaders moves the leadership of a region this node leads to the
// region's preferred replica (its first, chosen at placement so that
// leaders spread over the DataNodes) when that replica is running. After a
// hand-back a region is not tried again for handBackSpacing, so that a
// replica that cannot keep the lead does not see leadership bounce; after a
// failed attempt (the replica not caught up yet, say) it is tried again
// after handBackRetry.
func (d *DataNode) balanceLeaders() {
	nodes := map[uint32]confignode.NodeInfo{}
	for _, n := range d.meta.DataNodes() {
		nodes[n.ID] = n
	}
	for _, reg := range d.meta.Regions() {
		r := d.regions.get(reg.ID)
		if r == nil || !r.group.IsLeader() || len(reg.Replicas) == 0 || reg.Replicas[0] == d.cfg.NodeID || !d.leaderSettled(r) {
			continue
		}
		want := reg.Replicas[0]
		d.cluster.mu.Lock()
		ok := d.cluster.running[want] && time.Now().After(d.cluster.nextHandBack[reg.ID])
		if ok {
			d.cluster.nextHandBack[reg.ID] = time.Now().Add(handBackSpacing)
		}
		d.cluster.mu.Unlock()
		n, known := nodes[want]
		if !ok || !known {
			continue
		}
		select {
		case <-d.stop:
			return
		default:
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			// The region's pipe tasks drain and commit first: the
			// preferred replica resumes them from where they stopped.
			ctx, cancel := context.WithTimeout(context.Background(), handBackBudget)
			defer cancel()
			if err := d.pipes.HandOver(ctx, []uint32{reg.ID}, func(context.Context, uint32) error {
				return d.transferLeadership(reg.ID, n)
			}); err != nil {
				d.logger.Debug("leadership transfer", "region", reg.ID, "to", want, "err", err)
				d.cluster.mu.Lock()
				d.cluster.nextHandBack[reg.ID] = time.Now().Add(handBackRetry)
				d.cluster.mu.Unlock()
			}
		}()
	}
}

// handBackSpacing and handBackRetry space the hand-backs of one region:
// after an attempt, and after a failed one.
const (
	handBackSpacing = time.Minute
	handBackRetry   = 10 * time.Second
)

// replicaID is the Raft server id of DataNode node's replicas.
func replicaID(node uint32) string { return "dn" + strconv.FormatUint(uint64(node), 10) }

// nodeOfReplica parses a replicaID; 0 if it is not one.
func nodeOfReplica(id string) uint32 {
	if len(id) < 3 || id[:2] != "dn" {
		return 0
	}
	n, err := strconv.ParseUint(id[2:], 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// regionDir is where region id keeps its Raft log and snapshots.
func (d *DataNode) regionDir(id uint32) string {
	return filepath.Join(d.cfg.DataDir, "regions", fmt.Sprint(id))
}

// LeaderEndpoint implements clientrpc.Redirector: the client endpoint of the
// DataNode leading device's region, when that is another node.
func (d *DataNode) LeaderEndpoint(device model.Path) (string, int, bool) {
	if d.cluster == nil {
		return "", 0, false
	}
	db, ok := databaseOf(d.meta.Databases(), device)
	if !ok {
		return "", 0, false
	}
	id := regionOf(db, device)
	leader := d.cachedLeader(id)
	if r := d.regions.get(id); r != nil {
		if r.serving() {
			return "", 0, false
		}
		if n := r.leaderNode(); n != 0 {
			leader = n
		}
	}
	if leader == 0 || leader == d.cfg.NodeID {
		return "", 0, false
	}
	for _, n := range d.meta.DataNodes() {
		if n.ID == leader {
			return n.RPC.Host, n.RPC.Port, true
		}
	}
	return "", 0, false
}
