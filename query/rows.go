package query

import (
	"context"

	"github.com/sluicedb/sluice/model"
)

// limitRows applies OFFSET and LIMIT to a row stream.
type limitRows struct {
	src  model.RowIterator
	skip int64
	left int64 // rows still to return; negative means no limit
}

// withLimit wraps r's rows with OFFSET offset and LIMIT limit (-1: none).
func withLimit(r *model.Result, offset, limit int64) *model.Result {
	if offset <= 0 && limit < 0 {
		return r
	}
	r.Rows = &limitRows{src: r.Rows, skip: max(offset, 0), left: limit}
	return r
}

func (l *limitRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	for {
		if l.left == 0 {
			return nil, l.src.Close()
		}
		want := max
		if l.left > 0 && int64(want) > l.left {
			want = int(l.left)
		}
		if l.skip > 0 {
			// Read the skipped rows in large bites rather than max at a time.
			want = int(min(int64(want)+l.skip, 1<<16))
		}
		b, err := l.src.Next(ctx, want)
		if err != nil || b == nil {
			return nil, err
		}
		n := int64(b.Len())
		if l.skip >= n {
			l.skip -= n
			continue
		}
		from, to := l.skip, n
		l.skip = 0
		to = min(to, from+int64(max))
		if l.left > 0 {
			to = min(to, from+l.left)
			l.left -= to - from
		}
		if from == 0 && to == n {
			return b, nil
		}
		return sliceBatch(b, int(from), int(to)), nil
	}
}

func (l *limitRows) Close() error { return l.src.Close() }

// sliceBatch returns rows [from, to) of b, sharing storage.
func sliceBatch(b *model.Batch, from, to int) *model.Batch {
	out := &model.Batch{Columns: make([]model.Column, len(b.Columns))}
	if b.Times != nil {
		out.Times = b.Times[from:to]
	}
	for i := range b.Columns {
		out.Columns[i] = b.Columns[i].Slice(from, to)
	}
	return out
}

// emptyResult is IoTDB's answer to a query that names no series: a header
// with the time column only and no rows.
func emptyResult() *model.Result {
	return &model.Result{HasTime: true, Columns: []string{}, Types: []model.DataType{}, Rows: model.NewSliceRows(model.Batch{})}
}

// noRows is a RowIterator with nothing in it.
type noRows struct{}

func (noRows) Next(context.Context, int) (*model.Batch, error) { return nil, nil }
func (noRows) Close() error                                    { return nil }

// deviceRows chains per-device row streams, putting the device's name in a
// leading Device column (ALIGN BY DEVICE).
type deviceRows struct {
	devices []model.Path
	// open builds the stream of device i; nil means the device has no rows.
	open func(ctx context.Context, i int) (model.RowIterator, error)
	cur  model.RowIterator
	idx  int
}

func (d *deviceRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	for d.idx < len(d.devices) {
		if d.cur == nil {
			it, err := d.open(ctx, d.idx)
			if err != nil {
				return nil, err
			}
			if it == nil {
				d.idx++
				continue
			}
			d.cur = it
		}
		b, err := d.cur.Next(ctx, max)
		if err != nil {
			return nil, err
		}
		if b == nil {
			if err := d.cur.Close(); err != nil {
				return nil, err
			}
			d.cur = nil
			d.idx++
			continue
		}
		n := b.Len()
		name := d.devices[d.idx].String()
		dev := model.Column{Type: model.Text, Texts: make([]string, n)}
		for i := range dev.Texts {
			dev.Texts[i] = name
		}
		b.Columns = append([]model.Column{dev}, b.Columns...)
		return b, nil
	}
	return nil, nil
}

func (d *deviceRows) Close() error {
	d.idx = len(d.devices)
	if d.cur != nil {
		err := d.cur.Close()
		d.cur = nil
		return err
	}
	return nil
}
