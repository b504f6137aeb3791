package datanode

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/datanode/peer"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/test/netfault"
)

// stopMeta is the metadata as awaitPipeStopped reads it: the DataNodes and
// their liveness. Other methods are not called.
type stopMeta struct {
	Meta
	nodes  []confignode.NodeInfo
	status string // of every DataNode, as the ConfigNode leader reports it
}

func (m *stopMeta) DataNodes() []confignode.NodeInfo { return m.nodes }

func (m *stopMeta) ClusterStatus(context.Context) (confignode.ClusterStatus, error) {
	var st confignode.ClusterStatus
	for _, n := range m.nodes {
		st.Nodes = append(st.Nodes, confignode.NodeStatus{NodeInfo: n, Kind: "DataNode", Status: m.status})
	}
	return st, nil
}

// TestAwaitPipeStoppedSilentNode: STOP or DROP fails, naming the node and
// its address, when a DataNode that the ConfigNode leader sees running
// never answers within the bound; it does not wait for one the leader sees
// gone.
func TestAwaitPipeStoppedSilentNode(t *testing.T) {
	silent := netfault.StartSilentPeer(t)
	meta := &stopMeta{nodes: []confignode.NodeInfo{{ID: 1}, {ID: 2, Internal: confignode.Endpoint{Host: "127.0.0.1", Port: silent.Port()}}}, status: confignode.NodeRunning}
	peers := peer.NewClient(peer.ClientConfig{})
	t.Cleanup(func() { _ = peers.Close() })
	d := &DataNode{cfg: Config{NodeID: 1}, meta: meta, logger: slog.New(slog.DiscardHandler), cluster: &clusterLink{peers: peers}}

	err := d.awaitPipeStopped(context.Background(), "p", 1, 7, time.Second)
	if status.CodeOf(err) != status.PipeError || !strings.Contains(err.Error(), "DataNode 2 at "+silent.Addr()) {
		t.Fatalf("a running node that does not answer: %v", err)
	}

	meta.status = confignode.NodeUnknown
	start := time.Now()
	if err := d.awaitPipeStopped(context.Background(), "p", 1, 7, time.Minute); err != nil {
		t.Fatalf("a node the leader sees gone: %v", err)
	}
	t.Logf("returned after %v", time.Since(start).Round(time.Millisecond))
}
