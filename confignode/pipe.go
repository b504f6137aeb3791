package confignode

import (
	"strings"
	"time"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Pipe states, as SHOW PIPES prints them.
const (
	PipeRunning = "RUNNING"
	PipeStopped = "STOPPED"
)

// Pipe is a pipe's metadata: its definition as written, its state, and the
// committed progress of each of its region tasks.
type Pipe struct {
	Name         string          `json:"name"`
	CreationTime int64           `json:"creation_time"` // ms since the epoch
	Source       []ast.Attribute `json:"source"`
	Processor    []ast.Attribute `json:"processor"`
	Sink         []ast.Attribute `json:"sink"`
	State        string          `json:"state"`
	// Exception is the latest error: while RUNNING a transient one being
	// retried, when STOPPED the one that stopped the pipe.
	Exception     string `json:"exception,omitempty"`
	ExceptionTime int64  `json:"exception_time,omitempty"`
	// Progress is each region task's commit frontier.
	Progress map[uint32]Progress `json:"progress,omitempty"`
	// FirstNewRegion is the first region id allocated after the pipe was
	// created: such regions hold only realtime data, so their tasks tail
	// their log from its first entry instead of sending a snapshot.
	FirstNewRegion uint32 `json:"first_new_region"`
	// Owner is the user who created the pipe, and ReadScope the path
	// pattern covering what its source selects (plugin.Source.ReadScope).
	// The pipe runs only while Owner holds READ_DATA on ReadScope: it is
	// refused at creation and start otherwise, and stopped when a REVOKE
	// or DROP USER takes that away. Pipes created before owners were
	// recorded have none and are not checked.
	Owner     string     `json:"owner,omitempty"`
	ReadScope model.Path `json:"read_scope,omitempty"`
	// Revision counts the ALTER PIPEs that changed the definition: a
	// task runs one revision, and a new one replaces it.
	Revision uint64 `json:"revision,omitempty"`
}

// Progress is a region task's committed position: once HistoryDone, every
// write of the region up to Index has been acknowledged by the sink.
type Progress struct {
	HistoryDone bool   `json:"history_done"`
	Index       uint64 `json:"index"`
}

func (p *Pipe) clone() Pipe {
	c := *p
	c.Progress = make(map[uint32]Progress, len(p.Progress))
	for k, v := range p.Progress {
		c.Progress[k] = v
	}
	return c
}

type pipeNameCmd struct {
	Name string `json:"name"`
}

type pipeExceptionCmd struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Time    int64  `json:"time"`
	Stop    bool   `json:"stop"`
	// Created and Revision, when Created is set, name the definition of
	// the pipe the report is about: a report about one since altered,
	// dropped or re-created changes nothing.
	Created  int64  `json:"created,omitempty"`
	Revision uint64 `json:"revision,omitempty"`
}

type pipeProgressCmd struct {
	Name     string              `json:"name"`
	Created  int64               `json:"created"`
	Progress map[uint32]Progress `json:"progress"`
}

type clusterIDCmd struct {
	ID string `json:"id"`
}

func (f *fsm) createPipe(p Pipe) any {
	if _, ok := f.state.Pipes[p.Name]; ok {
		return status.Errorf(status.PipeError, "pipe %s already exists", p.Name)
	}
	if err := f.ownerMayRead(&p); err != nil {
		return err
	}
	p.State = PipeRunning
	p.Progress = map[uint32]Progress{}
	p.FirstNewRegion = f.state.NextRegionID
	f.state.Pipes[p.Name] = &p
	return nil
}

func (f *fsm) pipe(name string) (*Pipe, error) {
	p := f.state.Pipes[name]
	if p == nil {
		return nil, status.Errorf(status.PipeError, "pipe %s does not exist", name)
	}
	return p, nil
}

func (f *fsm) setPipeState(name, state string) any {
	p, err := f.pipe(name)
	if err != nil {
		return err
	}
	if state == PipeRunning {
		if err := f.ownerMayRead(p); err != nil {
			return err
		}
	}
	p.State = state
	if state == PipeRunning {
		p.Exception, p.ExceptionTime = "", 0
	}
	return nil
}

func (f *fsm) dropPipe(name string) any {
	if _, err := f.pipe(name); err != nil {
		return err
	}
	delete(f.state.Pipes, name)
	delete(f.progressAt, name)
	return nil
}

// RetryingPrefix starts the ExceptionMessage of a RUNNING pipe whose
// transfers are being retried.
const RetryingPrefix = "retrying: "

func (f *fsm) pipeException(c pipeExceptionCmd) any {
	p, err := f.pipe(c.Name)
	if err != nil {
		return err
	}
	if c.Created != 0 && (c.Created != p.CreationTime || c.Revision != p.Revision) {
		return nil // about an earlier definition of the pipe
	}
	if !c.Stop && p.State != PipeRunning && (c.Message == "" || strings.HasPrefix(c.Message, RetryingPrefix)) {
		// A stopped pipe keeps the reason it stopped: a retried error, or
		// its clearing, from a task that has not stopped yet replaces
		// nothing.
		return nil
	}
	p.Exception, p.ExceptionTime = c.Message, c.Time
	if c.Stop {
		p.State = PipeStopped
	}
	return nil
}

// commitProgress only moves progress forward: a late commit from a task
// that has since been restarted elsewhere never takes it back.
func (f *fsm) commitProgress(c pipeProgressCmd) any {
	p := f.state.Pipes[c.Name]
	if p == nil || p.CreationTime != c.Created {
		return nil // dropped meanwhile, perhaps created again
	}
	f.progressAt[c.Name] = time.Now()
	for region, np := range c.Progress {
		op := p.Progress[region]
		if np.HistoryDone && (!op.HistoryDone || np.Index > op.Index) {
			p.Progress[region] = np
		}
	}
	return nil
}

// ownerMayRead refuses a pipe whose owner may not read everything its
// source selects.
func (f *fsm) ownerMayRead(p *Pipe) error {
	if p.Owner == "" || f.state.Auth.AllowedPattern(p.Owner, auth.ReadData, p.ReadScope) {
		return nil
	}
	return status.Errorf(status.NoPermission, "pipe %s: its owner %s needs privilege READ_DATA on %s, which its source selects",
		p.Name, p.Owner, p.ReadScope)
}

// stopPipesOf stops the running pipes of owner that it may no longer read,
// after a REVOKE or DROP USER: a pipe ships nothing its owner could not
// SELECT.
func (f *fsm) stopPipesOf(owner string, at int64) {
	for _, p := range f.state.Pipes {
		if p.Owner != owner || p.State != PipeRunning {
			continue
		}
		if err := f.ownerMayRead(p); err != nil {
			p.State = PipeStopped
			p.Exception, p.ExceptionTime = "stopped: "+err.Error(), at
		}
	}
}
