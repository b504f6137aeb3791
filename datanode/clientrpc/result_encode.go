package clientrpc

import (
	"context"
	"encoding/binary"
	"math"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// Query results travel as TSQueryDataSet pages, decoded by the clients as:
// a time buffer of 8 big-endian bytes per row (present, zero-filled, even
// when the result has no time column: clients count rows by it); then per
// distinct column name, a buffer of the non-null values (the encoding of
// record values, without type bytes) and a bitmap of one byte per 8 rows in
// which bit 0x80>>(row%8) marks a row that HAS a value. Repeated column
// names share one buffer, found through columnNameIndexMap.

// layout maps a Result's columns onto the wire.
type layout struct {
	columns  []string
	types    []string         // type name per column, duplicates included
	index    map[string]int32 // column name -> position among distinct names
	distinct []int            // Result column of each distinct name
	dtypes   []model.DataType // type of each distinct name
	hasTime  bool
}

func newLayout(res *model.Result) (*layout, error) {
	if len(res.Types) != len(res.Columns) {
		return nil, status.Errorf(status.InternalServerError, "BUG: result has %d columns but %d types", len(res.Columns), len(res.Types))
	}
	l := &layout{
		columns: res.Columns,
		types:   make([]string, len(res.Columns)),
		index:   make(map[string]int32, len(res.Columns)),
		hasTime: res.HasTime,
	}
	for i, name := range res.Columns {
		t := res.Types[i]
		if !t.Valid() {
			return nil, status.Errorf(status.InternalServerError, "BUG: result column %s has invalid type %d", name, t)
		}
		l.types[i] = t.String()
		if _, dup := l.index[name]; dup {
			continue
		}
		l.index[name] = int32(len(l.distinct))
		l.distinct = append(l.distinct, i)
		l.dtypes = append(l.dtypes, t)
	}
	return l, nil
}

// check verifies that a batch has the shape the header promised.
func (l *layout) check(b *model.Batch) error {
	n := b.Len()
	if len(b.Columns) != len(l.columns) {
		return status.Errorf(status.InternalServerError, "BUG: result batch has %d columns, header %d", len(b.Columns), len(l.columns))
	}
	if l.hasTime && len(b.Times) != n {
		return status.Errorf(status.InternalServerError, "BUG: result batch has %d times for %d rows", len(b.Times), n)
	}
	for k, i := range l.distinct {
		c := &b.Columns[i]
		if c.Type != l.dtypes[k] {
			return status.Errorf(status.InternalServerError, "BUG: result column %s is %s in a batch, %s in the header", l.columns[i], c.Type, l.dtypes[k])
		}
		if c.Len() != n || (c.Nulls != nil && len(c.Nulls) != n) {
			return status.Errorf(status.InternalServerError, "BUG: result column %s has %d values for %d rows", l.columns[i], c.Len(), n)
		}
	}
	return nil
}

// page accumulates rows into one TSQueryDataSet.
type page struct {
	l       *layout
	time    []byte
	values  [][]byte
	bitmaps [][]byte
	rows    int
	bytes   int
}

func newPage(l *layout) *page {
	return &page{l: l, values: make([][]byte, len(l.distinct)), bitmaps: make([][]byte, len(l.distinct))}
}

// add appends row i of b, which check has accepted.
func (p *page) add(b *model.Batch, i int) {
	var t int64
	if p.l.hasTime {
		t = b.Times[i]
	}
	p.time = binary.BigEndian.AppendUint64(p.time, uint64(t))
	bit := byte(0x80) >> (p.rows % 8)
	grow := 8
	for k, ci := range p.l.distinct {
		if p.rows%8 == 0 {
			p.bitmaps[k] = append(p.bitmaps[k], 0)
			grow++
		}
		c := &b.Columns[ci]
		if c.IsNull(i) {
			continue
		}
		p.bitmaps[k][len(p.bitmaps[k])-1] |= bit
		before := len(p.values[k])
		p.values[k] = appendValue(p.values[k], c, i)
		grow += len(p.values[k]) - before
	}
	p.rows++
	p.bytes += grow
}

func appendValue(dst []byte, c *model.Column, i int) []byte {
	switch c.Type {
	case model.Boolean:
		if c.Bools[i] {
			return append(dst, 1)
		}
		return append(dst, 0)
	case model.Int32:
		return binary.BigEndian.AppendUint32(dst, uint32(c.Int32s[i]))
	case model.Int64:
		return binary.BigEndian.AppendUint64(dst, uint64(c.Int64s[i]))
	case model.Float:
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(c.Float32s[i]))
	case model.Double:
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(c.Float64s[i]))
	case model.Text:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Texts[i])))
		return append(dst, c.Texts[i]...)
	}
	return dst
}

func (p *page) dataSet() *rpc.TSQueryDataSet {
	ds := &rpc.TSQueryDataSet{Time: p.time, ValueList: p.values, BitmapList: p.bitmaps}
	if ds.Time == nil {
		ds.Time = []byte{}
	}
	for k := range ds.ValueList {
		if ds.ValueList[k] == nil {
			ds.ValueList[k] = []byte{}
		}
		if ds.BitmapList[k] == nil {
			ds.BitmapList[k] = []byte{}
		}
	}
	return ds
}

// query is an open result being paged out to a client.
type query struct {
	id      int64
	stmtID  int64
	ctx     context.Context // cancelled (with queries.ErrKilled) by KILL QUERY
	running *queries.Query  // its entry among the running queries
	res     *model.Result
	l       *layout
	pending *model.Batch // rows fetched from the iterator but not sent yet
	next    int          // first unsent row of pending
	done    bool         // the iterator has ended
	closed  bool
}

// maxEmptyBatches bounds how many empty batches in a row an iterator may
// return before it is deemed broken (the contract ends streams with nil).
const maxEmptyBatches = 1 << 16

// nextPage encodes up to fetchSize rows, fewer if they reach maxBytes.
func (q *query) nextPage(ctx context.Context, fetchSize, maxBytes int) (*page, error) {
	p := newPage(q.l)
	empty := 0
	for p.rows < fetchSize && p.bytes < maxBytes {
		if q.pending == nil || q.next >= q.pending.Len() {
			if q.done {
				break
			}
			if err := ctx.Err(); err != nil {
				return nil, status.Errorf(status.QueryProcessError, "query %d: %w", q.id, err)
			}
			b, err := q.res.Rows.Next(ctx, fetchSize-p.rows)
			if err != nil {
				return nil, err
			}
			if b == nil {
				q.done, q.pending = true, nil
				break
			}
			if err := q.l.check(b); err != nil {
				return nil, err
			}
			if b.Len() == 0 {
				if empty++; empty > maxEmptyBatches {
					return nil, status.Errorf(status.InternalServerError, "BUG: result iterator returns only empty batches")
				}
			}
			q.pending, q.next = b, 0
			continue
		}
		p.add(q.pending, q.next)
		q.next++
	}
	return p, nil
}

// exhausted reports whether every row has been sent.
func (q *query) exhausted() bool {
	return q.done && (q.pending == nil || q.next >= q.pending.Len())
}

// close releases the iterator; it is idempotent.
func (q *query) close() error {
	if q.closed {
		return nil
	}
	q.closed = true
	q.pending = nil
	err := q.res.Rows.Close()
	q.running.Finish()
	return err
}
