package datanode

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/task"
	"github.com/sluicedb/sluice/storage"
)

// pipeRegion is a hosted region as pipe tasks read it: snapshots through
// storage views, realtime entries from the region's Raft log.
type pipeRegion struct{ r *replica }

var _ task.Region = pipeRegion{}

func (p pipeRegion) ID() uint32 { return p.r.id }

func (p pipeRegion) AppliedIndex() uint64 { return p.r.fsm.AppliedIndex() }

func (p pipeRegion) WaitApplied(ctx context.Context, index uint64) error {
	return p.r.fsm.WaitApplied(ctx, index)
}

// VerifyLeader confirms the lead through the region group's lease.
func (p pipeRegion) VerifyLeader(ctx context.Context) error {
	err := p.r.group.VerifyLeader(ctx)
	if errors.Is(err, consensus.ErrNotLeader) || errors.Is(err, consensus.ErrClosed) {
		return fmt.Errorf("region %d: %w: %w", p.r.id, task.ErrDeposed, err)
	}
	return err
}

func (p pipeRegion) Pin(owner string, index uint64) { p.r.group.Logs().Pin(owner, index) }

func (p pipeRegion) Unpin(owner string) { p.r.group.Logs().Unpin(owner) }

func (p pipeRegion) Snapshot() (task.Snapshot, error) {
	v := p.r.fsm.View()
	entries := p.r.fsm.Match(model.Path{"root", model.MultiLevel})
	byPath := make(map[string]region.Entry, len(entries))
	for _, e := range entries {
		byPath[e.Path.String()] = e
	}
	return &pipeSnapshot{view: v, entries: entries, byPath: byPath}, nil
}

func (p pipeRegion) Entries(after, upTo uint64, max int) ([]task.Entry, uint64, error) {
	var out []task.Entry
	last := after
	for i := after + 1; i <= upTo && len(out) < max; i++ {
		var l raft.Log
		if err := p.r.group.ReadLog(i, &l); err != nil {
			if errors.Is(err, raft.ErrLogNotFound) {
				return nil, after, fmt.Errorf("region %d entry %d: %w", p.r.id, i, task.ErrTruncated)
			}
			return nil, after, fmt.Errorf("region %d: read log entry %d: %w", p.r.id, i, err)
		}
		last = i
		if l.Type != raft.LogCommand {
			continue
		}
		e, ok, err := p.entry(l.Data)
		if err != nil {
			return nil, after, fmt.Errorf("region %d entry %d: %w", p.r.id, i, err)
		}
		if ok {
			e.Index, e.Appended = i, l.AppendedAt
			out = append(out, e)
		}
	}
	return out, last, nil
}

// entry decodes a write, or a schema change with its series as they stand
// now; ok is false for the other commands.
func (p pipeRegion) entry(data []byte) (task.Entry, bool, error) {
	if w, ok, err := region.DecodeWrite(data); ok || err != nil {
		return task.Entry{Origin: w.Origin, Tablets: w.Tablets}, ok, err
	}
	paths, ok, err := region.DecodeSchemaChange(data)
	if !ok || err != nil {
		return task.Entry{}, false, err
	}
	e := task.Entry{Schema: make([]model.Series, 0, len(paths))}
	for _, path := range paths {
		if s, ok := p.r.fsm.Series(path); ok {
			e.Schema = append(e.Schema, s)
		}
	}
	return e, true, nil
}

type pipeSnapshot struct {
	view    *storage.View
	entries []region.Entry
	byPath  map[string]region.Entry
}

func (s *pipeSnapshot) Index() uint64 { return s.view.Index() }

func (s *pipeSnapshot) Series() []model.Series {
	out := make([]model.Series, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.Series
	}
	return out
}

func (s *pipeSnapshot) Scan(series model.Series, lo, hi int64) (task.SeriesIterator, error) {
	e, ok := s.byPath[series.Path.String()]
	if !ok {
		return emptyIterator{}, nil
	}
	return s.view.Scan(e.ID, e.Type, lo, hi), nil
}

func (s *pipeSnapshot) Close() { s.view.Close() }
