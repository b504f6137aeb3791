package model

import "context"

// Batch is a run of result rows in columnar form. Times is nil for results
// without a time column (SHOW statements and the like).
type Batch struct {
	Times   []int64
	Columns []Column
}

// Len is the number of rows in the batch.
func (b *Batch) Len() int {
	if b.Times != nil {
		return len(b.Times)
	}
	if len(b.Columns) > 0 {
		return b.Columns[0].Len()
	}
	return 0
}

// Result is a statement's tabular output: a header and a stream of batches.
// Statements without rows (DDL, INSERT) return a nil *Result.
type Result struct {
	// Columns names every column after the time column, IoTDB-style
	// (e.g. "root.sg.d1.s1", "count(root.sg.d1.s1)", "Device").
	Columns []string
	// Types gives each column's type.
	Types []DataType
	// HasTime is false for results with no leading Time column.
	HasTime bool
	// Rows yields the batches.
	Rows RowIterator
}

// RowIterator streams result batches.
type RowIterator interface {
	// Next returns up to max rows; a nil batch means the end.
	Next(ctx context.Context, max int) (*Batch, error)
	// Close releases what the iterator holds. It is idempotent.
	Close() error
}

// SliceRows serves an in-memory batch as a RowIterator.
type SliceRows struct {
	batch Batch
	pos   int
}

// NewSliceRows returns an iterator over b.
func NewSliceRows(b Batch) *SliceRows { return &SliceRows{batch: b} }

// Next implements RowIterator.
func (s *SliceRows) Next(_ context.Context, max int) (*Batch, error) {
	n := s.batch.Len()
	if s.pos >= n {
		return nil, nil
	}
	end := min(n, s.pos+max)
	out := &Batch{Columns: make([]Column, len(s.batch.Columns))}
	if s.batch.Times != nil {
		out.Times = s.batch.Times[s.pos:end]
	}
	for i := range s.batch.Columns {
		out.Columns[i] = s.batch.Columns[i].Slice(s.pos, end)
	}
	s.pos = end
	return out, nil
}

// Close implements RowIterator.
func (s *SliceRows) Close() error { return nil }

// Slice returns rows [from, to) of the column, sharing storage.
func (c *Column) Slice(from, to int) Column {
	out := Column{Type: c.Type}
	switch c.Type {
	case Boolean:
		out.Bools = c.Bools[from:to]
	case Int32:
		out.Int32s = c.Int32s[from:to]
	case Int64:
		out.Int64s = c.Int64s[from:to]
	case Float:
		out.Float32s = c.Float32s[from:to]
	case Double:
		out.Float64s = c.Float64s[from:to]
	case Text:
		out.Texts = c.Texts[from:to]
	}
	if c.Nulls != nil {
		out.Nulls = c.Nulls[from:to]
	}
	return out
}

// Gather returns rows idx of the column, in that order, as a new column.
func (c *Column) Gather(idx []int) Column {
	out := Column{Type: c.Type}
	switch c.Type {
	case Boolean:
		out.Bools = gather(c.Bools, idx)
	case Int32:
		out.Int32s = gather(c.Int32s, idx)
	case Int64:
		out.Int64s = gather(c.Int64s, idx)
	case Float:
		out.Float32s = gather(c.Float32s, idx)
	case Double:
		out.Float64s = gather(c.Float64s, idx)
	case Text:
		out.Texts = gather(c.Texts, idx)
	}
	if c.Nulls != nil {
		out.Nulls = gather(c.Nulls, idx)
	}
	return out
}

func gather[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}
