package consensus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// VerifyLeader holds on the leader, fails on followers, and fails on a
// leader cut off from its group once the others have elected another.
func TestVerifyLeader(t *testing.T) {
	const timeout = 100 * time.Millisecond
	c := openInmemGroups(t, "lease", timeout, []raft.FSM{&listFSM{}, &listFSM{}, &listFSM{}}, nil)
	c.apply("x")
	verify := func(i int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.groups[i].VerifyLeader(ctx)
	}
	old := c.leader()
	if err := verify(old); err != nil {
		t.Fatalf("leader: VerifyLeader = %v", err)
	}
	if err := verify((old + 1) % 3); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower: VerifyLeader = %v, want ErrNotLeader", err)
	}

	c.link(old, false)
	c.leader(old) // the other two elect a leader
	if err := verify(old); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("deposed leader: VerifyLeader = %v, want ErrNotLeader", err)
	}
}

// A lease lasts half the timeout, whatever the process did meanwhile: once
// it has run out, the lead is asked of the quorum again.
func TestVerifyLeaderLeaseExpires(t *testing.T) {
	const timeout = time.Second
	c := openInmemGroups(t, "lease", timeout, []raft.FSM{&listFSM{}, &listFSM{}, &listFSM{}}, nil)
	c.apply("x")
	l := c.leader()
	ctx := context.Background()
	if err := c.groups[l].VerifyLeader(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.groups[l].leaseValid() {
		t.Fatal("no lease right after a verification")
	}
	time.Sleep(timeout/2 + 10*time.Millisecond)
	if c.groups[l].leaseValid() {
		t.Fatal("lease still valid after half the timeout")
	}
}
