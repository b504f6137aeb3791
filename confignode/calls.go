package confignode

import (
	"context"

	"github.com/sluicedb/sluice/proto/clusterpb"
)

// The calls below send one request to a ConfigNode and decode its reply;
// both a ConfigNode forwarding to its leader and a DataNode's Client use
// them. A call that does not reach the node is unreachable (retryable); a
// refusal carries the reply's status code.

// callRegisterDataNode returns the DataNode's id, the cluster id and the
// index of the registration.
func callRegisterDataNode(ctx context.Context, cl clusterpb.ConfigNodeClient, info NodeInfo, clusterID string) (uint32, string, uint64, error) {
	r, err := cl.RegisterDataNode(ctx, &clusterpb.RegisterDataNodeRequest{NodeId: info.ID, ClusterId: clusterID,
		Internal: endpointPB(info.Internal), Rpc: endpointPB(info.RPC), Consensus: endpointPB(info.Consensus), Version: info.Version})
	if err != nil {
		return 0, "", 0, unreachable(err)
	}
	return r.NodeId, r.ClusterId, r.Index, r.Status.Err()
}

// callHeartbeat returns the leader's metadata index and the ConfigNodes'
// endpoints.
func callHeartbeat(ctx context.Context, cl clusterpb.ConfigNodeClient, node uint32, led []uint32, rep *PipeReport) (uint64, []*clusterpb.Endpoint, error) {
	applied, tasks := pipeReportPB(rep)
	r, err := cl.Heartbeat(ctx, &clusterpb.HeartbeatRequest{NodeId: node, LedRegions: led, AppliedIndexes: applied, PipeTasks: tasks})
	if err != nil {
		return 0, nil, unreachable(err)
	}
	return r.Index, r.ConfigNodes, r.Status.Err()
}

func callClusterStatus(ctx context.Context, cl clusterpb.ConfigNodeClient) (ClusterStatus, error) {
	r, err := cl.ClusterStatus(ctx, &clusterpb.ClusterStatusRequest{})
	if err != nil {
		return ClusterStatus{}, unreachable(err)
	}
	if err := r.Status.Err(); err != nil {
		return ClusterStatus{}, err
	}
	return clusterStatusOf(r), nil
}

func callRemoveConfigNode(ctx context.Context, cl clusterpb.ConfigNodeClient, id uint32) error {
	r, err := cl.RemoveConfigNode(ctx, &clusterpb.RemoveConfigNodeRequest{NodeId: id})
	if err != nil {
		return unreachable(err)
	}
	return r.Status.Err()
}
