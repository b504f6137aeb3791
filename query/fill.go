package query

import (
	"context"
	"math"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// IoTDB fills a query's result as a whole, after ALIGN BY DEVICE's device
// view and HAVING and before OFFSET and LIMIT: a column's previous value may
// come from the device before, and a null stays null when no value of the
// column precedes it (PREVIOUS) or follows it (LINEAR) in the result.

// filler is a compiled FILL clause for one result layout.
type filler struct {
	method ast.FillMethod
	bound  ast.Duration
	zone   *time.Location
	fills  []bool  // per column: the method applies to its type
	consts []value // per column: the constant, for FillConstant
}

// newFiller decides per column whether f applies: LINEAR fills numeric
// columns only, a constant fills the columns its type converts to (IoTDB's
// table: a boolean fills BOOLEAN and TEXT, an integer INT32 (when in range),
// INT64, FLOAT, DOUBLE and TEXT, a real FLOAT, DOUBLE and TEXT, a string
// TEXT only); other columns keep their nulls, without error.
func newFiller(f *ast.Fill, types []model.DataType, first int, opts Options) (*filler, error) {
	fl := &filler{method: f.Method, bound: f.Bound, zone: opts.zone(),
		fills: make([]bool, len(types)), consts: make([]value, len(types))}
	var lit value
	if f.Method == ast.FillConstant {
		var err error
		if lit, _, err = (&compiler{opts: opts}).literal(f.Value); err != nil {
			return nil, err
		}
	}
	for j := first; j < len(types); j++ {
		t := types[j]
		switch f.Method {
		case ast.FillPrevious:
			fl.fills[j] = true
		case ast.FillLinear:
			fl.fills[j] = kindOf(t) == kInt || kindOf(t) == kFloat
		case ast.FillConstant:
			fl.consts[j], fl.fills[j] = constantFor(lit, literalText(f.Value), t)
		}
	}
	return fl, nil
}

// constantFor converts the FILL constant v (written as raw) to a value for
// a column of type t; ok is false when IoTDB would leave the column alone.
func constantFor(v value, raw string, t model.DataType) (value, bool) {
	if t == model.Text {
		if v.k == kText {
			return v, true
		}
		return value{k: kText, s: raw}, true
	}
	switch v.k {
	case kBool:
		return v, t == model.Boolean
	case kInt:
		switch t {
		case model.Int32:
			return v, v.i >= math.MinInt32 && v.i <= math.MaxInt32
		case model.Int64:
			return v, true
		case model.Float, model.Double:
			return value{k: kFloat, f: float64(v.i)}, true
		}
	case kFloat:
		return v, t == model.Float || t == model.Double
	}
	return nullValue, false
}

// withFill wraps r's rows with f. first is the first column filled (1
// under ALIGN BY DEVICE, whose Device column is never null).
func withFill(r *model.Result, f *ast.Fill, first int, opts Options) (*model.Result, error) {
	fl, err := newFiller(f, r.Types, first, opts)
	if err != nil {
		return nil, err
	}
	n := len(r.Types)
	fr := &fillRows{src: r.Rows, f: fl, types: r.Types, hasTime: r.HasTime,
		prev: make([]value, n), prevT: make([]int64, n), pending: make([]int, n)}
	for j := range fr.pending {
		fr.pending[j] = -1
	}
	r.Rows = fr
	return r, nil
}

// fillRows fills the nulls of a row stream. LINEAR holds rows back until
// the next non-null value of every column with a pending null is known.
type fillRows struct {
	src     model.RowIterator
	f       *filler
	types   []model.DataType
	hasTime bool
	row     int64 // rows seen, the time of rows without a time column

	prev    []value // per column: the last non-null value (kNull: none yet)
	prevT   []int64
	buf     *model.Batch // LINEAR: rows held back
	pending []int        // LINEAR, per column: first null row in buf still open, -1 for none
	srcDone bool
}

func (r *fillRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	if max <= 0 {
		return nil, nil
	}
	for {
		if r.f.method != ast.FillLinear {
			b, err := r.src.Next(ctx, max)
			if err != nil || b == nil {
				return nil, err
			}
			b = r.own(b, nil)
			r.fill(b, 0)
			return b, nil
		}
		if b := r.release(max); b != nil {
			return b, nil
		}
		if r.srcDone {
			return nil, nil
		}
		b, err := r.src.Next(ctx, max)
		if err != nil {
			return nil, err
		}
		if b == nil {
			r.srcDone = true
			for j := range r.pending {
				r.pending[j] = -1 // no value follows: these nulls stay
			}
			continue
		}
		from := 0
		if r.buf != nil {
			from = r.buf.Len()
		}
		r.buf = r.own(b, r.buf)
		r.fill(r.buf, from)
	}
}

// own copies b's rows onto dst (a new batch when nil), so that filling
// never writes into storage the source may still hold.
func (r *fillRows) own(b *model.Batch, dst *model.Batch) *model.Batch {
	n := b.Len()
	if dst == nil {
		dst = &model.Batch{Columns: newColumns(r.types, n)}
	}
	dst.Times = append(dst.Times, b.Times...)
	for j := range dst.Columns {
		for i := 0; i < n; i++ {
			appendFrom(&dst.Columns[j], &b.Columns[j], i)
		}
	}
	return dst
}

// release returns up to max leading rows of buf that no open null run
// holds back; nil when there are none.
func (r *fillRows) release(max int) *model.Batch {
	if r.buf == nil {
		return nil
	}
	n := r.buf.Len()
	for _, p := range r.pending {
		if p >= 0 {
			n = min(n, p)
		}
	}
	n = min(n, max)
	if n == 0 {
		return nil
	}
	out := sliceBatch(r.buf, 0, n)
	if n == r.buf.Len() {
		r.buf = nil
	} else {
		r.buf = sliceBatch(r.buf, n, r.buf.Len())
	}
	for j, p := range r.pending {
		if p >= 0 {
			r.pending[j] = p - n
		}
	}
	return out
}

// timeAt is the time of row i of b, or its position in the result when
// rows have none; base is the position of b's first row.
func (r *fillRows) timeAt(b *model.Batch, i int, base int64) int64 {
	if r.hasTime && b.Times != nil {
		return b.Times[i]
	}
	return base + int64(i)
}

// fill fills rows [from, len) of b in place.
func (r *fillRows) fill(b *model.Batch, from int) {
	n := b.Len()
	base := r.row - int64(from) // rows [0, from) of b are the last ones seen
	for j := range b.Columns {
		if !r.f.fills[j] {
			continue
		}
		c := &b.Columns[j]
		for i := from; i < n; i++ {
			t := r.timeAt(b, i, base)
			if !c.IsNull(i) {
				v := colValue(c, i)
				if r.f.method == ast.FillLinear && r.pending[j] >= 0 {
					if r.prev[j].k != kNull {
						r.interpolate(b, j, r.pending[j], i, base, v, t)
					}
					r.pending[j] = -1
				}
				r.prev[j], r.prevT[j] = v, t
				continue
			}
			switch r.f.method {
			case ast.FillConstant:
				setValue(c, i, r.f.consts[j])
			case ast.FillPrevious:
				if r.prev[j].k != kNull && r.f.within(r.prevT[j], t) {
					setValue(c, i, r.prev[j])
				}
			case ast.FillLinear:
				if r.pending[j] < 0 && r.prev[j].k != kNull {
					r.pending[j] = i
				}
			}
		}
	}
	r.row += int64(n - from)
}

// interpolate fills rows [lo, hi) of column j between the previous value
// and next, the value at time nextT.
func (r *fillRows) interpolate(b *model.Batch, j, lo, hi int, base int64, next value, nextT int64) {
	c := &b.Columns[j]
	p, pt := r.prev[j], r.prevT[j]
	for i := lo; i < hi; i++ {
		if !c.IsNull(i) {
			continue
		}
		t := r.timeAt(b, i, base)
		factor := 0.0
		if nextT != pt {
			factor = float64(t-pt) / float64(nextT-pt)
		}
		f := p.num() + (next.num()-p.num())*factor
		if p.k == kInt {
			setValue(c, i, value{k: kInt, i: int64(f)}) // truncated, as Java's cast
		} else {
			setValue(c, i, value{k: kFloat, f: f})
		}
	}
}

// within reports whether a null at t is close enough to the previous value,
// at prevT, for FILL(PREVIOUS, bound).
func (f *filler) within(prevT, t int64) bool {
	if f.bound.IsZero() {
		return true
	}
	lo, hi := min(prevT, t), max(prevT, t)
	end := lo
	if f.bound.Months != 0 {
		end = addMonths(time.UnixMilli(lo).In(f.zone), f.bound.Months).UnixMilli()
	}
	return hi <= saturatingAdd(end, f.bound.Millis)
}

// setValue overwrites row i of c with the non-null v.
func setValue(c *model.Column, i int, v value) {
	if c.Nulls != nil {
		c.Nulls[i] = false
	}
	switch c.Type {
	case model.Boolean:
		c.Bools[i] = v.b
	case model.Int32:
		c.Int32s[i] = int32(v.i)
	case model.Int64:
		c.Int64s[i] = v.i
	case model.Float:
		c.Float32s[i] = float32(v.num())
	case model.Double:
		c.Float64s[i] = v.num()
	case model.Text:
		c.Texts[i] = v.s
	}
}

func (r *fillRows) Close() error { return r.src.Close() }
