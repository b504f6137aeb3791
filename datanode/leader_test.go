package datanode

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
)

// A request forwarded to a region's leader is abandoned, as a retryable
// failure, once this node's view of the leader moves away from the node it
// was sent to (a new leader, or none while the region elects one); a view
// that only confirms the target, or stays put, leaves it alone.
func TestAttemptFollowsLeaderView(t *testing.T) {
	for _, tc := range []struct {
		name         string
		start, later uint32 // the view at the start, and 100 ms into the attempt
		moved        bool
	}{
		{"new leader", 2, 3, true},
		{"leader lost", 2, 0, true},
		{"leader confirmed", 0, 2, false},
		{"unchanged", 2, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &DataNode{cluster: &clusterLink{leaders: map[uint32]uint32{7: tc.start}}}
			var wg sync.WaitGroup
			defer wg.Wait()
			wg.Go(func() {
				time.Sleep(100 * time.Millisecond)
				d.cluster.mu.Lock()
				d.cluster.leaders[7] = tc.later
				d.cluster.mu.Unlock()
			})
			const answersAfter = time.Second
			start := time.Now()
			err := d.attempt(context.Background(), 7, leaderTarget{node: 2, addr: "127.0.0.1:1"}, func(ctx context.Context, _ leaderTarget) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(answersAfter):
					return nil
				}
			})
			took := time.Since(start)
			switch {
			case tc.moved && (!errors.Is(err, errLeaderMoved) || !retryableRoute(err)):
				t.Errorf("attempt = %v, want a retryable errLeaderMoved", err)
			case tc.moved && took >= answersAfter/2:
				t.Errorf("attempt took %s, want it abandoned within a few watch intervals of the move", took)
			case !tc.moved && err != nil:
				t.Errorf("attempt = %v, want the target's answer", err)
			}
		})
	}
}

// A replica hands its region's lead back to the preferred replica only
// once it has led for longer than the ConfigNode leader takes to show a
// silent node Unknown, plus a heartbeat.
func TestLeaderSettled(t *testing.T) {
	g, err := consensus.Open(consensus.Config{Name: "region-1", ID: "dn1", Dir: t.TempDir(), Timeout: 50 * time.Millisecond},
		nopFSM{}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const beat = 20 * time.Millisecond
	d := &DataNode{cfg: Config{HeartbeatInterval: beat}}
	r := &replica{id: 1, group: g}
	if d.leaderSettled(r) {
		t.Fatal("settled before the replica leads")
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.LeaderSince().IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("the single replica never reported leading")
		}
		time.Sleep(time.Millisecond)
	}
	if since := g.LeaderSince(); d.leaderSettled(r) && time.Since(since) < (confignode.SilentBeats+1)*beat {
		t.Errorf("settled %s after taking the lead, want %s", time.Since(since), (confignode.SilentBeats+1)*beat)
	}
	time.Sleep((confignode.SilentBeats + 1) * beat)
	if !d.leaderSettled(r) {
		t.Errorf("not settled %s after taking the lead", time.Since(g.LeaderSince()))
	}
}

type nopFSM struct{}

func (nopFSM) Apply(*raft.Log) any                 { return nil }
func (nopFSM) Snapshot() (raft.FSMSnapshot, error) { return nil, errors.New("no snapshots") }
func (nopFSM) Restore(io.ReadCloser) error         { return nil }
