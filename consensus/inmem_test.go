package consensus

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// inmemGroups is a group of replicas linked by in-memory transports, whose
// links a test can cut and restore.
type inmemGroups struct {
	t          *testing.T
	ids        []string
	transports []*raft.InmemTransport
	groups     []*Group
	cfgs       []Config // each replica's, for restart
}

// openInmemGroups starts one replica per fsm, every link up, with timeout
// as the heartbeat and election timeout.
func openInmemGroups(t *testing.T, name string, timeout time.Duration, fsms []raft.FSM, tune func(*Config)) *inmemGroups {
	t.Helper()
	c := &inmemGroups{t: t}
	var peers []raft.Server
	for i := range fsms {
		id := string(rune('a' + i))
		_, tr := raft.NewInmemTransport(raft.ServerAddress(id))
		c.ids, c.transports = append(c.ids, id), append(c.transports, tr)
		peers = append(peers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(id), Address: raft.ServerAddress(id)})
	}
	for i := range fsms {
		c.link(i, true)
	}
	for i, fsm := range fsms {
		cfg := Config{Name: name, ID: c.ids[i], Dir: t.TempDir(), Transport: c.transports[i], Peers: peers, Timeout: timeout}
		if tune != nil {
			tune(&cfg)
		}
		c.cfgs = append(c.cfgs, cfg)
		c.groups = append(c.groups, c.open(cfg, fsm))
	}
	return c
}

func (c *inmemGroups) open(cfg Config, fsm raft.FSM) *Group {
	c.t.Helper()
	g, err := Open(cfg, fsm, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { g.Close() })
	return g
}

// restart closes replica i and opens it again from its directory with
// fsm, linked to every other replica.
func (c *inmemGroups) restart(i int, fsm raft.FSM) {
	c.t.Helper()
	if err := c.groups[i].Close(); err != nil {
		c.t.Fatal(err)
	}
	// Raft's shutdown closed the transport.
	_, tr := raft.NewInmemTransport(raft.ServerAddress(c.ids[i]))
	c.transports[i], c.cfgs[i].Transport = tr, tr
	c.link(i, true)
	c.groups[i] = c.open(c.cfgs[i], fsm)
}

// link connects (up) or cuts replica i from every other replica, both ways.
func (c *inmemGroups) link(i int, up bool) {
	for j := range c.transports {
		if j == i {
			continue
		}
		if up {
			c.transports[i].Connect(raft.ServerAddress(c.ids[j]), c.transports[j])
			c.transports[j].Connect(raft.ServerAddress(c.ids[i]), c.transports[i])
		} else {
			c.transports[i].Disconnect(raft.ServerAddress(c.ids[j]))
			c.transports[j].Disconnect(raft.ServerAddress(c.ids[i]))
		}
	}
}

// leader waits for a replica other than the excluded ones to lead, and
// returns it.
func (c *inmemGroups) leader(exclude ...int) int {
	c.t.Helper()
	for range 1000 {
		for i, g := range c.groups {
			if g.IsLeader() && !slices.Contains(exclude, i) {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader")
	return -1
}

// apply commits cmd through the leader, retrying on another leader when
// leadership moves under it, as it may on a loaded machine.
func (c *inmemGroups) apply(cmd string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, err := c.groups[c.leader()].Apply(ctx, []byte(cmd))
		if err == nil {
			return
		}
		if !errors.Is(err, ErrNotLeader) || ctx.Err() != nil {
			c.t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
