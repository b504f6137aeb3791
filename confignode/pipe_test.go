package confignode

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestPipeLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := startNode(t, dir)
	if c.ClusterID() == "" {
		t.Fatal("no cluster id after start")
	}
	id := c.ClusterID()
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	if err := c.CreatePipe(ctx, "p", "root", model.Path{"root", model.MultiLevel}, nil, nil, sink); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePipe(ctx, "p", "root", model.Path{"root", model.MultiLevel}, nil, nil, sink); status.CodeOf(err) != status.PipeError {
		t.Fatalf("duplicate pipe: %v", err)
	}
	p := c.Pipes()[0]
	if p.State != PipeRunning || p.FirstNewRegion != 1 {
		t.Fatalf("new pipe = %+v", p)
	}
	prog := func(done bool, idx uint64) map[uint32]Progress {
		return map[uint32]Progress{1: {HistoryDone: done, Index: idx}}
	}
	for _, step := range []struct {
		progress map[uint32]Progress
		created  int64
		want     uint64
	}{
		{prog(true, 10), p.CreationTime, 10},
		{prog(true, 7), p.CreationTime, 10},      // never backwards
		{prog(false, 50), p.CreationTime, 10},    // history not done: no position yet
		{prog(true, 99), p.CreationTime - 1, 10}, // another incarnation's progress
		{prog(true, 12), p.CreationTime, 12},
	} {
		if err := c.CommitPipeProgress(ctx, "p", step.created, step.progress); err != nil {
			t.Fatal(err)
		}
		if got := c.Pipes()[0].Progress[1].Index; got != step.want {
			t.Fatalf("after committing %+v: index %d, want %d", step.progress, got, step.want)
		}
	}
	if err := c.ReportPipeException(ctx, "p", "retrying: dial refused", false); err != nil {
		t.Fatal(err)
	}
	if p := c.Pipes()[0]; p.State != PipeRunning || p.Exception != "retrying: dial refused" {
		t.Fatalf("transient exception: %+v", p)
	}
	if err := c.ReportPipeException(ctx, "p", "authentication failed", true); err != nil {
		t.Fatal(err)
	}
	if p := c.Pipes()[0]; p.State != PipeStopped || p.Exception != "authentication failed" {
		t.Fatalf("fatal exception: %+v", p)
	}
	// A task that has not stopped yet reports a retried error, then its
	// clearing: the stopped pipe keeps the reason it stopped. A notice
	// still replaces it.
	for _, msg := range []string{"retrying: dial refused", ""} {
		if err := c.ReportPipeException(ctx, "p", msg, false); err != nil {
			t.Fatal(err)
		}
		if p := c.Pipes()[0]; p.State != PipeStopped || p.Exception != "authentication failed" {
			t.Fatalf("after a late transient report %q: %+v", msg, p)
		}
	}
	if err := c.ReportPipeException(ctx, "p", "authentication failed (the log pin was released)", false); err != nil {
		t.Fatal(err)
	}
	if p := c.Pipes()[0]; p.Exception != "authentication failed (the log pin was released)" {
		t.Fatalf("notice on a stopped pipe: %+v", p)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c = startNode(t, dir)
	defer c.Close()
	if c.ClusterID() != id {
		t.Fatalf("cluster id changed across restart: %s -> %s", id, c.ClusterID())
	}
	if p := c.Pipes()[0]; p.State != PipeStopped || p.Progress[1].Index != 12 {
		t.Fatalf("pipe after restart: %+v", p)
	}
	if err := c.StartPipe(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if p := c.Pipes()[0]; p.State != PipeRunning || p.Exception != "" {
		t.Fatalf("started pipe: %+v", p)
	}
	if err := c.DropPipe(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if len(c.Pipes()) != 0 {
		t.Fatal("dropped pipe still listed")
	}
	for _, err := range []error{c.StartPipe(ctx, "p"), c.StopPipe(ctx, "p"), c.DropPipe(ctx, "p")} {
		if status.CodeOf(err) != status.PipeError {
			t.Fatalf("statement on a missing pipe: %v", err)
		}
	}
}

// TestPipeOwnerNeedsReadData: a pipe runs only while its owner may read
// what it selects.
func TestPipeOwnerNeedsReadData(t *testing.T) {
	ctx := context.Background()
	c := startNode(t, t.TempDir())
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	secret := model.Path{"root", "secret", model.MultiLevel}
	if err := c.CreateUser(ctx, "alice", "alice-pw"); err != nil {
		t.Fatal(err)
	}
	if err := c.Grant(ctx, "alice", []string{"USE_PIPE"}, []model.Path{{"root", model.MultiLevel}}, false); err != nil {
		t.Fatal(err)
	}
	err := c.CreatePipe(ctx, "leak", "alice", secret, nil, nil, sink)
	if status.CodeOf(err) != status.NoPermission || !strings.Contains(err.Error(), "READ_DATA on root.secret.**") {
		t.Fatalf("pipe over data its owner cannot read: %v", err)
	}
	if err := c.Grant(ctx, "alice", []string{"READ_DATA"}, []model.Path{secret}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePipe(ctx, "p", "alice", secret, nil, nil, sink); err != nil {
		t.Fatal(err)
	}
	other := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}, {Key: "sink.x", Value: "1"}}
	if err := c.CreatePipe(ctx, "q", "alice", secret, nil, nil, other); err != nil {
		t.Fatal(err)
	}
	if err := c.StopPipe(ctx, "q"); err != nil {
		t.Fatal(err)
	}

	// REVOKE stops the running pipe with a reason, and the stopped one
	// cannot start again.
	if err := c.Revoke(ctx, "alice", []string{"READ_DATA"}, []model.Path{secret}); err != nil {
		t.Fatal(err)
	}
	p := pipeNamed(t, c, "p")
	if p.State != PipeStopped || !strings.Contains(p.Exception, "alice needs privilege READ_DATA on root.secret.**") || p.ExceptionTime == 0 {
		t.Fatalf("after REVOKE: %+v", p)
	}
	if err := c.StartPipe(ctx, "q"); status.CodeOf(err) != status.NoPermission {
		t.Fatalf("START PIPE after REVOKE: %v", err)
	}
	if err := c.Grant(ctx, "alice", []string{"READ_DATA"}, []model.Path{secret}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.StartPipe(ctx, "p"); err != nil {
		t.Fatalf("START PIPE once the privilege is back: %v", err)
	}

	// DROP USER stops what the user owned.
	if err := c.DropUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if p := pipeNamed(t, c, "p"); p.State != PipeStopped {
		t.Fatalf("after DROP USER: %+v", p)
	}
}

func pipeNamed(t *testing.T, c *ConfigNode, name string) Pipe {
	t.Helper()
	for _, p := range c.Pipes() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no pipe %s", name)
	return Pipe{}
}
