package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// fakeStore is an in-memory Store. Points are kept per series in time order.
type fakeStore struct {
	mu     sync.Mutex
	series []model.Series
	points map[string][]fakePoint
	scans  []string // "path [lo, hi]" per Scan call
	stats  int      // Stats calls
	full   map[string]Stats
}

type fakePoint struct {
	t int64
	v any
}

func newFakeStore() *fakeStore {
	return &fakeStore{points: map[string][]fakePoint{}, full: map[string]Stats{}}
}

// add creates the series if needed and stores points given as time, value
// pairs.
func (f *fakeStore) add(path string, t model.DataType, tv ...any) *fakeStore {
	p, err := model.ParseFullPath(path)
	if err != nil {
		panic(err)
	}
	k := p.String()
	if _, ok := f.points[k]; !ok {
		i, _ := slices.BinarySearchFunc(f.series, p, func(s model.Series, p model.Path) int { return slices.Compare(s.Path, p) })
		f.series = slices.Insert(f.series, i, model.Series{Path: p, Type: t})
		f.points[k] = nil
	}
	delete(f.full, k)
	pts := f.points[k]
	sorted := true
	for i := 0; i < len(tv); i += 2 {
		p := fakePoint{toInt64(tv[i]), tv[i+1]}
		if n := len(pts); n > 0 && pts[n-1].t >= p.t {
			sorted = false
		}
		pts = append(pts, p)
	}
	if !sorted {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
	}
	f.points[k] = pts
	return f
}

func toInt64(v any) int64 {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	panic(fmt.Sprintf("time %v is not an integer", v))
}

func (f *fakeStore) MatchSeries(_ context.Context, pattern model.Path) ([]model.Series, error) {
	var out []model.Series
	for _, s := range f.series {
		if s.Path.Matches(pattern) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeStore) rangeOf(s model.Series, lo, hi int64) []fakePoint {
	pts := f.points[s.Path.String()]
	i := sort.Search(len(pts), func(i int) bool { return pts[i].t >= lo })
	j := sort.Search(len(pts), func(i int) bool { return pts[i].t > hi })
	if i > j {
		return nil
	}
	return pts[i:j]
}

func (f *fakeStore) Scan(_ context.Context, s model.Series, lo, hi int64) (SeriesIterator, error) {
	f.mu.Lock()
	f.scans = append(f.scans, fmt.Sprintf("%s [%d, %d]", s.Path, lo, hi))
	f.mu.Unlock()
	return &fakeIter{typ: s.Type, pts: f.rangeOf(s, lo, hi)}, nil
}

func (f *fakeStore) Stats(_ context.Context, s model.Series, lo, hi int64) (Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats++
	pts := f.points[s.Path.String()]
	whole := len(pts) > 0 && lo <= pts[0].t && hi >= pts[len(pts)-1].t
	if st, ok := f.full[s.Path.String()]; ok && whole {
		return st, nil // as a store answers from chunk statistics
	}
	var st Stats
	defer func() {
		if whole {
			f.full[s.Path.String()] = st
		}
	}()
	for _, p := range f.rangeOf(s, lo, hi) {
		st.Count++
		v := goValue(p.v)
		if st.Count == 1 {
			st.FirstTime, st.First = p.t, p.v
		}
		st.LastTime, st.Last = p.t, p.v
		if v.k != kInt && v.k != kFloat {
			continue
		}
		st.Sum += v.num()
		if st.Min == nil || compareValues(v, goValue(st.Min)) < 0 {
			st.Min = p.v
		}
		if st.Max == nil || compareValues(v, goValue(st.Max)) > 0 {
			st.Max = p.v
		}
	}
	return st, nil
}

func (f *fakeStore) Last(_ context.Context, s model.Series) (int64, any, bool, error) {
	pts := f.points[s.Path.String()]
	if len(pts) == 0 {
		return 0, nil, false, nil
	}
	p := pts[len(pts)-1]
	return p.t, p.v, true, nil
}

type fakeIter struct {
	typ    model.DataType
	pts    []fakePoint
	closed bool
}

func (it *fakeIter) Next(max int) ([]int64, model.Column, error) {
	if it.closed {
		panic("Next after Close")
	}
	n := min(max, len(it.pts))
	times := make([]int64, n)
	col := model.NewColumn(it.typ, n)
	for i, p := range it.pts[:n] {
		times[i] = p.t
		col.Append(p.v)
	}
	it.pts = it.pts[n:]
	return times, col, nil
}

func (it *fakeIter) Close() { it.closed = true }

// testStore holds the data most tests query.
//
//	root.sg.d1: s1 INT32, s2 INT64, s3 FLOAT, s4 DOUBLE, s5 TEXT, s6 BOOLEAN
//	time  s1   s2   s3   s4    s5     s6
//	1     1    10   1.5  0.25  a      true
//	2     2                    b
//	3          30   3.5               false
//	5     5    50        5.5   abc
//	10    -10                         true
//	root.sg.d2: s1 INT32 (2:20, 4:40), s2 INT64 (4:400, 6:600)
//	root.sg.d3: s1 INT32, no points
//	root.other.d9: x INT64 (7:70)
func testStore() *fakeStore {
	f := newFakeStore()
	f.add("root.sg.d1.s1", model.Int32, 1, int32(1), 2, int32(2), 5, int32(5), 10, int32(-10))
	f.add("root.sg.d1.s2", model.Int64, 1, int64(10), 3, int64(30), 5, int64(50))
	f.add("root.sg.d1.s3", model.Float, 1, float32(1.5), 3, float32(3.5))
	f.add("root.sg.d1.s4", model.Double, 1, 0.25, 5, 5.5)
	f.add("root.sg.d1.s5", model.Text, 1, "a", 2, "b", 5, "abc")
	f.add("root.sg.d1.s6", model.Boolean, 1, true, 3, false, 10, true)
	f.add("root.sg.d2.s1", model.Int32, 2, int32(20), 4, int32(40))
	f.add("root.sg.d2.s2", model.Int64, 4, int64(400), 6, int64(600))
	f.add("root.sg.d3.s1", model.Int32)
	f.add("root.other.d9.x", model.Int64, 7, int64(70))
	return f
}

// collect reads every row of res, max rows per Next, checks the batches'
// shape and renders rows as "time|v1|v2" with "null" for nulls.
func collect(t *testing.T, res *model.Result, max int) []string {
	t.Helper()
	defer res.Rows.Close()
	var rows []string
	for {
		b, err := res.Rows.Next(context.Background(), max)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if b == nil {
			return rows
		}
		n := b.Len()
		if n == 0 || n > max {
			t.Fatalf("batch of %d rows for max %d", n, max)
		}
		if (b.Times != nil) != res.HasTime {
			t.Fatalf("batch times %v with HasTime %v", b.Times != nil, res.HasTime)
		}
		if len(b.Columns) != len(res.Columns) {
			t.Fatalf("batch has %d columns, header %d", len(b.Columns), len(res.Columns))
		}
		for j := range b.Columns {
			c := &b.Columns[j]
			if c.Type != res.Types[j] || c.Len() != n || (c.Nulls != nil && len(c.Nulls) != n) {
				t.Fatalf("column %d: type %v (header %v), %d values, %d nulls, %d rows", j, c.Type, res.Types[j], c.Len(), len(c.Nulls), n)
			}
		}
		for i := range n {
			var parts []string
			if res.HasTime {
				parts = append(parts, fmt.Sprint(b.Times[i]))
			}
			for j := range b.Columns {
				if v := b.Columns[j].Value(i); v == nil {
					parts = append(parts, "null")
				} else {
					parts = append(parts, fmt.Sprint(v))
				}
			}
			rows = append(rows, strings.Join(parts, "|"))
		}
	}
}

// Builders of AST values.

func pathOf(s string) model.Path {
	p, err := model.ParsePath(s)
	if err != nil {
		// Suffix paths do not start with root: parse them under it.
		if p, err = model.ParsePath("root." + s); err != nil {
			panic(err)
		}
		return p[1:]
	}
	return p
}

func col(s string) *ast.PathExpr { return &ast.PathExpr{Path: pathOf(s)} }

func num(v int64) *ast.Literal {
	return &ast.Literal{Kind: ast.IntLit, Int: v, Raw: fmt.Sprint(v)}
}

func flt(v float64) *ast.Literal {
	return &ast.Literal{Kind: ast.FloatLit, Float: v, Raw: fmt.Sprint(v)}
}

func str(s string) *ast.Literal { return &ast.Literal{Kind: ast.StringLit, Str: s, Raw: "'" + s + "'"} }

func boolean(b bool) *ast.Literal { return &ast.Literal{Kind: ast.BoolLit, Bool: b} }

func dt(s string) *ast.Literal { return &ast.Literal{Kind: ast.DateTimeLit, Str: s, Raw: s} }

func bin(l ast.Expr, op string, r ast.Expr) *ast.Binary { return &ast.Binary{Op: op, L: l, R: r} }

func and(l, r ast.Expr) *ast.Binary { return bin(l, "AND", r) }

func timeCol() *ast.TimeExpr { return &ast.TimeExpr{} }

func fn(name string, args ...ast.Expr) *ast.Call { return &ast.Call{Name: name, Args: args} }

// qb builds a Select.
type qb struct{ s *ast.Select }

func sel(items ...ast.Expr) *qb {
	s := &ast.Select{Limit: -1, SLimit: -1}
	for _, e := range items {
		s.Items = append(s.Items, ast.SelectItem{Expr: e})
	}
	return &qb{s}
}

func (b *qb) as(alias string) *qb {
	b.s.Items[len(b.s.Items)-1].Alias = alias
	return b
}

func (b *qb) from(paths ...string) *qb {
	for _, p := range paths {
		b.s.From = append(b.s.From, pathOf(p))
	}
	return b
}

func (b *qb) where(e ast.Expr) *qb {
	b.s.Where = e
	return b
}

func (b *qb) limit(limit, offset int64) *qb {
	b.s.Limit, b.s.Offset = limit, offset
	return b
}

func (b *qb) slimit(limit, offset int64) *qb {
	b.s.SLimit, b.s.SOffset = limit, offset
	return b
}

func (b *qb) desc() *qb {
	b.s.OrderDesc = true
	return b
}

func (b *qb) byDevice() *qb {
	b.s.AlignByDevice = true
	return b
}

func (b *qb) last() *qb {
	b.s.Last = true
	return b
}

func (b *qb) groupBy(start, end ast.Expr, interval, step ast.Duration, leftOpen bool) *qb {
	b.s.GroupBy = &ast.GroupByTime{Start: start, End: end, Interval: interval, Step: step, LeftOpen: leftOpen}
	return b
}

func ms(n int64) ast.Duration { return ast.Duration{Millis: n} }

// fullRange is the scan range of a query without time condition.
var fullRange = fmt.Sprintf("[%d, %d]", int64(math.MinInt64), int64(math.MaxInt64))
