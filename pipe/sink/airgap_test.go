package sink

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/airgap"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/status"
)

// startAirGap serves the real receiver for target on an air-gap listener.
func startAirGap(t testing.TB, target *fakeTarget, cfg airgap.Config) *airgap.Server {
	t.Helper()
	if target.id == "" {
		target.id = "target-cluster"
	}
	cfg.Addr = "127.0.0.1:0"
	srv := airgap.New(cfg, receiver.New(target, nil, nil, nil), nil, nil)
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func airGapAttrs(srv *airgap.Server, kv ...string) map[string]string {
	host, port, _ := strings.Cut(srv.Addr().String(), ":")
	attrs := map[string]string{"sink": PluginAirGap, "ip": host, "port": port}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	return attrs
}

// TestAirGapDelivers: batches arrive in order with their origin, framed
// plainly, in E-Language and compressed.
func TestAirGapDelivers(t *testing.T) {
	for _, tc := range []struct {
		name string
		kv   []string
	}{
		{"plain", nil},
		{"e-language", []string{"sink.air-gap.e-language.enable", "true"}},
		{"compressed", []string{"compressor", "snappy,zstd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := &fakeTarget{}
			srv := startAirGap(t, target, airgap.Config{})
			s := newTestSink(t, airGapAttrs(srv, tc.kv...), testConfig)
			for i := 1; i <= 5; i++ {
				b := testBatch(i)
				if i == 3 {
					b.Origin = "far-away"
				}
				if err := s.Transfer(t.Context(), b); err != nil {
					t.Fatalf("Transfer %d: %v", i, err)
				}
			}
			if err := s.Transfer(t.Context(), richBatch()); err != nil {
				t.Fatalf("Transfer of every type: %v", err)
			}
			times, _ := target.received()
			if !slices.Equal(times[:5], []int64{1, 2, 3, 4, 5}) || len(times) != 6 {
				t.Fatalf("arrived %v", times)
			}
			target.mu.Lock()
			origins := slices.Clone(target.origins[:4])
			target.mu.Unlock()
			if !slices.Equal(origins, []string{senderCluster, senderCluster, "far-away", senderCluster}) {
				t.Fatalf("origins %q", origins)
			}
			if target.logins.Load() != 1 {
				t.Errorf("%d logins, want 1 (one connection)", target.logins.Load())
			}
			if n := Connections(s); n != 1 {
				t.Errorf("Connections = %d, want 1", n)
			}
		})
	}
}

func TestAirGapWrongPassword(t *testing.T) {
	target := &fakeTarget{}
	srv := startAirGap(t, target, airgap.Config{})
	s := newTestSink(t, airGapAttrs(srv, "password", "wrong"), testConfig)
	err := s.Transfer(t.Context(), testBatch(1))
	if !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "handshake refused for user root") ||
		!strings.Contains(err.Error(), "password") {
		t.Fatalf("Transfer with a wrong password: %v, want a fatal handshake refusal naming the password", err)
	}
	if times, _ := target.received(); len(times) != 0 {
		t.Fatalf("a refused sender wrote %v", times)
	}
}

func TestAirGapReceiverOff(t *testing.T) {
	host, port, _ := strings.Cut(deadAddr(t), ":")
	s := newTestSink(t, map[string]string{"sink": PluginAirGap, "ip": host, "port": port}, testConfig)
	err := s.Transfer(t.Context(), testBatch(1))
	if err == nil || errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "pipe_air_gap_receiver_enabled") {
		t.Fatalf("Transfer to a closed port: %v, want a transient error naming pipe_air_gap_receiver_enabled", err)
	}
}

// TestAirGapRefusedThenRecovers: a FAIL answer is transient; the next
// transfer, on a new connection, goes through.
func TestAirGapRefusedThenRecovers(t *testing.T) {
	target := &fakeTarget{fail: func() error { return status.Errorf(status.DiskSpaceInsufficient, "disk full") }}
	srv := startAirGap(t, target, airgap.Config{})
	s := newTestSink(t, airGapAttrs(srv), testConfig)
	err := s.Transfer(t.Context(), testBatch(1))
	var refused *airGapRefused
	if !errors.As(err, &refused) || errors.Is(err, pipe.ErrFatal) {
		t.Fatalf("Transfer refused by the target: %v, want a transient refusal", err)
	}
	target.set(func(f *fakeTarget) { f.fail = nil })
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatalf("Transfer after the target recovered: %v", err)
	}
}

// TestAirGapStaleConnection: the receiver closes an idle connection (its
// read timeout); the next transfer reconnects by itself.
func TestAirGapStaleConnection(t *testing.T) {
	target := &fakeTarget{}
	srv := startAirGap(t, target, airgap.Config{ReadTimeout: 100 * time.Millisecond})
	s := newTestSink(t, airGapAttrs(srv), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatalf("Transfer after the receiver closed the idle connection: %v", err)
	}
	if times, _ := target.received(); !slices.Equal(times, []int64{1, 2}) {
		t.Fatalf("arrived %v", times)
	}
}

func TestAirGapCancelAndClose(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	target := &fakeTarget{block: block}
	srv := startAirGap(t, target, airgap.Config{})
	s, err := New(airGapAttrs(srv), testConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	testCancelAndClose(t, s, func() bool { return Connections(s) == 1 })
}

func TestAirGapAttributes(t *testing.T) {
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{"air-gap.e-language.enable", "yes"}, "'air-gap.e-language.enable' = \"yes\": not true or false"},
		{[]string{"air-gap.handshake-timeout-ms", "0"}, "'air-gap.handshake-timeout-ms' = \"0\""},
		{[]string{"sink.air-gap.handshake-timeout-ms", "soon"}, "not a number of milliseconds"},
	} {
		attrs := map[string]string{"sink": PluginAirGap, "ip": "127.0.0.1", "port": "9780"}
		attrs[tc.kv[0]] = tc.kv[1]
		if _, err := New(attrs, testConfig, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.kv, err, tc.want)
		}
	}
	a, err := parseAttributes(map[string]string{"connector": "iotdb-air-gap-connector", "node-urls": "h:1",
		"connector.air-gap.e-language.enable": "TRUE", "air-gap.handshake-timeout-ms": "250"})
	if err != nil {
		t.Fatal(err)
	}
	if a.plugin != PluginAirGap || !a.airGapELanguage || a.airGapHandshakeTimeout != 250*time.Millisecond {
		t.Fatalf("parsed %+v", a)
	}
	if d, _ := parseAttributes(map[string]string{"sink": PluginAirGap, "node-urls": "h:1"}); d.airGapHandshakeTimeout != DefaultAirGapHandshakeTimeout || d.airGapELanguage {
		t.Fatalf("defaults %+v", d)
	}
}

// passwordTarget is a fakeTarget whose root password can change.
type passwordTarget struct {
	*fakeTarget
	mu       sync.Mutex
	password string
}

func (p *passwordTarget) Credential(string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.password, nil
}

func (p *passwordTarget) Login(_ context.Context, user, password string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if user != "root" || password != p.password {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s", user)
	}
	return nil
}

// TestAirGapPasswordChanged: once the receiver's user changes its
// password, the session ends; the sink's new handshake is refused and the
// pipe stops rather than retrying a dead session forever.
func TestAirGapPasswordChanged(t *testing.T) {
	target := &passwordTarget{fakeTarget: &fakeTarget{id: "target-cluster"}, password: "root"}
	srv := airgap.New(airgap.Config{Addr: "127.0.0.1:0"}, receiver.New(target, nil, nil, nil), nil, nil)
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s := newTestSink(t, airGapAttrs(srv), testConfig)
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	target.mu.Lock()
	target.password = "changed"
	target.mu.Unlock()
	if err := s.Transfer(t.Context(), testBatch(2)); err == nil || errors.Is(err, pipe.ErrFatal) {
		t.Fatalf("Transfer on the ended session: %v, want a transient refusal", err)
	}
	if err := s.Transfer(t.Context(), testBatch(3)); !errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "handshake refused") {
		t.Fatalf("Transfer after the password changed: %v, want a fatal handshake refusal", err)
	}
	if times, _ := target.received(); !slices.Equal(times, []int64{1}) {
		t.Fatalf("arrived %v, want only the batch sent before the change", times)
	}
}

// TestAirGapLeavesSchemaOut: the air-gap protocol carries data only; a
// batch's series schema is not applied, its tablets are.
func TestAirGapLeavesSchemaOut(t *testing.T) {
	target := &fakeTarget{}
	srv := startAirGap(t, target, airgap.Config{})
	s := newTestSink(t, airGapAttrs(srv), testConfig)
	schema := []model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64}}
	b := testBatch(4)
	b.Schema = schema
	for _, b := range []*pipe.Batch{b, {Schema: schema}} {
		if err := s.Transfer(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if want := []string{"insert 4"}; !slices.Equal(target.applied, want) {
		t.Errorf("applied %q, want %q", target.applied, want)
	}
}
