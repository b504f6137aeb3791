package confignode

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sluicedb/sluice/proto/clusterpb"
)

// rpcServer is the ConfigNode gRPC service: it answers from this node and
// forwards what needs the leader.
type rpcServer struct {
	clusterpb.UnimplementedConfigNodeServer
	c *ConfigNode
}

// maxStateWait bounds a State long poll.
const maxStateWait = 30 * time.Second

func (s *rpcServer) Apply(ctx context.Context, req *clusterpb.ApplyRequest) (*clusterpb.ApplyResponse, error) {
	res, err := s.c.commit(ctx, req.Command)
	var index uint64
	s.c.fsm.read(func(st *State) { index = st.Index })
	return &clusterpb.ApplyResponse{Status: clusterpb.StatusOf(err), Result: res, Index: index}, nil
}

func (s *rpcServer) State(ctx context.Context, req *clusterpb.StateRequest) (*clusterpb.StateResponse, error) {
	wait := min(time.Duration(req.WaitMs)*time.Millisecond, maxStateWait)
	wctx, cancel := context.WithTimeout(ctx, wait)
	_ = s.c.fsm.waitIndex(wctx, req.MinIndex)
	cancel()
	var b []byte
	var index uint64
	var err error
	s.c.fsm.read(func(st *State) {
		index = st.Index
		b, err = s.c.wireState(st)
	})
	return &clusterpb.StateResponse{Status: clusterpb.StatusOf(err), State: b, Index: index}, nil
}

// wireState encodes the state for a DataNode: the users' password hashes
// sealed with the cluster key when the node has one (pipe sink passwords
// are sealed already, by the DataNode that created the pipe).
func (c *ConfigNode) wireState(st *State) ([]byte, error) {
	if c.cfg.SealKey == nil {
		return json.Marshal(st)
	}
	wire := *st
	auth, err := st.Auth.WithHashes(func(h string) (string, error) { return c.cfg.SealKey.Seal(h), nil })
	if err != nil {
		return nil, err
	}
	wire.Auth = auth
	return json.Marshal(&wire)
}

func (s *rpcServer) RegisterDataNode(ctx context.Context, req *clusterpb.RegisterDataNodeRequest) (*clusterpb.RegisterDataNodeResponse, error) {
	id, cluster, err := s.c.RegisterDataNode(ctx, NodeInfo{ID: req.NodeId, Internal: endpointOf(req.Internal),
		RPC: endpointOf(req.Rpc), Consensus: endpointOf(req.Consensus), Version: req.Version}, req.ClusterId)
	var index uint64
	s.c.fsm.read(func(st *State) { index = st.Index })
	return &clusterpb.RegisterDataNodeResponse{Status: clusterpb.StatusOf(err), NodeId: id, ClusterId: cluster, Index: index}, nil
}

func (s *rpcServer) Heartbeat(ctx context.Context, req *clusterpb.HeartbeatRequest) (*clusterpb.HeartbeatResponse, error) {
	index, err := s.c.Heartbeat(ctx, req.NodeId, req.LedRegions, pipeReportOf(req))
	resp := &clusterpb.HeartbeatResponse{Status: clusterpb.StatusOf(err), Index: index}
	s.c.fsm.read(func(st *State) {
		for _, n := range nodeList(st.ConfigNodes) {
			resp.ConfigNodes = append(resp.ConfigNodes, endpointPB(n.Internal))
		}
	})
	return resp, nil
}

func (s *rpcServer) JoinConfigNode(ctx context.Context, req *clusterpb.JoinConfigNodeRequest) (*clusterpb.JoinConfigNodeResponse, error) {
	info := NodeInfo{ID: req.NodeId, Internal: endpointOf(req.Internal), Consensus: endpointOf(req.Consensus), Version: req.Version}
	var id uint32
	err := s.c.onLeader(ctx, func() error {
		var err error
		id, err = s.c.joinConfigNode(ctx, info, req.ClusterId)
		return err
	}, func(cl clusterpb.ConfigNodeClient) error {
		r, err := cl.JoinConfigNode(ctx, req)
		if err != nil {
			return unreachable(err)
		}
		id = r.NodeId
		return r.Status.Err()
	})
	return &clusterpb.JoinConfigNodeResponse{Status: clusterpb.StatusOf(err), NodeId: id, ClusterId: s.c.ClusterID()}, nil
}

func (s *rpcServer) RemoveConfigNode(ctx context.Context, req *clusterpb.RemoveConfigNodeRequest) (*clusterpb.RemoveConfigNodeResponse, error) {
	return &clusterpb.RemoveConfigNodeResponse{Status: clusterpb.StatusOf(s.c.RemoveConfigNode(ctx, req.NodeId))}, nil
}

func (s *rpcServer) PipeStatistics(ctx context.Context, _ *clusterpb.PipeStatisticsRequest) (*clusterpb.PipeStatisticsResponse, error) {
	stats, err := s.c.PipeStatistics(ctx)
	return &clusterpb.PipeStatisticsResponse{Status: clusterpb.StatusOf(err), Pipes: pipeStatsPB(stats)}, nil
}

func (s *rpcServer) ClusterStatus(ctx context.Context, _ *clusterpb.ClusterStatusRequest) (*clusterpb.ClusterStatusResponse, error) {
	st, err := s.c.ClusterStatus(ctx)
	resp := &clusterpb.ClusterStatusResponse{Status: clusterpb.StatusOf(err)}
	for _, n := range st.Nodes {
		resp.Nodes = append(resp.Nodes, &clusterpb.NodeStatus{NodeId: n.ID, Type: n.Kind, Status: n.Status,
			Internal: endpointPB(n.Internal), Rpc: endpointPB(n.RPC), Consensus: endpointPB(n.Consensus), Role: n.Role, Version: n.Version})
	}
	for region, node := range st.Leaders {
		resp.Leaders = append(resp.Leaders, &clusterpb.RegionLeader{RegionId: region, NodeId: node})
	}
	return resp, nil
}
