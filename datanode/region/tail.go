package region

import (
	"context"
	"fmt"

	"github.com/sluicedb/sluice/model"
)

// Write is a decoded write command, as pipe sources read it from the log.
type Write struct {
	Database   string
	AutoCreate bool
	Origin     string
	Tablets    []*model.Tablet
}

// IsWrite reports whether cmd is a write command (WriteCommand), without
// decoding it.
func IsWrite(cmd []byte) bool { return len(cmd) > 0 && cmdType(cmd[0]) == cmdWrite }

// DecodeWrite decodes a log entry's data. ok is false for entries that are
// not writes (schema changes, deletions).
func DecodeWrite(data []byte) (w Write, ok bool, err error) {
	if len(data) == 0 || cmdType(data[0]) != cmdWrite {
		return Write{}, false, nil
	}
	d := decoder{b: data[1:]}
	w.Database = d.str()
	w.AutoCreate = d.bool()
	w.Origin = d.str()
	w.Tablets = d.tablets()
	if d.err != nil {
		return Write{}, false, fmt.Errorf("decode write entry: %w", d.err)
	}
	return w, true, nil
}

// WaitApplied blocks until an entry after index has been applied, or ctx
// ends.
func (f *FSM) WaitApplied(ctx context.Context, index uint64) error {
	for {
		f.waitMu.Lock()
		ch := f.appliedCh
		f.waitMu.Unlock()
		if f.applied.Load() > index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyApplied wakes WaitApplied callers.
func (f *FSM) notifyApplied() {
	f.waitMu.Lock()
	close(f.appliedCh)
	f.appliedCh = make(chan struct{})
	f.waitMu.Unlock()
}

// DecodeSchemaChange decodes the series paths a log entry's data changes
// the schema of: the series of a creation, the series of an ALTER
// TIMESERIES. ok is false for other entries.
func DecodeSchemaChange(data []byte) (paths []model.Path, ok bool, err error) {
	if len(data) == 0 {
		return nil, false, nil
	}
	d := decoder{b: data[1:]}
	switch cmdType(data[0]) {
	case cmdCreateSeries, cmdCreateTagged:
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			var s model.Series
			if cmdType(data[0]) == cmdCreateTagged {
				s = d.taggedSpec()
			} else {
				s = d.spec()
			}
			paths = append(paths, s.Path)
		}
	case cmdAlterSeries:
		paths = []model.Path{d.alter().Path}
	default:
		return nil, false, nil
	}
	if d.err != nil {
		return nil, false, fmt.Errorf("decode schema entry: %w", d.err)
	}
	return paths, true, nil
}

// Series returns the series at path, by its measurement (not its alias),
// as it stands now.
func (f *FSM) Series(path model.Path) (model.Series, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if len(path) < 2 {
		return model.Series{}, false
	}
	dev := f.schema.devices[path.Parent().String()]
	if dev == nil || dev.series[path.Last()] == nil {
		return model.Series{}, false
	}
	return dev.series[path.Last()].Series, true
}
