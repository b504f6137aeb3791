package proc

import (
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedb/sluice/certs"
)

// ClusterConfig shapes a Cluster.
type ClusterConfig struct {
	ConfigNodes, DataNodes int
	// Props are cluster-wide keys given to every ConfigNode, such as
	// data_replication_factor.
	Props map[string]string
	// Env is added to every node's environment.
	Env []string
	// Insecure runs the cluster without TLS between nodes
	// (cluster_insecure=true). By default the cluster gets its own CA and
	// every node a certificate for 127.0.0.1, as production clusters do.
	Insecure bool
}

// Cluster is a set of ConfigNodes and DataNodes, all real sluice processes
// on 127.0.0.1, killed at test cleanup. The first ConfigNode seeds itself,
// the others name it; DataNodes name every ConfigNode.
type Cluster struct {
	ConfigNodes []*Node
	DataNodes   []*Node

	t    testing.TB
	cfg  ClusterConfig
	made []*Node // every node made, members or not: killed at cleanup
	// CertsDir holds the cluster's CA and the node certificate every node
	// uses; empty when Insecure.
	CertsDir string
}

// NewCluster prepares a cluster without starting a process.
func NewCluster(t testing.TB, cfg ClusterConfig) *Cluster {
	c := &Cluster{t: t, cfg: cfg}
	// The test's temp dir is removed at cleanup: make its removal register
	// first, so that it runs after the nodes writing into it are killed.
	dir := t.TempDir()
	t.Cleanup(c.KillAll)
	if !cfg.Insecure {
		c.CertsDir = filepath.Join(dir, "certs")
		if err := certs.CreateCA(c.CertsDir, certs.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := certs.CreateNode(c.CertsDir, "", []string{"127.0.0.1", "localhost"}, certs.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// StartCluster starts cfg.ConfigNodes ConfigNodes, then cfg.DataNodes
// DataNodes, one at a time and each until ready, so that node ids follow
// that order.
func StartCluster(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	c := NewCluster(t, cfg)
	for range cfg.ConfigNodes {
		c.AddConfigNode()
	}
	for range cfg.DataNodes {
		c.AddDataNode()
	}
	return c
}

// AddConfigNode starts one more ConfigNode and waits until it is ready.
func (c *Cluster) AddConfigNode() *Node {
	c.t.Helper()
	return c.add(c.NewConfigNode(), &c.ConfigNodes)
}

// AddDataNode starts one more DataNode and waits until it is ready.
func (c *Cluster) AddDataNode() *Node {
	c.t.Helper()
	return c.add(c.NewDataNode(), &c.DataNodes)
}

func (c *Cluster) add(n *Node, to *[]*Node) *Node {
	c.t.Helper()
	n.Start()
	*to = append(*to, n)
	return n
}

// NewConfigNode configures a ConfigNode on fresh ports and data dir,
// seeded by the cluster's first ConfigNode (itself if there is none yet),
// without starting it or adding it to the cluster.
func (c *Cluster) NewConfigNode() *Node {
	n := c.newNode(ConfigNode, len(c.ConfigNodes)+1)
	seed := n.InternalAddr()
	if len(c.ConfigNodes) > 0 {
		seed = c.ConfigNodes[0].InternalAddr()
	}
	maps.Copy(n.Props, c.cfg.Props)
	maps.Copy(n.Props, map[string]string{
		"cn_internal_address": "127.0.0.1",
		"cn_internal_port":    strconv.Itoa(n.InternalPort),
		"cn_consensus_port":   strconv.Itoa(n.ConsensusPort),
		"cn_metrics_port":     strconv.Itoa(n.MetricsPort),
		"cn_seed_config_node": seed,
	})
	return n
}

// NewDataNode configures a DataNode on fresh ports and data dir, seeded
// with every ConfigNode, without starting it or adding it to the cluster.
func (c *Cluster) NewDataNode() *Node {
	n := c.newNode(DataNode, len(c.DataNodes)+1)
	n.RPCPort = freshPort(c.t)
	maps.Copy(n.Props, map[string]string{
		"dn_rpc_address":                "127.0.0.1",
		"dn_rpc_port":                   strconv.Itoa(n.RPCPort),
		"dn_internal_address":           "127.0.0.1",
		"dn_internal_port":              strconv.Itoa(n.InternalPort),
		"dn_data_region_consensus_port": strconv.Itoa(n.ConsensusPort),
		"dn_metrics_port":               strconv.Itoa(n.MetricsPort),
		"dn_seed_config_node":           c.Seeds(),
	})
	return n
}

func (c *Cluster) newNode(role Role, seq int) *Node {
	name := fmt.Sprintf("%s-%d", role, seq)
	n := &Node{
		Role:          role,
		Name:          name,
		DataDir:       filepath.Join(c.t.TempDir(), name),
		InternalPort:  freshPort(c.t),
		ConsensusPort: freshPort(c.t),
		MetricsPort:   freshPort(c.t),
		Props:         c.securityProps(),
		Env:           c.cfg.Env,
		t:             c.t,
		log:           &syncBuffer{},
	}
	c.made = append(c.made, n)
	return n
}

// securityProps are the keys that secure a node's node-to-node traffic.
func (c *Cluster) securityProps() map[string]string {
	if c.cfg.Insecure {
		return map[string]string{"cluster_insecure": "true"}
	}
	return map[string]string{"cluster_certs_dir": c.CertsDir}
}

// Seeds lists every ConfigNode's internal address, comma-separated.
func (c *Cluster) Seeds() string {
	var s []string
	for _, n := range c.ConfigNodes {
		s = append(s, n.InternalAddr())
	}
	return strings.Join(s, ",")
}

// Nodes returns the ConfigNodes then the DataNodes.
func (c *Cluster) Nodes() []*Node {
	return append(append([]*Node(nil), c.ConfigNodes...), c.DataNodes...)
}

// RPCAddrs lists the DataNodes' client addresses.
func (c *Cluster) RPCAddrs() []string {
	var a []string
	for _, n := range c.DataNodes {
		a = append(a, n.Addr())
	}
	return a
}

// KillAll sends SIGKILL to the process of every node the cluster made,
// including those made by NewConfigNode or NewDataNode and never added.
func (c *Cluster) KillAll() {
	for _, n := range c.made {
		n.Kill()
	}
}

// StartAll launches every given node before waiting for any to be ready,
// as nodes that need each other (a Raft group restarting) must be.
func StartAll(nodes ...*Node) {
	for _, n := range nodes {
		n.t.Helper()
		n.Launch()
	}
	for _, n := range nodes {
		n.WaitReady()
	}
}

// LogTails renders the last lines of every node's output, for failures.
func (c *Cluster) LogTails(lines int) string {
	var b strings.Builder
	for _, n := range c.Nodes() {
		fmt.Fprintf(&b, "==== %s (internal %d, rpc %d, dir %s) ====\n%s\n", n.Name, n.InternalPort, n.RPCPort, n.DataDir, n.LogTail(lines))
	}
	return b.String()
}

var (
	portsMu sync.Mutex
	ports   = map[int]bool{}
)

// freshPort returns a free port this test process has not handed out
// before, so a stopped node's port is never given to another node.
func freshPort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		p := FreePort(t)
		if !ports[p] {
			ports[p] = true
			return p
		}
	}
}
