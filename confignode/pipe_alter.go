package confignode

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// PipeDefinition is what ALTER PIPE sets: a pipe's three clauses, who
// vouches for them and what they read.
type PipeDefinition struct {
	Source    []ast.Attribute `json:"source"`
	Processor []ast.Attribute `json:"processor"`
	Sink      []ast.Attribute `json:"sink"`
	// Owner becomes the pipe's owner and must hold READ_DATA on
	// ReadScope, as at CREATE PIPE.
	Owner     string     `json:"owner,omitempty"`
	ReadScope model.Path `json:"read_scope,omitempty"`
}

// alterPipeCmd replaces a pipe's definition. Created and Revision name
// the definition the new one was computed from (ALTER ... MODIFY merges
// into it): if the pipe was dropped, re-created or altered since, the
// command is refused rather than silently undoing the other change.
type alterPipeCmd struct {
	Name     string         `json:"name"`
	Created  int64          `json:"created"`
	Revision uint64         `json:"revision"`
	Def      PipeDefinition `json:"def"`
}

// ErrPipeChanged is the business error of an ALTER PIPE whose pipe
// changed after the statement read it.
var ErrPipeChanged = status.Errorf(status.PipeError, "the pipe changed while the statement ran (altered, dropped or re-created by another statement): run ALTER PIPE again")

// AlterPipe commits a new definition for the pipe incarnation (name,
// created) at revision. The pipe keeps its state, creation time and
// committed progress; its tasks restart with the new definition from
// where they were.
func (m *Meta) AlterPipe(ctx context.Context, name string, created int64, revision uint64, def PipeDefinition) error {
	_, err := m.commit(ctx, encode(cmdAlterPipe, alterPipeCmd{Name: name, Created: created, Revision: revision, Def: def}))
	return err
}

func (f *fsm) alterPipe(c alterPipeCmd) any {
	p, err := f.pipe(c.Name)
	if err != nil {
		return err
	}
	if p.CreationTime != c.Created || p.Revision != c.Revision {
		return ErrPipeChanged
	}
	next := p.clone()
	next.Source, next.Processor, next.Sink = c.Def.Source, c.Def.Processor, c.Def.Sink
	next.Owner, next.ReadScope = c.Def.Owner, c.Def.ReadScope
	if err := f.ownerMayRead(&next); err != nil {
		return err
	}
	if next.State == PipeRunning {
		// The error being retried was the old definition's; a stopped
		// pipe keeps the one that stopped it until START.
		next.Exception, next.ExceptionTime = "", 0
	}
	next.Revision++
	f.state.Pipes[c.Name] = &next
	return nil
}
