package confignode

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/test/proc"
)

// testCN is one ConfigNode of an in-process cluster on loopback ports.
type testCN struct {
	cfg Config
	reg *prometheus.Registry // the node's metrics
	*ConfigNode
}

// newTestCN configures a ConfigNode whose seeds are seeds followed by
// itself: the first node (no seeds given) bootstraps, the others join.
func newTestCN(t *testing.T, seeds ...string) *testCN {
	t.Helper()
	internal := Endpoint{Host: "127.0.0.1", Port: proc.FreePort(t)}
	cfg := Config{Dir: filepath.Join(t.TempDir(), "cn"), SlotNum: 8, RegionsPerDatabase: 3, ReplicationFactor: 2,
		Timeout: 300 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond, Version: "test",
		Internal: internal, Consensus: Endpoint{Host: "127.0.0.1", Port: proc.FreePort(t)},
		Seeds: append(seeds, internal.String())}
	return &testCN{cfg: cfg}
}

func (n *testCN) start(t *testing.T) {
	t.Helper()
	n.reg = prometheus.NewRegistry()
	n.ConfigNode = New(n.cfg, slog.New(slog.DiscardHandler), n.reg, consensus.NewMetrics(n.reg))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("start ConfigNode at %s: %v", n.cfg.Internal, err)
	}
	t.Cleanup(func() { n.Close() })
}

// A seed and two joiners (listing the seed and themselves as seeds) form
// one group with ids 0, 1, 2; every ConfigNode
// accepts commands and forwards them; DataNodes registered through any of
// them get the next ids; a database is placed on distinct running
// DataNodes with its preferred leaders spread; the group survives the loss
// of its leader; a removed ConfigNode leaves the group and the metadata.
func TestConfigNodeCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cns := startGroup(t)
	seed := cns[0]
	for i, n := range cns {
		if n.ID() != uint32(i) {
			t.Fatalf("ConfigNode %d got id %d", i, n.ID())
		}
	}
	if cns[1].ClusterID() != seed.ClusterID() || seed.ClusterID() == "" {
		t.Fatalf("cluster ids %q and %q", seed.ClusterID(), cns[1].ClusterID())
	}

	// DataNodes register through followers; their ids follow the CNs'.
	var dns []uint32
	for i := range 3 {
		id, cluster, err := cns[1+i%2].RegisterDataNode(ctx, NodeInfo{Internal: Endpoint{Host: "127.0.0.1", Port: 30000 + i},
			RPC: Endpoint{Host: "127.0.0.1", Port: 31000 + i}, Consensus: Endpoint{Host: "127.0.0.1", Port: 32000 + i}}, "")
		if err != nil || cluster != seed.ClusterID() {
			t.Fatalf("register DataNode %d: %v (cluster %q)", i, err, cluster)
		}
		if _, err := cns[2].Heartbeat(ctx, id, nil, nil); err != nil {
			t.Fatal(err)
		}
		dns = append(dns, id)
	}
	if dns[0] != 3 || dns[2] != 5 {
		t.Fatalf("DataNode ids %v, want 3..5", dns)
	}
	// The DataNodes keep reporting in, as real ones do, through a ConfigNode
	// that stays up.
	stop := make(chan struct{})
	done := make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			for _, id := range dns {
				hctx, cancel := context.WithTimeout(ctx, time.Second)
				_, _ = cns[2].Heartbeat(hctx, id, nil, nil)
				cancel()
			}
		}
	}()
	// A registration whose reply was lost is answered again with the same
	// id once that node has gone silent.
	lost := NodeInfo{Internal: Endpoint{Host: "127.0.0.1", Port: 30050}, RPC: Endpoint{Host: "127.0.0.1", Port: 31050},
		Consensus: Endpoint{Host: "127.0.0.1", Port: 32050}}
	first, _, err := cns[1].RegisterDataNode(ctx, lost, "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * seed.cfg.HeartbeatInterval)
	if again, _, err := cns[2].RegisterDataNode(ctx, lost, ""); err != nil || again != first {
		t.Fatalf("registering again after a lost reply = %d, %v; want id %d", again, err, first)
	}
	// A command that does not decode is refused before it reaches the log.
	cl, err := cns[1].peers.configNode(cns[2].cfg.Internal.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, {99, '{', '}'}, {byte(cmdCreateDatabase), 'x'}} {
		r, err := cl.Apply(ctx, &clusterpb.ApplyRequest{Command: bad})
		if err != nil || status.Code(r.Status.Code) != status.IllegalParameter {
			t.Fatalf("Apply(%q) = %v, %v; want IllegalParameter", bad, r, err)
		}
	}
	// A data dir of another cluster, an unknown id, and a second node at a
	// registered address are refused.
	refusals := []struct {
		info    NodeInfo
		cluster string
		want    status.Code
	}{
		{NodeInfo{Internal: Endpoint{Host: "127.0.0.1", Port: 30099}}, "elsewhere", status.RejectNodeStart},
		{NodeInfo{ID: 42, Internal: Endpoint{Host: "127.0.0.1", Port: 30098}}, "", status.RegisterDataNodeWithWrongID},
		{NodeInfo{Internal: Endpoint{Host: "127.0.0.1", Port: 30000}}, "", status.RegisterDataNodeWithWrongID},
	}
	for _, r := range refusals {
		_, _, err := cns[2].RegisterDataNode(ctx, r.info, r.cluster)
		if status.CodeOf(err) != r.want {
			t.Fatalf("register %+v of cluster %q = %v, want code %d", r.info, r.cluster, err, r.want)
		}
		// A refusal names no secret of this cluster to whoever asked.
		if id := cns[2].ClusterID(); strings.Contains(err.Error(), id) {
			t.Fatalf("refusal %q reveals the cluster id %s", err, id)
		}
	}

	// A database created through a follower is placed on two distinct
	// running DataNodes per region, preferred leaders spread.
	if err := cns[2].CreateDatabase(ctx, "root.sg"); err != nil {
		t.Fatal(err)
	}
	preferred := map[uint32]int{}
	for _, r := range cns[2].Regions() {
		if len(r.Replicas) != 2 || r.Replicas[0] == r.Replicas[1] {
			t.Fatalf("region %d replicas %v", r.ID, r.Replicas)
		}
		preferred[r.Replicas[0]]++
	}
	if len(preferred) != 3 {
		t.Fatalf("preferred leaders %v, want one region each on 3 DataNodes", preferred)
	}

	// A DataNode's client refused a database that another node just
	// created already lists it when the refusal arrives.
	dn := NewClient([]string{cns[1].cfg.Internal.String()}, nil, nil, slog.New(slog.DiscardHandler))
	if err := dn.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer dn.Close()
	if err := cns[2].CreateDatabase(ctx, "root.race"); err != nil {
		t.Fatal(err)
	}
	if err := dn.CreateDatabase(ctx, "root.race"); status.CodeOf(err) != status.DatabaseAlreadyExists {
		t.Fatalf("creating it again through a client = %v, want DatabaseAlreadyExists", err)
	}
	if !slices.ContainsFunc(dn.Databases(), func(d Database) bool { return d.Name == "root.race" }) {
		t.Fatalf("the client was refused root.race but its copy lists %+v", dn.Databases())
	}

	// Kill the leader: another takes over; commands through the rest go on.
	seed.Close()
	start := time.Now()
	if err := cns[1].CreateDatabase(ctx, "root.after"); err != nil {
		t.Fatalf("create database after the leader's loss: %v", err)
	}
	t.Logf("first command after the leader's loss committed in %v", time.Since(start))
	if dbs := cns[1].Databases(); len(dbs) != 3 {
		t.Fatalf("databases seen by the ConfigNode that committed: %+v", dbs)
	}
	st, err := cns[2].ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaders := 0
	for _, n := range st.Nodes {
		if n.Kind == kindConfigNode && n.Role == "Leader" {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("cluster status %+v has %d ConfigNode leaders", st.Nodes, leaders)
	}

	// Remove the old seed: it leaves the metadata; the two left keep a
	// quorum.
	if err := cns[2].RemoveConfigNode(ctx, 0); err != nil {
		t.Fatalf("remove ConfigNode 0: %v", err)
	}
	if err := cns[1].RemoveConfigNode(ctx, 0); status.CodeOf(err) != status.RemoveConfigNodeError {
		t.Fatalf("removing it twice = %v", err)
	}
	if err := cns[1].CreateDatabase(ctx, "root.third"); err != nil {
		t.Fatalf("create database after removing a ConfigNode: %v", err)
	}
	var ids []string
	cns[2].fsm.read(func(s *State) {
		for id := range s.ConfigNodes {
			ids = append(ids, strconv.Itoa(int(id)))
		}
	})
	if len(ids) != 2 {
		t.Fatalf("ConfigNodes in the metadata after removal: %v", ids)
	}
}

// A restarted ConfigNode keeps its id and rejoins without registering
// again.
func TestConfigNodeRestartKeepsIdentity(t *testing.T) {
	seed := newTestCN(t)
	seed.start(t)
	n := newTestCN(t, seed.cfg.Internal.String())
	n.start(t)
	id := n.ID()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	if n.ID() != id {
		t.Fatalf("restarted ConfigNode id %d, want %d", n.ID(), id)
	}
	var count int
	n.fsm.read(func(s *State) { count = len(s.ConfigNodes) })
	if count != 2 {
		t.Fatalf("%d ConfigNodes registered after a restart, want 2", count)
	}
}

// startGroup starts a seed and two ConfigNodes joining through it.
func startGroup(t *testing.T) []*testCN {
	t.Helper()
	seed := newTestCN(t)
	seed.start(t)
	cns := []*testCN{seed}
	for range 2 {
		n := newTestCN(t, seed.cfg.Internal.String())
		n.start(t)
		cns = append(cns, n)
	}
	return cns
}
