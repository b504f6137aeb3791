package confignode

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// TestAlterPipe: ALTER keeps state, creation time and progress, bumps the
// revision, survives a restart, and refuses a definition computed from a
// pipe that changed since.
func TestAlterPipe(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := startNode(t, dir)
	all := model.Path{"root", model.MultiLevel}
	sinkB := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	if err := c.CreatePipe(ctx, "p", "root", all, nil, nil, sinkB); err != nil {
		t.Fatal(err)
	}
	if err := c.CommitPipeProgress(ctx, "p", pipeNamed(t, c, "p").CreationTime, map[uint32]Progress{1: {HistoryDone: true, Index: 42}}); err != nil {
		t.Fatal(err)
	}
	if err := c.ReportPipeException(ctx, "p", "retrying: dial refused", false); err != nil {
		t.Fatal(err)
	}
	before := pipeNamed(t, c, "p")
	def := PipeDefinition{
		Source:    []ast.Attribute{{Key: "source.pattern", Value: "root.a"}},
		Processor: []ast.Attribute{{Key: "processor", Value: "do-nothing-processor"}},
		Sink:      []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}, {Key: "sink.x", Value: "1"}},
		Owner:     "root", ReadScope: model.Path{"root", "a", model.MultiLevel},
	}
	if err := c.AlterPipe(ctx, "p", before.CreationTime, 0, def); err != nil {
		t.Fatal(err)
	}
	check := func(p Pipe) {
		t.Helper()
		if p.Revision != 1 || p.State != PipeRunning || p.CreationTime != before.CreationTime || p.Progress[1].Index != 42 ||
			p.Exception != "" || !reflect.DeepEqual(p.Sink, def.Sink) || !reflect.DeepEqual(p.Source, def.Source) ||
			!reflect.DeepEqual(p.Processor, def.Processor) || p.ReadScope.String() != "root.a.**" {
			t.Fatalf("after ALTER: %+v", p)
		}
	}
	check(pipeNamed(t, c, "p"))

	// A definition computed from revision 0 would undo the ALTER above.
	if err := c.AlterPipe(ctx, "p", before.CreationTime, 0, PipeDefinition{Sink: sinkB, Owner: "root", ReadScope: all}); status.CodeOf(err) != status.PipeError ||
		!strings.Contains(err.Error(), "changed while the statement ran") {
		t.Fatalf("stale ALTER: %v", err)
	}
	if err := c.AlterPipe(ctx, "p", before.CreationTime-1, 1, def); status.CodeOf(err) != status.PipeError {
		t.Fatalf("ALTER of another incarnation: %v", err)
	}
	if err := c.AlterPipe(ctx, "nosuch", 1, 0, def); status.CodeOf(err) != status.PipeError || !strings.Contains(err.Error(), "pipe nosuch does not exist") {
		t.Fatalf("ALTER of a missing pipe: %v", err)
	}
	check(pipeNamed(t, c, "p"))

	// A stopped pipe stays stopped and keeps the exception that stopped it.
	if err := c.ReportPipeException(ctx, "p", "authentication failed", true); err != nil {
		t.Fatal(err)
	}
	if err := c.AlterPipe(ctx, "p", before.CreationTime, 1, def); err != nil {
		t.Fatal(err)
	}
	if p := pipeNamed(t, c, "p"); p.State != PipeStopped || p.Exception != "authentication failed" || p.Revision != 2 {
		t.Fatalf("stopped pipe after ALTER: %+v", p)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = startNode(t, dir)
	if p := pipeNamed(t, c, "p"); p.Revision != 2 || !reflect.DeepEqual(p.Sink, def.Sink) {
		t.Fatalf("after restart: %+v", p)
	}
}

// TestAlterPipeOwnerNeedsReadData: the new owner must be able to read
// what the altered source selects.
func TestAlterPipeOwnerNeedsReadData(t *testing.T) {
	ctx := context.Background()
	c := startNode(t, t.TempDir())
	if err := c.CreateUser(ctx, "alice", "alice-pw"); err != nil {
		t.Fatal(err)
	}
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	if err := c.CreatePipe(ctx, "p", "root", model.Path{"root", model.MultiLevel}, nil, nil, sink); err != nil {
		t.Fatal(err)
	}
	p := pipeNamed(t, c, "p")
	err := c.AlterPipe(ctx, "p", p.CreationTime, 0, PipeDefinition{Sink: sink, Owner: "alice", ReadScope: model.Path{"root", "secret", model.MultiLevel}})
	if status.CodeOf(err) != status.NoPermission {
		t.Fatalf("ALTER by a user who cannot read the source: %v", err)
	}
	if p := pipeNamed(t, c, "p"); p.Owner != "root" || p.Revision != 0 {
		t.Fatalf("refused ALTER changed the pipe: %+v", p)
	}
}

// TestFailPipeOfAnEarlierDefinition: a task of the definition an ALTER
// replaced, failing after it, does not stop the altered pipe; a failure of
// the current definition does.
func TestFailPipeOfAnEarlierDefinition(t *testing.T) {
	ctx := context.Background()
	c := startNode(t, t.TempDir())
	all := model.Path{"root", model.MultiLevel}
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	if err := c.CreatePipe(ctx, "p", "root", all, nil, nil, sink); err != nil {
		t.Fatal(err)
	}
	created := pipeNamed(t, c, "p").CreationTime
	if err := c.AlterPipe(ctx, "p", created, 0, PipeDefinition{Sink: sink, Owner: "root", ReadScope: all,
		Source: []ast.Attribute{{Key: "source.pattern", Value: "root.a"}}}); err != nil {
		t.Fatal(err)
	}
	for _, stale := range []struct {
		created  int64
		revision uint64
	}{{created, 0}, {created - 1, 1}} {
		if err := c.FailPipe(ctx, "p", stale.created, stale.revision, "authentication failed"); err != nil {
			t.Fatal(err)
		}
		if p := pipeNamed(t, c, "p"); p.State != PipeRunning || p.Exception != "" {
			t.Fatalf("after a failure of definition %+v: %+v", stale, p)
		}
	}
	if err := c.FailPipe(ctx, "p", created, 1, "authentication failed"); err != nil {
		t.Fatal(err)
	}
	if p := pipeNamed(t, c, "p"); p.State != PipeStopped || p.Exception != "authentication failed" {
		t.Fatalf("after a failure of the current definition: %+v", p)
	}
}
