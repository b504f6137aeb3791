package confignode

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/status"
)

// NodeStatus is a node as the ConfigNode leader sees it.
type NodeStatus struct {
	NodeInfo
	// Kind is "ConfigNode" or "DataNode".
	Kind string
	// Status is Running or Unknown.
	Status string
	// Role is a ConfigNode's Raft role, Leader or Follower.
	Role string
}

// ClusterStatus is every node with its liveness, and the leader of each
// data region that has reported one.
type ClusterStatus struct {
	Nodes   []NodeStatus
	Leaders map[uint32]uint32 // region -> DataNode
}

// onLeader runs local on the leader, or remote against the leader, retrying
// while leadership moves.
func (c *ConfigNode) onLeader(ctx context.Context, local func() error, remote func(clusterpb.ConfigNodeClient) error) error {
	_, err := retryOnLeaderChange(ctx, func() (struct{}, error) {
		leader, err := c.leading()
		if err != nil {
			return struct{}{}, err
		}
		if leader {
			return struct{}{}, local()
		}
		cl, err := c.leaderClient()
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, remote(cl)
	})
	return err
}

// RegisterDataNode admits a DataNode: a new one (info.ID 0) gets an id, a
// restarted one keeps its own. It refuses a data dir of another cluster, an
// id the cluster does not know, and an id or address that a running node
// already uses.
func (c *ConfigNode) RegisterDataNode(ctx context.Context, info NodeInfo, clusterID string) (uint32, string, error) {
	var id uint32
	err := c.onLeader(ctx, func() error {
		var err error
		id, err = c.registerDataNode(ctx, info, clusterID)
		return err
	}, func(cl clusterpb.ConfigNodeClient) error {
		var index uint64
		var err error
		if id, _, index, err = callRegisterDataNode(ctx, cl, info, clusterID); err != nil {
			return err
		}
		return c.fsm.waitIndex(ctx, index)
	})
	return id, c.ClusterID(), err
}

func (c *ConfigNode) registerDataNode(ctx context.Context, info NodeInfo, clusterID string) (uint32, error) {
	cmd := registerNodeCmd{Kind: kindDataNode, Node: info, New: info.ID == 0, Create: c.cfg.standalone()}
	var refusal error
	c.fsm.read(func(s *State) {
		if clusterID != "" && clusterID != s.ClusterID {
			// The answer goes to whoever asked: it names their cluster id,
			// never this one's.
			refusal = status.Errorf(status.RejectNodeStart,
				"the DataNode's data dir belongs to cluster %s, not to this cluster: use an empty data dir to join it", clusterID)
			return
		}
		for _, n := range s.DataNodes {
			sameAddr := n.Internal == info.Internal || n.RPC == info.RPC || n.Consensus == info.Consensus
			if cmd.New && sameEndpoints(*n, info) && !c.live.alive(n.ID) {
				// A registration whose reply was lost, or a node back with
				// an empty data dir at the same place: it is that node.
				cmd.New, cmd.Node.ID = false, n.ID
				continue
			}
			switch {
			case n.ID == info.ID && !cmd.New && n.Internal != info.Internal && c.live.alive(n.ID):
				refusal = status.Errorf(status.RegisterDataNodeWithWrongID,
					"node id %d is in use by the running DataNode at %s: each DataNode needs its own data dir", n.ID, n.Internal)
			case n.ID != cmd.Node.ID && sameAddr:
				refusal = status.Errorf(status.RegisterDataNodeWithWrongID,
					"DataNode %d is already registered at %s (rpc %s, consensus %s): restart it with its own data dir instead of a new one",
					n.ID, n.Internal, n.RPC, n.Consensus)
			}
		}
	})
	if refusal != nil {
		return 0, refusal
	}
	res, err := c.commit(ctx, encode(cmdRegisterNode, cmd))
	if err != nil {
		return 0, err
	}
	var id uint32
	if err := json.Unmarshal(res, &id); err != nil {
		return 0, err
	}
	c.live.heartbeat(id, nil, true)
	c.logger.Info("datanode registered", "node_id", id, "internal", info.Internal.String(), "rpc", info.RPC.String())
	return id, nil
}

// Heartbeat records that node is alive and leads the regions in led, and a
// DataNode's pipe report (nil from a ConfigNode). It returns the leader's
// metadata index, so a DataNode knows when its copy of the state is behind.
func (c *ConfigNode) Heartbeat(ctx context.Context, node uint32, led []uint32, rep *PipeReport) (uint64, error) {
	var index uint64
	err := c.onLeader(ctx, func() error {
		var known, dataNode bool
		c.fsm.read(func(s *State) {
			_, dataNode = s.DataNodes[node]
			_, isCN := s.ConfigNodes[node]
			known = dataNode || isCN
			index = s.Index
		})
		if !known {
			return status.Errorf(status.DataNodeNotExist, "node %d is not registered", node)
		}
		c.live.heartbeat(node, led, dataNode)
		if dataNode && rep != nil {
			c.reports.record(node, *rep)
		}
		return nil
	}, func(cl clusterpb.ConfigNodeClient) error {
		var err error
		index, _, err = callHeartbeat(ctx, cl, node, led, rep)
		return err
	})
	return index, err
}

// ClusterStatus reports every node and region leader as the leader sees
// them.
func (c *ConfigNode) ClusterStatus(ctx context.Context) (ClusterStatus, error) {
	var out ClusterStatus
	err := c.onLeader(ctx, func() error {
		out = c.localStatus()
		return nil
	}, func(cl clusterpb.ConfigNodeClient) error {
		var err error
		out, err = callClusterStatus(ctx, cl)
		return err
	})
	return out, err
}

// localStatus builds the cluster status on the leader.
func (c *ConfigNode) localStatus() ClusterStatus {
	out := ClusterStatus{Leaders: c.live.regionLeaders()}
	c.fsm.read(func(s *State) {
		for _, n := range nodeList(s.ConfigNodes) {
			ns := NodeStatus{NodeInfo: n, Kind: kindConfigNode, Status: c.live.status(n.ID), Role: "Follower"}
			if n.ID == c.id {
				ns.Status, ns.Role = NodeRunning, "Leader"
			}
			out.Nodes = append(out.Nodes, ns)
		}
		for _, n := range nodeList(s.DataNodes) {
			out.Nodes = append(out.Nodes, NodeStatus{NodeInfo: n, Kind: kindDataNode, Status: c.live.status(n.ID)})
		}
	})
	return out
}

// joinConfigNode registers a new ConfigNode (id 0) or makes a registered
// one a voter of the group.
func (c *ConfigNode) joinConfigNode(ctx context.Context, info NodeInfo, clusterID string) (uint32, error) {
	if info.ID == 0 {
		var refusal error
		reuse := uint32(0)
		c.fsm.read(func(s *State) {
			for _, n := range s.ConfigNodes {
				if sameEndpoints(*n, info) && n.ID != c.id && !c.live.alive(n.ID) {
					reuse = n.ID // its first reply was lost
				}
			}
			if _, ok := s.ConfigNodes[c.id]; !ok || s.ClusterID == "" {
				refusal = status.Errorf(status.ConsensusNotInitialized, "the seed ConfigNode is still bootstrapping the cluster")
			}
			for _, n := range s.ConfigNodes {
				if reuse == 0 && (n.Internal == info.Internal || n.Consensus == info.Consensus) {
					refusal = status.Errorf(status.AddConfigNodeError,
						"ConfigNode %d is already registered at %s (consensus %s): restart it with its own data dir", n.ID, n.Internal, n.Consensus)
				}
			}
		})
		if refusal != nil {
			return 0, refusal
		}
		if reuse != 0 {
			return reuse, nil
		}
		res, err := c.commit(ctx, encode(cmdRegisterNode, registerNodeCmd{Kind: kindConfigNode, Node: info, New: true}))
		if err != nil {
			return 0, err
		}
		var id uint32
		err = json.Unmarshal(res, &id)
		c.logger.Info("confignode registered", "node_id", id, "internal", info.Internal.String())
		return id, err
	}
	var registered *NodeInfo
	var cluster string
	c.fsm.read(func(s *State) {
		cluster = s.ClusterID
		if n, ok := s.ConfigNodes[info.ID]; ok {
			copied := *n
			registered = &copied
		}
	})
	switch {
	case clusterID != "" && clusterID != cluster:
		return 0, status.Errorf(status.RejectNodeStart,
			"the ConfigNode's data dir belongs to cluster %s, not to this cluster", clusterID)
	case registered == nil:
		return 0, status.Errorf(status.AddConfigNodeError, "ConfigNode id %d is not known to this cluster", info.ID)
	case !sameEndpoints(*registered, info) && c.live.alive(info.ID):
		return 0, status.Errorf(status.AddConfigNodeError,
			"ConfigNode id %d is in use by the running ConfigNode at %s: each ConfigNode needs its own data dir", info.ID, registered.Internal)
	case !sameEndpoints(*registered, info):
		// Moved to new ports or another host: record where it is now.
		if _, err := c.commit(ctx, encode(cmdRegisterNode, registerNodeCmd{Kind: kindConfigNode, Node: info})); err != nil {
			return 0, err
		}
	}
	sid, addr := strconv.Itoa(int(info.ID)), info.Consensus.String()
	if c.isVoter(info.ID, addr) {
		return info.ID, nil
	}
	if err := c.group.AddVoter(sid, addr, 30*time.Second); err != nil {
		return 0, mapCommitErr(err)
	}
	c.logger.Info("confignode joined the group", "node_id", info.ID, "consensus", info.Consensus.String())
	return info.ID, nil
}

// isVoter reports whether ConfigNode id is a voter of the group, at addr
// when addr is set.
func (c *ConfigNode) isVoter(id uint32, addr string) bool {
	f := c.group.Raft().GetConfiguration()
	if f.Error() != nil {
		return false
	}
	sid := raft.ServerID(strconv.Itoa(int(id)))
	for _, s := range f.Configuration().Servers {
		if s.ID == sid && s.Suffrage == raft.Voter && (addr == "" || string(s.Address) == addr) {
			return true
		}
	}
	return false
}

// sameEndpoints reports whether two registrations name the same places.
func sameEndpoints(a, b NodeInfo) bool {
	return a.Internal == b.Internal && a.RPC == b.RPC && a.Consensus == b.Consensus
}

// RemoveConfigNode takes ConfigNode id out of the metadata, then out of the
// group: the node applies its own removal while still a member, and says
// so. A removal interrupted between the two is finished by running it
// again.
func (c *ConfigNode) RemoveConfigNode(ctx context.Context, id uint32) error {
	return c.onLeader(ctx, func() error {
		registered, count := false, 0
		c.fsm.read(func(s *State) { _, registered = s.ConfigNodes[id]; count = len(s.ConfigNodes) })
		voter := c.isVoter(id, "")
		if !registered && !voter {
			return status.Errorf(status.RemoveConfigNodeError, "ConfigNode %d is not registered", id)
		}
		if registered && count == 1 {
			return status.Errorf(status.RemoveConfigNodeError, "ConfigNode %d is the only one: the cluster needs at least one", id)
		}
		if registered {
			if _, err := c.commit(ctx, encode(cmdRemoveNode, removeNodeCmd{Kind: kindConfigNode, ID: id})); err != nil {
				return err
			}
		}
		if !voter {
			return nil
		}
		return mapCommitErr(c.group.RemoveServer(strconv.Itoa(int(id)), 30*time.Second))
	}, func(cl clusterpb.ConfigNodeClient) error {
		return callRemoveConfigNode(ctx, cl, id)
	})
}

// clusterStatusOf converts a ClusterStatus reply.
func clusterStatusOf(r *clusterpb.ClusterStatusResponse) ClusterStatus {
	out := ClusterStatus{Leaders: map[uint32]uint32{}}
	for _, n := range r.Nodes {
		out.Nodes = append(out.Nodes, NodeStatus{
			NodeInfo: NodeInfo{ID: n.NodeId, Internal: endpointOf(n.Internal), RPC: endpointOf(n.Rpc), Consensus: endpointOf(n.Consensus), Version: n.Version},
			Kind:     n.Type, Status: n.Status, Role: n.Role})
	}
	for _, l := range r.Leaders {
		out.Leaders[l.RegionId] = l.NodeId
	}
	return out
}
