package confignode

import (
	"context"
	"testing"

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
	if err := c.CreatePipe(ctx, "p", nil, nil, sink); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePipe(ctx, "p", nil, nil, sink); status.CodeOf(err) != status.PipeError {
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
