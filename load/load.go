package load

import (
	"context"
	"fmt"
	"os"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/tsfile"
)

// Sink receives the tablets of a file, a batch at a time. A batch holds at
// most Options.BatchPoints values; the tablets are not reused after Write
// returns.
type Sink interface {
	Write(ctx context.Context, tablets []*model.Tablet) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, tablets []*model.Tablet) error

// Write calls f.
func (f SinkFunc) Write(ctx context.Context, tablets []*model.Tablet) error { return f(ctx, tablets) }

// Discard is a Sink that drops everything: reading a file into it checks
// that the whole file decodes (LOAD's verify).
var Discard Sink = SinkFunc(func(context.Context, []*model.Tablet) error { return nil })

// Options bound a load's memory.
type Options struct {
	// BatchRows is the most rows of one device in one tablet (default 1024).
	BatchRows int
	// BatchPoints is the most values handed to the Sink in one call
	// (default 65536).
	BatchPoints int
	// Progress, when set, is called after each batch with the points of the
	// batch.
	Progress func(points int)
}

func (o Options) withDefaults() Options {
	if o.BatchRows <= 0 {
		o.BatchRows = 1024
	}
	if o.BatchPoints <= 0 {
		o.BatchPoints = 65536
	}
	return o
}

// Stats counts what a load wrote.
type Stats struct {
	Devices int
	Rows    int64
	Points  int64
}

// OpenFile is an open TsFile.
type OpenFile struct {
	*tsfile.Reader
	f *os.File
}

// Close closes the file.
func (o *OpenFile) Close() error { return o.f.Close() }

// Open opens the TsFile at path and reads its index; every error names the
// file.
func Open(path string) (*OpenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: file not found", path)
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := tsfile.Open(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: not a readable TsFile: %w", path, err)
	}
	return &OpenFile{Reader: r, f: f}, nil
}

// File writes the rows of the TsFile at path, less the points its .mods
// deletes, to sink.
func File(ctx context.Context, path string, sink Sink, opts Options) (Stats, error) {
	r, err := Open(path)
	if err != nil {
		return Stats{}, err
	}
	defer r.Close()
	dels, err := ReadMods(path)
	if err != nil {
		return Stats{}, err
	}
	st, err := Reader(ctx, r.Reader, dels, sink, opts)
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// Reader writes the rows of an open file, less dels, to sink.
func Reader(ctx context.Context, r *tsfile.Reader, dels []tsfile.Deletion, sink Sink, opts Options) (Stats, error) {
	opts = opts.withDefaults()
	devices, err := r.Devices()
	if err != nil {
		return Stats{}, err
	}
	b := &batcher{sink: sink, opts: opts}
	for _, name := range devices {
		if err := ctx.Err(); err != nil {
			return b.stats, err
		}
		if err := b.device(ctx, r, name, dels); err != nil {
			return b.stats, err
		}
		b.stats.Devices++
	}
	return b.stats, b.flush(ctx)
}

// batcher turns rows into tablets and hands them on in bounded batches.
type batcher struct {
	sink    Sink
	opts    Options
	pending []*model.Tablet
	points  int
	stats   Stats
}

func (b *batcher) device(ctx context.Context, r *tsfile.Reader, name string, dels []tsfile.Deletion) error {
	path, err := model.ParseFullPath(name)
	if err != nil {
		return fmt.Errorf("device %q: %w", name, err)
	}
	rows, err := r.Rows(name, dels...)
	if err != nil {
		return err
	}
	series := rows.Series()
	types := make([]model.DataType, len(series))
	ms := make([]string, len(series))
	for i, s := range series {
		if types[i], err = ModelType(s.Type); err != nil {
			return fmt.Errorf("%s.%s: %w", name, s.Measurement, err)
		}
		ms[i] = s.Measurement
	}
	var tab *model.Tablet
	for rows.Next() {
		if tab == nil {
			tab = newTablet(path, rows.Aligned(), ms, types, b.opts.BatchRows)
		}
		tab.Times = append(tab.Times, rows.Time())
		for i := range series {
			v, ok := rows.Value(i)
			c := &tab.Columns[i]
			if !ok {
				c.Append(nil)
				continue
			}
			if bs, isBytes := v.([]byte); isBytes {
				v = string(bs)
			}
			c.Append(v)
			b.points++
		}
		if len(tab.Times) >= b.opts.BatchRows || b.points >= b.opts.BatchPoints {
			b.add(tab)
			tab = nil
			if b.points >= b.opts.BatchPoints {
				if err := b.flush(ctx); err != nil {
					return err
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if tab != nil {
		b.add(tab)
	}
	return nil
}

func newTablet(device model.Path, aligned bool, ms []string, types []model.DataType, n int) *model.Tablet {
	t := &model.Tablet{Device: device, Aligned: aligned, Measurements: ms,
		Times: make([]int64, 0, n), Columns: make([]model.Column, len(types))}
	for i, ty := range types {
		t.Columns[i] = model.NewColumn(ty, n)
	}
	return t
}

func (b *batcher) add(t *model.Tablet) {
	b.pending = append(b.pending, t)
	b.stats.Rows += int64(len(t.Times))
}

func (b *batcher) flush(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	if err := b.sink.Write(ctx, b.pending); err != nil {
		return err
	}
	b.stats.Points += int64(b.points)
	if b.opts.Progress != nil {
		b.opts.Progress(b.points)
	}
	b.pending, b.points = nil, 0
	return nil
}
