package query

import (
	"context"
	"math"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Columns of a SELECT LAST result, after Time, as IoTDB 1.3 names them.
var lastColumns = []string{"Timeseries", "Value", "DataType"}

// last plans SELECT LAST: the newest point of each series (within the time
// condition), one row per series that has one, in path order (reversed by
// ORDER BY TIMESERIES DESC).
func (x *executor) last() (*model.Result, error) {
	if !x.timeOnly {
		return nil, status.Errorf(status.SemanticError, "Only time filters are supported in LAST query")
	}
	if x.sel.GroupBy != nil || x.sel.AlignByDevice {
		return nil, status.Errorf(status.SemanticError, "LAST query does not support GROUP BY or ALIGN BY DEVICE")
	}
	var series []model.Series
	seen := map[string]bool{}
	for _, it := range x.sel.Items {
		p, ok := it.Expr.(*ast.PathExpr)
		if !ok {
			return nil, status.Errorf(status.SemanticError, "LAST query only supports paths, not %s", exprString(it.Expr))
		}
		ss, err := x.res.seriesUnder(p.Path, x.sel.From)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			if k := s.Path.String(); !seen[k] {
				seen[k] = true
				series = append(series, s)
			}
		}
	}
	slices.SortFunc(series, func(a, b model.Series) int { return comparePaths(a.Path, b.Path) })
	if sortDesc(x.sel, ast.SortTimeseries) {
		slices.Reverse(series)
	}
	if err := x.checkSeriesCount(len(series)); err != nil {
		return nil, err
	}
	if len(series) == 0 {
		return emptyResult(), nil
	}
	return &model.Result{
		Columns: lastColumns,
		Types:   []model.DataType{model.Text, model.Text, model.Text},
		HasTime: true,
		Rows:    &lastRows{st: x.st, series: series, times: x.times},
	}, nil
}

// comparePaths orders paths node by node.
func comparePaths(a, b model.Path) int {
	return slices.Compare(a, b)
}

// lastRows looks up the newest point of each series as rows are pulled.
type lastRows struct {
	st     Store
	series []model.Series
	times  timeSet
	pos    int
}

func (l *lastRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	if l.pos >= len(l.series) || max <= 0 {
		return nil, nil
	}
	types := []model.DataType{model.Text, model.Text, model.Text}
	out := &model.Batch{Times: []int64{}, Columns: newColumns(types, min(max, len(l.series)-l.pos))}
	for l.pos < len(l.series) && len(out.Times) < max {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := l.series[l.pos]
		l.pos++
		t, v, ok, err := l.lastPoint(ctx, s)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		out.Times = append(out.Times, t)
		out.Columns[0].Texts = append(out.Columns[0].Texts, s.Path.String())
		out.Columns[1].Texts = append(out.Columns[1].Texts, formatValue(v, s.Type))
		out.Columns[2].Texts = append(out.Columns[2].Texts, s.Type.String())
	}
	if len(out.Times) == 0 {
		return nil, nil
	}
	return out, nil
}

// lastPoint returns the newest point of s within the time condition. The
// store's Last answers most queries; when the newest point lies outside the
// condition the matching intervals are scanned, newest first.
func (l *lastRows) lastPoint(ctx context.Context, s model.Series) (int64, value, bool, error) {
	t, v, ok, err := l.st.Last(ctx, s)
	if err != nil || !ok {
		return 0, nullValue, false, err
	}
	if l.times.contains(t) {
		return t, goValue(v), true, nil
	}
	set := l.times.clip(math.MinInt64, t)
	for i := len(set) - 1; i >= 0; i-- {
		pt, pv, found, err := scanLast(ctx, l.st, s, set[i].lo, set[i].hi)
		if err != nil || found {
			return pt, pv, found, err
		}
	}
	return 0, nullValue, false, nil
}

// scanLast returns the newest point of s in [lo, hi].
func scanLast(ctx context.Context, st Store, s model.Series, lo, hi int64) (int64, value, bool, error) {
	it, err := st.Scan(ctx, s, lo, hi)
	if err != nil {
		return 0, nullValue, false, err
	}
	defer it.Close()
	var (
		t     int64
		v     value
		found bool
	)
	for {
		times, col, err := it.Next(scanChunk)
		if err != nil {
			return 0, nullValue, false, err
		}
		if len(times) == 0 {
			return t, v, found, nil
		}
		t, v, found = times[len(times)-1], colValue(&col, len(times)-1), true
	}
}

func (l *lastRows) Close() error {
	l.pos = len(l.series)
	return nil
}
