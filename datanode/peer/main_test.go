package peer

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
	"google.golang.org/grpc"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/hashicorp/raft.(*InmemTransport).Close"),
		goleak.IgnoreAnyFunction("github.com/cockroachdb/pebble/v2/internal/cache.(*shard).releaseLoop"),
	)
}

// replica is a single-voter data region on its own storage engine.
type replica struct {
	fsm   *region.FSM
	group *consensus.Group
}

func openReplica(t *testing.T, id uint32) *replica {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	eng, err := storage.Open(storage.Config{Dir: dir + "/storage"}, logger, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	st, err := eng.Region(id)
	if err != nil {
		t.Fatal(err)
	}
	fsm, err := region.NewFSM(id, st, logger)
	if err != nil {
		t.Fatal(err)
	}
	g, err := consensus.Open(consensus.Config{Name: fmt.Sprintf("region-%d", id), ID: "dn1", Dir: dir + "/raft",
		Timeout: 50 * time.Millisecond}, fsm, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() }) // runs before the engine closes
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.Barrier(ctx); err != nil {
		t.Fatal(err)
	}
	return &replica{fsm: fsm, group: g}
}

// host leads the regions it holds, unless it is given a hint: then it
// leads none and names the hinted node.
type host struct {
	mu       sync.Mutex
	replicas map[uint32]*replica
	hint     uint32
	// stops records StopPipeTasks calls; stopErr is their answer.
	stops   []stopCall
	stopErr error
	// awaits records AwaitMetadata indexes; awaitErr is their answer.
	awaits   []uint64
	awaitErr error
	// running answers Queries and KillQueries; nil lists none.
	running *queries.Registry
}

func (h *host) Queries() []queries.Info {
	if h.running == nil {
		return nil
	}
	return h.running.List()
}

func (h *host) KillQueries(id string) int {
	switch {
	case h.running == nil:
		return 0
	case id == "":
		return h.running.KillAll("")
	case h.running.Kill(id):
		return 1
	}
	return 0
}

type stopCall struct {
	pipe       string
	created    int64
	stateIndex uint64
}

func (h *host) StopPipeTasks(_ context.Context, pipe string, created int64, stateIndex uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stops = append(h.stops, stopCall{pipe, created, stateIndex})
	return h.stopErr
}

func (h *host) AwaitMetadata(_ context.Context, stateIndex uint64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.awaits = append(h.awaits, stateIndex)
	return h.awaitErr
}

func (h *host) Leading(id uint32) (*region.FSM, *consensus.Group, uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.replicas[id]
	if r == nil || h.hint != 0 {
		return nil, nil, h.hint
	}
	return r.fsm, r.group, 0
}

// node is a peer Server on a loopback port with a Client to reach it.
type node struct {
	addr   string
	host   *host
	reg    *prometheus.Registry
	client *Client
}

func startNode(t *testing.T, h *host, cfg ServerConfig) *node {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	gs := grpc.NewServer(ServerOptions(nil)...)
	clusterpb.RegisterDataNodeServer(gs, NewServer(cfg, h, slog.New(slog.DiscardHandler), reg))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = gs.Serve(lis)
	}()
	c := NewClient(ClientConfig{})
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close client: %v", err)
		}
		gs.Stop()
		<-done
	})
	return &node{addr: lis.Addr().String(), host: h, reg: reg, client: c}
}

// startRegion serves one region, id 1, that the node leads.
func startRegion(t *testing.T, cfg ServerConfig) (*node, *replica) {
	t.Helper()
	r := openReplica(t, 1)
	return startNode(t, &host{replicas: map[uint32]*replica{1: r}}, cfg), r
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func write(tablets ...*model.Tablet) []byte {
	return region.WriteCommand(tablets, region.WriteOptions{Database: "root.sg", AutoCreate: true})
}

// gauge reads a gauge of reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// eventually polls cond until it holds, for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
