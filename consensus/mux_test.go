package consensus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/certs"
)

const muxTestTimeout = 200 * time.Millisecond

// startMuxes starts n muxes ("nodes") on loopback ports; they are closed at
// cleanup, after anything registered later.
func startMuxes(t *testing.T, n int, handshake time.Duration) []*Mux {
	t.Helper()
	return startMuxesWith(t, n, handshake, nil)
}

// startMuxesWith is startMuxes with every mux securing its connections
// with src.
func startMuxesWith(t *testing.T, n int, handshake time.Duration, src *certs.Source) []*Mux {
	t.Helper()
	muxes := make([]*Mux, n)
	for i := range muxes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		m := newMux(ln, "", src, slog.New(slog.DiscardHandler), handshake)
		t.Cleanup(func() { m.Close() })
		muxes[i] = m
	}
	return muxes
}

// replicas is one Raft group with a replica on every mux.
type replicas struct {
	name   string
	groups []*Group
	fsms   []*listFSM
}

// openReplicas bootstraps group name across muxes and waits for a leader.
func openReplicas(t *testing.T, muxes []*Mux, name string) *replicas {
	t.Helper()
	peers := make([]raft.Server, len(muxes))
	for i, m := range muxes {
		peers[i] = raft.Server{Suffrage: raft.Voter, ID: replicaID(i), Address: raft.ServerAddress(m.Addr().String())}
	}
	rs := &replicas{name: name}
	for i, m := range muxes {
		tr, err := m.Transport(name, muxTestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		fsm := &listFSM{}
		g, err := Open(Config{Name: name, ID: string(replicaID(i)), Dir: t.TempDir(), Transport: tr, Peers: peers, Timeout: muxTestTimeout},
			fsm, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			closeTransport(t, tr)
			t.Fatalf("open %s on node %d: %v", name, i, err)
		}
		t.Cleanup(func() { g.Close() })
		rs.groups = append(rs.groups, g)
		rs.fsms = append(rs.fsms, fsm)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, g := range rs.groups {
		if err := g.WaitLeader(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return rs
}

func replicaID(i int) raft.ServerID { return raft.ServerID(fmt.Sprintf("n%d", i+1)) }

func closeTransport(t *testing.T, tr raft.Transport) {
	t.Helper()
	if err := tr.(raft.WithClose).Close(); err != nil {
		t.Fatal(err)
	}
}

// apply replicates cmd through whichever replica leads, retrying across
// leader changes.
func (rs *replicas) apply(t *testing.T, cmd string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		for _, g := range rs.groups {
			if !g.IsLeader() {
				continue
			}
			_, err := g.Apply(ctx, []byte(cmd))
			if err == nil {
				return
			}
			if !errors.Is(err, ErrNotLeader) {
				t.Fatalf("apply %q to %s: %v", cmd, rs.name, err)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("apply %q to %s: no leader accepted it", cmd, rs.name)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitState waits until every replica's state machine holds exactly want.
func (rs *replicas) waitState(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		done := true
		for _, f := range rs.fsms {
			if !slices.Equal(f.snapshot(), want) {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			for i, f := range rs.fsms {
				t.Logf("%s replica %d: %q", rs.name, i, f.snapshot())
			}
			t.Fatalf("%s: replicas did not converge on %q", rs.name, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (rs *replicas) close(t *testing.T) {
	t.Helper()
	for _, g := range rs.groups {
		if err := g.Close(); err != nil {
			t.Fatalf("close %s: %v", rs.name, err)
		}
	}
}

// requireClosedByPeer fails unless the far end closes c within d.
func requireClosedByPeer(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection from %s still open after %v (read err %v)", c.LocalAddr(), d, err)
	}
}

// requireOpen fails if the far end has closed c.
func requireOpen(t *testing.T, c net.Conn) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("connection from %s closed early: %v", c.LocalAddr(), err)
	}
}

func dial(t *testing.T, m *Mux) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", m.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestMuxGroupsReplicateIndependently(t *testing.T) {
	muxes := startMuxes(t, 3, handshakeTimeout)
	r1 := openReplicas(t, muxes, "region-1")
	r2 := openReplicas(t, muxes, "region-2")

	r1.apply(t, "a1")
	r2.apply(t, "b1")
	r1.apply(t, "a2")
	r1.waitState(t, "a1", "a2")
	r2.waitState(t, "b1")
}

func TestMuxClosingOneGroupLeavesOthers(t *testing.T) {
	muxes := startMuxes(t, 3, handshakeTimeout)
	r1 := openReplicas(t, muxes, "region-1")
	r2 := openReplicas(t, muxes, "region-2")
	r1.apply(t, "a1")
	r2.apply(t, "b1")

	r1.close(t)
	r2.apply(t, "b2")
	r2.waitState(t, "b1", "b2")

	// Closing the replicas closed their transports, which freed the name.
	for _, m := range muxes {
		tr, err := m.Transport("region-1", muxTestTimeout)
		if err != nil {
			t.Fatalf("transport for closed group: %v", err)
		}
		closeTransport(t, tr)
	}
}

func TestMuxDropsBadConnections(t *testing.T) {
	muxes := startMuxes(t, 3, 200*time.Millisecond)
	rs := openReplicas(t, muxes, "region-1")
	rs.apply(t, "a1")

	tests := []struct {
		name string
		send string
	}{
		{"http request", "GET / HTTP/1.1\r\nHost: sluice\r\n\r\n"},
		{"future version", muxMagic + "\x02\x08region-1"},
		{"empty group name", muxMagic + "\x01\x00"},
		{"unknown group", muxMagic + "\x01\x09region-99"},
		{"truncated name", muxMagic + "\x01\x08region"},
		{"silent", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, muxes[0])
			if _, err := c.Write([]byte(tt.send)); err != nil {
				t.Fatal(err)
			}
			requireClosedByPeer(t, c, 5*time.Second)
		})
	}

	rs.apply(t, "a2")
	rs.waitState(t, "a1", "a2")
}

func TestMuxCloseReleasesEverything(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	// Clients that never send a header hold a handshake for a minute; the
	// groups must not wait for them.
	muxes := startMuxes(t, 3, time.Minute)
	silent := make([]net.Conn, len(muxes))
	for i, m := range muxes {
		silent[i] = dial(t, m)
	}
	rs := openReplicas(t, muxes, "region-1")
	rs.apply(t, "a1")
	rs.waitState(t, "a1")
	for _, c := range silent {
		requireOpen(t, c)
	}

	// Close the muxes under the live group: Close must not wait for it.
	for _, m := range muxes {
		closed := make(chan error, 1)
		go func() { closed <- m.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Mux.Close did not return")
		}
		if err := m.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := m.Transport("region-2", muxTestTimeout); !errors.Is(err, ErrMuxClosed) {
			t.Fatalf("Transport after Close = %v, want ErrMuxClosed", err)
		}
	}
	for _, c := range silent {
		requireClosedByPeer(t, c, time.Second)
	}
	rs.close(t)
	for _, c := range silent {
		c.Close()
	}
}

func TestMuxTransportRegistration(t *testing.T) {
	m := startMuxes(t, 1, handshakeTimeout)[0]
	for _, name := range []string{"", strings.Repeat("r", maxGroupName+1)} {
		if _, err := m.Transport(name, muxTestTimeout); err == nil {
			t.Fatalf("Transport(%d-byte name) succeeded", len(name))
		}
	}
	tr, err := m.Transport("region-1", muxTestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.LocalAddr(), raft.ServerAddress(m.Addr().String()); got != want {
		t.Fatalf("LocalAddr = %s, want the mux address %s", got, want)
	}
	if _, err := m.Transport("region-1", muxTestTimeout); !errors.Is(err, ErrGroupExists) {
		t.Fatalf("second Transport for a live group = %v, want ErrGroupExists", err)
	}
	closeTransport(t, tr)
	tr, err = m.Transport("region-1", muxTestTimeout)
	if err != nil {
		t.Fatalf("Transport after the first was closed: %v", err)
	}
	closeTransport(t, tr)
}

// TestMuxAdvertisesDialableAddress runs a group over muxes bound to the
// wildcard: each advertises 127.0.0.1 on its port, which is what the
// followers learn as the leader's address, and the group replicates.
func TestMuxAdvertisesDialableAddress(t *testing.T) {
	muxes := make([]*Mux, 3)
	for i := range muxes {
		ln, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		m := NewMux(ln, "127.0.0.1", nil, slog.New(slog.DiscardHandler))
		t.Cleanup(func() { m.Close() })
		want := fmt.Sprintf("127.0.0.1:%d", ln.Addr().(*net.TCPAddr).Port)
		if got := m.Addr().String(); got != want {
			t.Fatalf("Addr = %s, want %s", got, want)
		}
		muxes[i] = m
	}
	rs := openReplicas(t, muxes, "region-1")
	rs.apply(t, "a")
	for i, g := range rs.groups {
		addr, _ := g.Leader()
		host, _, err := net.SplitHostPort(string(addr))
		if err != nil || host != "127.0.0.1" {
			t.Errorf("replica %d sees the leader at %q, want 127.0.0.1:port", i, addr)
		}
	}
}

// testCerts makes a CA and a node certificate for 127.0.0.1 and loads them.
func testCerts(t *testing.T) *certs.Source {
	t.Helper()
	dir := t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1", "localhost"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	src, err := certs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestMuxMutualTLS: with certificates a group replicates over TLS, while a
// forged plain-text AppendEntries and a node of another cluster are turned
// away before any Raft byte is read.
func TestMuxMutualTLS(t *testing.T) {
	muxes := startMuxesWith(t, 3, 2*time.Second, testCerts(t))
	rs := openReplicas(t, muxes, "region-1")
	rs.apply(t, "a1")

	// The header and a body an attacker would send in the clear.
	c := dial(t, muxes[0])
	if _, err := c.Write([]byte(muxMagic + "\x01\x08region-1" + strings.Repeat("\x00", 64))); err != nil {
		t.Fatal(err)
	}
	requireClosedByPeer(t, c, 5*time.Second)

	// A node with certificates of another CA is refused by the mux, even
	// one that does not check the mux's certificate itself.
	stranger := testCerts(t).ClientConfig("127.0.0.1")
	stranger.VerifyConnection = nil
	raw, err := net.Dial("tcp", muxes[0].Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(raw, stranger)
	defer tc.Close()
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err == nil {
		// TLS 1.3 clients finish first: the refusal comes with the first read.
		_, _ = tc.Write([]byte(muxMagic + "\x01\x08region-1"))
		if _, err := tc.Read(make([]byte, 1)); err == nil {
			t.Fatal("the mux answered a node of another cluster")
		}
	}

	rs.apply(t, "a2")
	rs.waitState(t, "a1", "a2")
}
