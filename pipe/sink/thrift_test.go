package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

const senderCluster = "sender-cluster"

// fakeTarget is a DataNode behind the real pipe receiver. It records what
// it is given and how many inserts ran at once.
type fakeTarget struct {
	id     string
	delay  time.Duration
	logins atomic.Int32

	mu        sync.Mutex
	calls     int     // Insert calls, finished or not
	times     []int64 // first time of each batch, in arrival order
	rows      []int64 // every row's time, in arrival order
	origins   []string
	active    int
	maxActive int
	fail      func() error
	block     chan struct{} // when set, inserts wait for it to close
	// applied logs ApplySchema and Insert calls in arrival order: "schema
	// <series path>" and "insert <first row's time>".
	applied []string
}

func (f *fakeTarget) ApplySchema(_ context.Context, _ string, series []model.Series, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range series {
		f.applied = append(f.applied, "schema "+s.Path.String())
	}
	return nil
}

func (f *fakeTarget) ClusterID() string { return f.id }

func (f *fakeTarget) Login(_ context.Context, user, password string) error {
	f.logins.Add(1)
	if user != "root" || password != "root" {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s", user)
	}
	return nil
}

func (f *fakeTarget) Credential(string) (string, error) { return "v1", nil }

func (f *fakeTarget) Authorize(string, []*model.Tablet) error { return nil }

func (f *fakeTarget) Insert(ctx context.Context, tablets []*model.Tablet, origin string) error {
	f.mu.Lock()
	f.calls++
	f.active++
	f.maxActive = max(f.maxActive, f.active)
	fail, block := f.fail, f.block
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if block != nil {
		<-block
	}
	time.Sleep(f.delay)
	if fail != nil {
		if err := fail(); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times = append(f.times, tablets[0].Times[0])
	for _, tb := range tablets {
		f.rows = append(f.rows, tb.Times...)
	}
	f.origins = append(f.origins, origin)
	f.applied = append(f.applied, fmt.Sprintf("insert %d", tablets[0].Times[0]))
	return nil
}

func (f *fakeTarget) set(fn func(f *fakeTarget)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeTarget) received() (times []int64, maxActive int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.times), f.maxActive
}

// receiverServer serves the real receiver for a fakeTarget; restart
// replaces the receiver, forgetting every token as a restarted DataNode
// would.
type receiverServer struct {
	*thriftServer
	target *fakeTarget
	rcv    atomic.Pointer[receiver.Receiver]
	opts   []receiver.Option

	mu sync.Mutex
	// bodies are the data requests received: their type, and for a
	// TypeTablets request its compression byte.
	bodies []string
}

func (r *receiverServer) PipeTransfer(ctx context.Context, req *pipethrift.TPipeTransferReq) (*pipethrift.TPipeTransferResp, error) {
	r.mu.Lock()
	switch {
	case req.Type == transfer.TypeTablets && len(req.Body) > 0:
		r.bodies = append(r.bodies, fmt.Sprintf("tablets/%d", req.Body[0]))
	case req.Type != transfer.TypeHandshake:
		r.bodies = append(r.bodies, fmt.Sprintf("type %d", req.Type))
	}
	r.mu.Unlock()
	return r.rcv.Load().Handle(ctx, req), nil
}

// received lists the data requests received (see bodies).
func (r *receiverServer) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bodies)
}

func (r *receiverServer) restart() { r.rcv.Store(receiver.New(r.target, nil, nil, nil, r.opts...)) }

func startReceiver(t testing.TB, target *fakeTarget, opts ...receiver.Option) *receiverServer {
	t.Helper()
	if target.id == "" {
		target.id = "target-cluster"
	}
	r := &receiverServer{target: target, opts: opts}
	r.restart()
	r.thriftServer = serveThrift(t, pipethrift.NewPipeTransferServiceProcessor(r))
	return r
}

func thriftAttrs(plugin string, addrs ...string) map[string]string {
	return map[string]string{"sink": plugin, "node-urls": strings.Join(addrs, ",")}
}

var testConfig = Config{ClusterID: senderCluster, SenderVersion: "test", Timeout: 5 * time.Second, MaxClients: 4}

func newTestSink(t *testing.T, attrs map[string]string, cfg Config) pipe.Sink {
	t.Helper()
	s, err := New(attrs, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestThriftSyncKeepsOrder(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	if s.InFlight() != 1 {
		t.Fatalf("InFlight = %d", s.InFlight())
	}
	for i := range 20 {
		if err := s.Transfer(t.Context(), testBatch(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Concurrent callers are serialised too.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				if err := s.Transfer(t.Context(), testBatch(100+10*g+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	times, maxActive := target.received()
	if maxActive != 1 {
		t.Fatalf("%d transfers applied at once, want 1", maxActive)
	}
	if len(times) != 40 {
		t.Fatalf("%d batches arrived, want 40", len(times))
	}
	for i := range 20 {
		if times[i] != int64(i) {
			t.Fatalf("batch %d arrived as %d: order lost: %v", i, times[i], times[:20])
		}
	}
	if s.TargetClusterID() != "target-cluster" {
		t.Fatalf("TargetClusterID = %q", s.TargetClusterID())
	}
}

func TestThriftAsyncRunsInParallel(t *testing.T) {
	target := &fakeTarget{delay: 50 * time.Millisecond}
	srv := startReceiver(t, target)
	reg := prometheus.NewRegistry()
	r := NewRegistry(testConfig, nil, reg)
	defer r.Close()
	s, release, err := r.Acquire(thriftAttrs(PluginThrift, srv.addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if s.InFlight() != testConfig.MaxClients {
		t.Fatalf("InFlight = %d, want %d", s.InFlight(), testConfig.MaxClients)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if err := s.Transfer(t.Context(), testBatch(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	times, maxActive := target.received()
	if maxActive != testConfig.MaxClients {
		t.Fatalf("%d transfers applied at once, want %d", maxActive, testConfig.MaxClients)
	}
	slices.Sort(times)
	for i, tm := range times {
		if tm != int64(i) {
			t.Fatalf("batches arrived %v, want 0..15 once each", times)
		}
	}
	id := SinkID(r.Key(thriftAttrs(PluginThrift, srv.addr())))
	if g := testutil.ToFloat64(r.metrics.conns.WithLabelValues(id)); g != 4 {
		t.Fatalf("connections gauge = %v, want 4", g)
	}
	if n := testutil.ToFloat64(r.metrics.transfers.WithLabelValues(id, "success")); n != 16 {
		t.Fatalf("successful transfers = %v, want 16", n)
	}
	if n := testutil.ToFloat64(r.metrics.bytes.WithLabelValues(id)); n <= 0 {
		t.Fatalf("bytes = %v", n)
	}
}

func TestThriftAsyncWaitsForAClient(t *testing.T) {
	block := make(chan struct{})
	target := &fakeTarget{block: block}
	srv := startReceiver(t, target)
	cfg := testConfig
	cfg.MaxClients = 1
	s := newTestSink(t, thriftAttrs(PluginThriftAsync, srv.addr()), cfg)
	done := make(chan error, 1)
	go func() { done <- s.Transfer(context.Background(), testBatch(1)) }()
	waitFor(t, func() bool { _, active := target.received(); return active == 1 })

	// The only client is busy: a second transfer waits, and gives up with
	// its context.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := s.Transfer(ctx, testBatch(2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transfer while all clients are busy = %v, want deadline exceeded", err)
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestThriftFailover(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	s := newTestSink(t, thriftAttrs(PluginThrift, deadAddr(t), srv.addr()), testConfig)
	for i := range 8 {
		if err := s.Transfer(t.Context(), testBatch(i)); err != nil {
			t.Fatal(err)
		}
	}
	if times, _ := target.received(); len(times) != 8 {
		t.Fatalf("%d batches arrived, want 8", len(times))
	}

	all := newTestSink(t, thriftAttrs(PluginThriftSync, deadAddr(t), deadAddr(t)), testConfig)
	err := all.Transfer(t.Context(), testBatch(1))
	if err == nil || errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "no target available") {
		t.Fatalf("Transfer with every target down = %v, want a transient 'no target available'", err)
	}
}

func TestThriftErrorClasses(t *testing.T) {
	tests := []struct {
		name    string
		attrs   func(map[string]string)
		cfg     func(*Config)
		fail    func() error
		fatal   bool
		wantMsg string // after "<plugin> <addr>: "
	}{
		{name: "wrong password", attrs: func(a map[string]string) { a["password"] = "x" },
			fatal: true, wantMsg: "authentication failed for user root (code 801)"},
		{name: "type mismatch", fail: func() error { return status.Errorf(status.DataTypeMismatch, "s is INT32, not INT64") },
			fatal: true, wantMsg: "s is INT32, not INT64 (code 614)"},
		{name: "path not exist", fail: func() error { return status.Errorf(status.PathNotExist, "root.sg.d.s does not exist") },
			fatal: true, wantMsg: "(code 508)"},
		{name: "no permission", fail: func() error { return status.Errorf(status.NoPermission, "no WRITE_DATA") },
			fatal: true, wantMsg: "(code 803)"},
		{name: "internal error", fail: func() error { return status.Errorf(status.InternalServerError, "disk hiccup") },
			fatal: false, wantMsg: "disk hiccup (code 305)"},
		{name: "write reject", fail: func() error { return status.Errorf(status.WriteProcessReject, "too many writes") },
			fatal: false, wantMsg: "(code 606)"},
		{name: "consensus not ready", fail: func() error { return status.Errorf(status.ConsensusNotInitialized, "electing") },
			fatal: false, wantMsg: "(code 904)"},
		{name: "self cluster", cfg: func(c *Config) { c.ClusterID = "target-cluster" },
			fatal: true, wantMsg: "a pipe cannot sync a cluster to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{fail: tt.fail}
			srv := startReceiver(t, target)
			attrs := thriftAttrs(PluginThrift, srv.addr())
			if tt.attrs != nil {
				tt.attrs(attrs)
			}
			cfg := testConfig
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			s := newTestSink(t, attrs, cfg)
			err := s.Transfer(t.Context(), testBatch(1))
			if err == nil {
				t.Fatal("Transfer succeeded")
			}
			if errors.Is(err, pipe.ErrFatal) != tt.fatal {
				t.Fatalf("fatal = %v, want %v: %v", !tt.fatal, tt.fatal, err)
			}
			prefix := PluginThrift + " " + srv.addr() + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %q, want %q...%q", err, prefix, tt.wantMsg)
			}
		})
	}
}

// selfReceiver accepts every handshake, answering with its cluster id.
type selfReceiver struct{ id string }

func (r selfReceiver) PipeTransfer(context.Context, *pipethrift.TPipeTransferReq) (*pipethrift.TPipeTransferResp, error) {
	body := transfer.EncodeHandshakeResult(transfer.HandshakeResult{ClusterID: r.id, Token: "t"})
	return &pipethrift.TPipeTransferResp{Status: &pipethrift.TSStatus{Code: 200}, Body: body}, nil
}

func TestThriftSelfClusterSeenBySender(t *testing.T) {
	// A receiver that does not refuse its own cluster: the sink notices
	// from the handshake answer. Probe reports the id instead.
	srv := serveThrift(t, pipethrift.NewPipeTransferServiceProcessor(selfReceiver{id: "same"}))
	cfg := testConfig
	cfg.ClusterID = "same"
	s := newTestSink(t, thriftAttrs(PluginThrift, srv.addr()), cfg)
	err := s.Transfer(t.Context(), testBatch(1))
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "the target is this cluster (same)") {
		t.Fatalf("Transfer to own cluster = %v", err)
	}
	if id, err := Probe(t.Context(), thriftAttrs(PluginThrift, srv.addr()), cfg); id != "same" || err != nil {
		t.Fatalf("Probe = %q, %v", id, err)
	}
}

func TestThriftTargetsOfTwoClusters(t *testing.T) {
	a := serveThrift(t, pipethrift.NewPipeTransferServiceProcessor(selfReceiver{id: "A"}))
	b := serveThrift(t, pipethrift.NewPipeTransferServiceProcessor(selfReceiver{id: "B"}))
	s, err := New(thriftAttrs(PluginThrift, a.addr(), b.addr()), testConfig, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := s.(*thriftSink)
	if _, err := ts.dial(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.dial(t.Context()); !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "belongs to cluster B but earlier targets to A") {
		t.Fatalf("second dial = %v", err)
	}
}

func TestThriftRehandshake(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	srv.restart() // tokens forgotten, connection kept
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatal(err)
	}
	if n := target.logins.Load(); n != 2 {
		t.Fatalf("%d handshakes, want 2", n)
	}
	if times, _ := target.received(); len(times) != 2 {
		t.Fatalf("%d batches arrived, want 2", len(times))
	}
}

func TestThriftStaleConnection(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	srv.kill() // the idle connection dies
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatalf("Transfer after the connection died: %v", err)
	}
	if times, _ := target.received(); !slices.Equal(times, []int64{1, 2}) {
		t.Fatalf("arrived %v", times)
	}
}

func TestThriftOriginTravels(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	b := testBatch(1)
	b.Origin = "far-away"
	if err := s.Transfer(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatal(err)
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if !slices.Equal(target.origins, []string{"far-away", senderCluster}) {
		t.Fatalf("origins %q", target.origins)
	}
}

func TestThriftCancelAndClose(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	target := &fakeTarget{block: block}
	srv := startReceiver(t, target)
	s, err := New(thriftAttrs(PluginThriftSync, srv.addr()), testConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	testCancelAndClose(t, s, func() bool {
		target.mu.Lock()
		defer target.mu.Unlock()
		return target.active == 2 // the first insert is still stuck
	})
}

// testCancelAndClose checks, against a receiver that stalls every
// transfer, that the caller's context ends a transfer, that Close ends one
// in progress (once inProgress reports that the receiver has it) and that
// later transfers return ErrClosed.
func testCancelAndClose(t *testing.T, s pipe.Sink, inProgress func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Transfer(ctx, testBatch(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transfer = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Transfer took %s after its context ended", d)
	}

	done := make(chan error, 1)
	go func() { done <- s.Transfer(context.Background(), testBatch(2)) }()
	waitFor(t, inProgress)
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Transfer succeeded on a closed sink")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the transfer in progress")
	}
	if err := s.Transfer(t.Context(), testBatch(3)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Transfer after Close = %v", err)
	}
}

func TestThriftTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	srv := startReceiver(t, &fakeTarget{block: block})
	cfg := testConfig
	cfg.Timeout = 100 * time.Millisecond
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), cfg)
	err := s.Transfer(t.Context(), testBatch(1))
	if err == nil || errors.Is(err, pipe.ErrFatal) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transfer to a stalled receiver = %v, want a transient timeout", err)
	}
}

func TestThriftAgainstNonPipeServer(t *testing.T) {
	// The client RPC server alone does not serve pipeTransfer.
	_, srv := startClientRPC(t)
	s := newTestSink(t, thriftAttrs(PluginThrift, srv.Addr().String()), testConfig)
	err := s.Transfer(t.Context(), testBatch(1))
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "does not serve pipeTransfer") {
		t.Fatalf("Transfer = %v", err)
	}
}

func TestProbe(t *testing.T) {
	srv := startReceiver(t, &fakeTarget{id: "remote"})
	id, err := Probe(t.Context(), thriftAttrs(PluginThrift, deadAddr(t), srv.addr()), testConfig)
	if err != nil || id != "remote" {
		t.Fatalf("Probe = %q, %v", id, err)
	}
	cfg := testConfig
	cfg.ClusterID = "remote"
	// The receiver refuses handshakes from its own cluster, yet Probe
	// learns the id.
	if id, err := Probe(t.Context(), thriftAttrs(PluginThrift, srv.addr()), cfg); id != "remote" || err != nil {
		t.Fatalf("Probe of own cluster = %q, %v", id, err)
	}
	bad := thriftAttrs(PluginThrift, srv.addr())
	bad["user"] = "nobody"
	if _, err := Probe(t.Context(), bad, testConfig); !errors.Is(err, pipe.ErrFatal) {
		t.Fatalf("Probe with a wrong user = %v, want a fatal refusal", err)
	}
	if _, err := Probe(t.Context(), thriftAttrs(PluginThrift, deadAddr(t)), testConfig); err == nil {
		t.Fatal("Probe of a dead target succeeded")
	}
	if id, err := Probe(t.Context(), map[string]string{"sink": PluginDoNothing}, testConfig); id != "" || err != nil {
		t.Fatalf("Probe(do-nothing) = %q, %v", id, err)
	}
	_, rpc := startClientRPC(t)
	if id, err := Probe(t.Context(), legacyAttrs(rpc.Addr().String()), testConfig); id != "" || err != nil {
		t.Fatalf("Probe(legacy) = %q, %v", id, err)
	}
	bad = legacyAttrs(rpc.Addr().String())
	bad["password"] = "wrong"
	if _, err := Probe(t.Context(), bad, testConfig); !errors.Is(err, pipe.ErrFatal) {
		t.Fatalf("Probe(legacy, wrong password) = %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestThriftTimeoutNotRetried(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	target := &fakeTarget{}
	srv := startReceiver(t, target)
	cfg := testConfig
	cfg.Timeout = time.Second
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), cfg)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	target.set(func(f *fakeTarget) { f.block = block })
	if err := s.Transfer(t.Context(), testBatch(2)); err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("Transfer = %v", err)
	}
	target.mu.Lock()
	calls := target.calls
	target.mu.Unlock()
	if calls != 2 {
		t.Fatalf("the receiver saw %d inserts, want 2: a timed-out transfer was sent again", calls)
	}
}

// A batch over the receiver's limit, which the handshake announced, goes
// as several transfers that each fit it, in order, with every row.
func TestThriftSplitsToReceiverLimit(t *testing.T) {
	target := &fakeTarget{}
	srv := startReceiver(t, target, receiver.WithMaxPayloadBytes(16<<10))
	s := newTestSink(t, thriftAttrs(PluginThriftSync, srv.addr()), testConfig)
	b, want := bigBatch()
	if err := s.Transfer(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if target.calls < 2 || !slices.Equal(target.rows, want) {
		t.Fatalf("%d inserts holding %d rows, want several holding the 2000 rows in order", target.calls, len(target.rows))
	}
	t.Logf("2000 rows of ~110 KB went as %d transfers under a 16 KiB limit", target.calls)
}

// TestThriftSchemaBeforeTablets checks that a batch's series schema is
// applied before its points, alone or with them, compressed or not.
func TestThriftSchemaBeforeTablets(t *testing.T) {
	for _, compressor := range []string{"", "zstd"} {
		t.Run("compressor="+compressor, func(t *testing.T) {
			target := &fakeTarget{}
			srv := startReceiver(t, target)
			attrs := thriftAttrs(PluginThriftSync, srv.addr())
			if compressor != "" {
				attrs["compressor"] = compressor
			}
			s := newTestSink(t, attrs, testConfig)
			b := testBatch(5)
			b.Schema = []model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64, Encoding: model.Plain,
				Compressor: model.LZ4, Tags: map[string]string{"k": "v"}}}
			if err := s.Transfer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			only := &pipe.Batch{Schema: []model.Series{{Path: model.Path{"root", "sg", "d", "t"}, Type: model.Text, Encoding: model.Plain}}}
			if err := s.Transfer(t.Context(), only); err != nil {
				t.Fatal(err)
			}
			target.mu.Lock()
			defer target.mu.Unlock()
			want := []string{"schema root.sg.d.s", "insert 5", "schema root.sg.d.t"}
			if !slices.Equal(target.applied, want) {
				t.Errorf("applied %q, want %q", target.applied, want)
			}
		})
	}
}
