package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Locator is implemented by a Store that knows where a series is read:
// the region owning it and the DataNode leading that region. EXPLAIN names
// them; without a Locator it says the series is read locally.
type Locator interface {
	Locate(ctx context.Context, s model.Series) (region, dataNode uint32, ok bool)
}

// Explain plans sel as Execute does, without reading any point, and
// describes the plan, one line per row: the operators from the result down
// to the reads, then the series each region's leader serves. A query that
// would fail to plan fails the same way here.
func Explain(ctx context.Context, st Store, sel *ast.Select, opts Options) ([]string, error) {
	rec := newRecorder(st)
	res, err := Execute(ctx, rec, sel, opts)
	if err != nil {
		return nil, err
	}
	_ = res.Rows.Close()
	lines := describeOperators(sel, res, opts)
	return append(lines, rec.regionLines(ctx, false, false)...), nil
}

// ExplainAnalyze runs sel to its last row and describes its plan with what
// each part did: the rows and time of the whole query, and per region (per
// series when verbose) the reads made, points returned and time spent
// reading.
func ExplainAnalyze(ctx context.Context, st Store, sel *ast.Select, opts Options, verbose bool) ([]string, error) {
	rec := newRecorder(st)
	start := rec.clock()
	res, err := Execute(ctx, rec, sel, opts)
	if err != nil {
		return nil, err
	}
	planned := rec.clock()
	var rows, batches int64
	for {
		b, err := res.Rows.Next(ctx, 1024)
		if err != nil {
			_ = res.Rows.Close()
			return nil, err
		}
		if b == nil {
			break
		}
		rows += int64(b.Len())
		batches++
	}
	if err := res.Rows.Close(); err != nil {
		return nil, err
	}
	end := rec.clock()
	lines := []string{
		fmt.Sprintf("Query: %d rows in %d batches, %s in total (planning %s, execution %s)",
			rows, batches, millis(end-start), millis(planned-start), millis(end-planned)),
	}
	lines = append(lines, describeOperators(sel, res, opts)...)
	return append(lines, rec.regionLines(ctx, true, verbose)...), nil
}

// millis formats nanoseconds as milliseconds.
func millis(ns int64) string { return fmt.Sprintf("%.3f ms", float64(ns)/1e6) }

// describeOperators lists, top down, the operators Execute chains for sel:
// the same choices, in the same order, as Execute and its plans make.
func describeOperators(sel *ast.Select, res *model.Result, opts Options) []string {
	var ops []string
	add := func(format string, args ...any) { ops = append(ops, fmt.Sprintf(format, args...)) }
	if sel.Limit >= 0 || sel.Offset > 0 {
		limit := "none"
		if sel.Limit >= 0 {
			limit = fmt.Sprint(sel.Limit)
		}
		add("Limit: offset %d, limit %s", sel.Offset, limit)
	}
	if sel.Fill != nil {
		add("Fill: %s", fillString(sel.Fill))
	}
	times, timeOnly, _ := analyzeTime(sel.Where, opts)
	agg, _ := classify(sel)
	if g := sel.GroupBy; agg && g != nil && g.Start != nil {
		// The windows bound what is read, as groupRows reads them.
		if w, err := newWindows(g, opts); err == nil && w.n > 0 {
			lo, _, _ := w.at(0)
			_, hi, _ := w.at(w.n - 1)
			times = times.clip(lo, hi)
		}
	}
	if sel.Last {
		add("Last: the newest point of each series")
	} else {
		if sel.AlignByDevice {
			add("AlignByDevice: one device after another")
		}
		if sel.SLimit >= 0 || sel.SOffset > 0 {
			add("SeriesLimit: soffset %d, slimit %d", sel.SOffset, sel.SLimit)
		}
		if sel.Having != nil {
			add("Having: %s", exprString(sel.Having))
		}
		if sel.Levels != nil {
			add("GroupByLevel: levels %v, parts merged on this DataNode", sel.Levels)
		}
		switch {
		case agg && sel.GroupBy != nil:
			add("AggregateByWindow: %s, windows of %s", aggNames(sel), durationString(sel.GroupBy.Interval))
		case agg:
			add("Aggregate: %s", aggNames(sel))
		default:
			add("Project: %d columns", len(res.Columns))
		}
		if !timeOnly {
			add("Filter: %s", exprString(sel.Where))
		}
		order := "ascending"
		if sel.OrderDesc {
			order = "descending"
		}
		if !agg {
			add("MergeByTime: %s time order", order)
		}
	}
	add("Read: %s, time %s", readMethod(sel, agg, timeOnly), timeSetString(times))
	out := []string{fmt.Sprintf("Output: %d columns (%s)", len(res.Columns)+boolInt(res.HasTime), outputNames(res))}
	for i, op := range ops {
		out = append(out, strings.Repeat("  ", i)+"└─ "+op)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func outputNames(res *model.Result) string {
	names := res.Columns
	if res.HasTime {
		names = append([]string{"Time"}, names...)
	}
	const shown = 8
	if len(names) > shown {
		return strings.Join(names[:shown], ", ") + fmt.Sprintf(", ... %d more", len(names)-shown)
	}
	return strings.Join(names, ", ")
}

// readMethod says how the series' data is read, as the plans decide it.
func readMethod(sel *ast.Select, agg, timeOnly bool) string {
	switch {
	case sel.Last && sel.Where == nil:
		return "the newest point of each series (Last)"
	case sel.Last:
		return "points scanned newest first for the newest one in range (Scan)"
	case !agg:
		return "points (Scan)"
	}
	needsPoints := !timeOnly
	walkSelect(sel, func(c *ast.Call) {
		if f, ok := aggFuncs[c.Name]; ok && f.needsPoints() {
			needsPoints = true
		}
	})
	switch {
	case needsPoints:
		return "points (Scan)"
	case sel.GroupBy != nil:
		return "chunk statistics (Stats), or points (Scan) when the windows are too many for the points they hold, chosen at run time"
	}
	return "chunk statistics (Stats)"
}

// walkSelect calls fn on every call in the select list and HAVING.
func walkSelect(sel *ast.Select, fn func(*ast.Call)) {
	visit := func(x ast.Expr) {
		if c, ok := x.(*ast.Call); ok {
			fn(c)
		}
	}
	for _, it := range sel.Items {
		walkExpr(it.Expr, visit)
	}
	if sel.Having != nil {
		walkExpr(sel.Having, visit)
	}
}

func aggNames(sel *ast.Select) string {
	var names []string
	walkSelect(sel, func(c *ast.Call) {
		if _, ok := aggFuncs[c.Name]; ok && !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
	})
	return strings.Join(names, ", ")
}

func fillString(f *ast.Fill) string {
	switch f.Method {
	case ast.FillPrevious:
		if !f.Bound.IsZero() {
			return "PREVIOUS within " + durationString(f.Bound)
		}
		return "PREVIOUS"
	case ast.FillLinear:
		return "LINEAR"
	}
	return "constant " + f.Value.Raw
}

func durationString(d ast.Duration) string {
	switch {
	case d.Months != 0 && d.Millis != 0:
		return fmt.Sprintf("%dmo%dms", d.Months, d.Millis)
	case d.Months != 0:
		return fmt.Sprintf("%dmo", d.Months)
	}
	return fmt.Sprintf("%dms", d.Millis)
}

// timeSetString prints the times a query reads as closed intervals.
func timeSetString(s timeSet) string {
	if len(s) == 0 {
		return "none"
	}
	var parts []string
	for _, iv := range s {
		parts = append(parts, fmt.Sprintf("[%s, %s]", timeBound(iv.lo), timeBound(iv.hi)))
	}
	return strings.Join(parts, " ∪ ")
}

func timeBound(t int64) string {
	switch t {
	case math.MinInt64:
		return "-∞"
	case math.MaxInt64:
		return "+∞"
	}
	return fmt.Sprint(t)
}
