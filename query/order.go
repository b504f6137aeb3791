package query

import (
	"container/heap"
	"context"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// checkOrderBy refuses the sort keys a query's form has no use for, with
// IoTDB 1.3's messages: TIMESERIES belongs to SELECT LAST, DEVICE to ALIGN
// BY DEVICE, and SELECT LAST sorts by nothing else.
func checkOrderBy(sel *ast.Select) error {
	for _, o := range sel.OrderBy {
		switch {
		case sel.Last && o.Key != ast.SortTimeseries:
			return status.Errorf(status.SemanticError, "Last queries can only be sorted by timeseries now.")
		case !sel.Last && o.Key == ast.SortTimeseries:
			return status.Errorf(status.SemanticError, "Sorting by timeseries is only supported in last queries.")
		case !sel.AlignByDevice && o.Key == ast.SortDevice:
			return status.Errorf(status.SemanticError, "Sorting by device is only supported in ALIGN BY DEVICE queries.")
		}
	}
	return nil
}

// sortDesc reports whether key is sorted descending.
func sortDesc(sel *ast.Select, key ast.SortKey) bool {
	for _, o := range sel.OrderBy {
		if o.Key == key {
			return o.Desc
		}
	}
	return false
}

// timeFirst reports whether ORDER BY makes time the main sort key: ALIGN BY
// DEVICE then interleaves the devices' rows by time.
func timeFirst(sel *ast.Select) bool {
	return len(sel.OrderBy) > 0 && sel.OrderBy[0].Key == ast.SortTime
}

// orderDevices returns the device rows in the order ORDER BY asks for:
// device by device (devices ascending unless DEVICE DESC), or, with time
// first and a time column, all devices merged by time with ties in device
// order. open and devices are as deviceRows takes them; types are the
// result's column types after Device.
func orderDevices(sel *ast.Select, devices []model.Path, open func(context.Context, int) (model.RowIterator, error),
	types []model.DataType, hasTime bool) model.RowIterator {
	rank := make([]int, len(devices))
	for i := range rank {
		rank[i] = i
	}
	if sortDesc(sel, ast.SortDevice) {
		slices.Reverse(rank)
	}
	ordered := make([]model.Path, len(devices))
	for i, r := range rank {
		ordered[i] = devices[r]
	}
	byRank := func(ctx context.Context, i int) (model.RowIterator, error) { return open(ctx, rank[i]) }
	if !hasTime || !timeFirst(sel) {
		return &deviceRows{devices: ordered, open: byRank}
	}
	streams := make([]model.RowIterator, len(ordered))
	for i := range ordered {
		streams[i] = &deviceRows{devices: ordered[i : i+1], open: func(ctx context.Context, _ int) (model.RowIterator, error) {
			return byRank(ctx, i)
		}}
	}
	return &timeMergeRows{streams: streams, types: append([]model.DataType{model.Text}, types...), desc: sel.OrderDesc}
}

// mergeChunk is how many rows timeMergeRows asks each stream for at once:
// it holds one such batch per device.
const mergeChunk = 256

// timeMergeRows merges streams that are each sorted by time (descending
// with desc) into one stream sorted by time; among rows of equal time the
// earlier stream's row comes first.
type timeMergeRows struct {
	streams []model.RowIterator
	types   []model.DataType
	desc    bool
	heads   []*model.Batch // current batch of each stream; nil once it ends
	pos     []int
	live    streamHeap // the streams with rows left, next row first
	started bool
}

func (m *timeMergeRows) start(ctx context.Context) error {
	m.started = true
	m.heads = make([]*model.Batch, len(m.streams))
	m.pos = make([]int, len(m.streams))
	m.live = streamHeap{m: m}
	for i := range m.streams {
		if err := m.advance(ctx, i); err != nil {
			return err
		}
		if m.heads[i] != nil {
			m.live.idx = append(m.live.idx, i)
		}
	}
	heap.Init(&m.live)
	return nil
}

// advance loads stream i's next non-empty batch, or marks it ended.
func (m *timeMergeRows) advance(ctx context.Context, i int) error {
	for {
		b, err := m.streams[i].Next(ctx, mergeChunk)
		if err != nil {
			return err
		}
		if b == nil || b.Len() > 0 {
			m.heads[i], m.pos[i] = b, 0
			return nil
		}
	}
}

func (m *timeMergeRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	if !m.started {
		if err := m.start(ctx); err != nil {
			return nil, err
		}
	}
	out := &model.Batch{Times: []int64{}, Columns: newColumns(m.types, 0)}
	for len(out.Times) < max && len(m.live.idx) > 0 {
		i := m.live.idx[0]
		b, r := m.heads[i], m.pos[i]
		out.Times = append(out.Times, b.Times[r])
		for c := range out.Columns {
			out.Columns[c].Append(b.Columns[c].Value(r))
		}
		if m.pos[i]++; m.pos[i] == b.Len() {
			if err := m.advance(ctx, i); err != nil {
				return nil, err
			}
		}
		if m.heads[i] == nil {
			heap.Pop(&m.live)
		} else {
			heap.Fix(&m.live, 0)
		}
	}
	if len(out.Times) == 0 {
		return nil, nil
	}
	return out, nil
}

func (m *timeMergeRows) Close() error {
	var first error
	for _, s := range m.streams {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.live.idx = nil
	m.started = true
	return first
}

// streamHeap orders the live streams of a timeMergeRows by their current
// row's time, then by stream index.
type streamHeap struct {
	m   *timeMergeRows
	idx []int
}

func (h *streamHeap) Len() int { return len(h.idx) }

func (h *streamHeap) Less(a, b int) bool {
	i, j := h.idx[a], h.idx[b]
	ti, tj := h.m.heads[i].Times[h.m.pos[i]], h.m.heads[j].Times[h.m.pos[j]]
	switch {
	case ti == tj:
		return i < j
	case h.m.desc:
		return ti > tj
	default:
		return ti < tj
	}
}

func (h *streamHeap) Swap(a, b int) { h.idx[a], h.idx[b] = h.idx[b], h.idx[a] }

func (h *streamHeap) Push(x any) { h.idx = append(h.idx, x.(int)) }

func (h *streamHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}
