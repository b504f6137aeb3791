package query

import (
	"context"
	"strings"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Options carries the session settings a query depends on.
type Options struct {
	// Zone reads date-times written without an offset and aligns GROUP BY
	// windows measured in months. Nil means time.Local.
	Zone *time.Location
	// Now is the instant now() stands for. Zero means the time Execute is
	// called.
	Now time.Time
	// MaxSeries caps how many series one query may read; 0 means no cap.
	MaxSeries int
}

func (o Options) zone() *time.Location {
	if o.Zone == nil {
		return time.Local
	}
	return o.Zone
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Execute plans sel against st and returns its result. The header is ready
// on return; rows are read from the store as the caller pulls batches, and
// the caller must Close the result's Rows. Errors carry IoTDB status codes
// (status.SemanticError for type errors and unsupported forms). A query whose
// paths match no series gives an empty result: a Time column only, no rows.
func Execute(ctx context.Context, st Store, sel *ast.Select, opts Options) (*model.Result, error) {
	if sel == nil {
		return nil, status.Errorf(status.SemanticError, "empty query")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if sel.Offset < 0 || sel.SOffset < 0 || sel.Limit < -1 || sel.SLimit < -1 {
		return nil, status.Errorf(status.SemanticError, "LIMIT, OFFSET, SLIMIT and SOFFSET must not be negative")
	}
	if err := checkOrderBy(sel); err != nil {
		return nil, err
	}
	times, exact, err := analyzeTime(sel.Where, opts)
	if err != nil {
		return nil, err
	}
	x := &executor{st: st, sel: sel, opts: opts, res: newResolver(ctx, st), times: times, timeOnly: exact}
	var res *model.Result
	switch {
	case sel.Last:
		if sel.Fill != nil || sel.Having != nil || sel.Levels != nil {
			return nil, status.Errorf(status.SemanticError, "SELECT LAST does not support FILL, HAVING or GROUP BY LEVEL")
		}
		res, err = x.last()
	default:
		var agg bool
		if agg, err = classify(sel); err != nil {
			return nil, err
		}
		switch {
		case sel.AlignByDevice:
			res, err = x.byDevice(agg)
		case agg && sel.GroupBy != nil:
			res, err = x.groupBy()
		case agg:
			res, err = x.aggregate()
		default:
			res, err = x.raw()
		}
	}
	if err != nil {
		return nil, err
	}
	if sel.Fill != nil {
		first := 0
		if sel.AlignByDevice && len(res.Columns) > 0 {
			first = 1
		}
		if res, err = withFill(res, sel.Fill, first, opts); err != nil {
			return nil, err
		}
	}
	return withLimit(res, sel.Offset, sel.Limit), nil
}

// executor holds what planning one SELECT needs.
type executor struct {
	st       Store
	sel      *ast.Select
	opts     Options
	res      *resolver
	times    timeSet // holds every time the WHERE condition admits
	timeOnly bool    // the WHERE condition is on time alone: times is exact
}

func (x *executor) checkSeriesCount(n int) error {
	if x.opts.MaxSeries > 0 && n > x.opts.MaxSeries {
		return status.Errorf(status.QueryProcessError, "the query reads %d series, more than the limit of %d", n, x.opts.MaxSeries)
	}
	return nil
}

// classify tells an aggregation from a raw query and refuses what IoTDB
// refuses: mixing the two, GROUP BY without aggregation, unknown functions,
// items without any path.
func classify(sel *ast.Select) (agg bool, err error) {
	if len(sel.Items) == 0 {
		return false, status.Errorf(status.SemanticError, "the select list is empty")
	}
	var nAgg int
	for _, it := range sel.Items {
		isAgg, err := classifyItem(it.Expr)
		if err != nil {
			return false, err
		}
		if isAgg {
			nAgg++
		}
	}
	if nAgg > 0 && nAgg < len(sel.Items) {
		return false, status.Errorf(status.SemanticError, "Raw data and aggregation hybrid query is not supported.")
	}
	if nAgg == 0 && sel.GroupBy != nil {
		return false, status.Errorf(status.SemanticError, "GROUP BY TIME needs aggregation functions in the select list")
	}
	if nAgg == 0 && sel.Levels != nil {
		return false, status.Errorf(status.SemanticError, "GROUP BY LEVEL needs aggregation functions in the select list")
	}
	if nAgg == 0 && sel.Having != nil {
		return false, status.Errorf(status.SemanticError, "HAVING needs aggregation functions in the select list")
	}
	if sel.Levels != nil && sel.AlignByDevice {
		return false, status.Errorf(status.SemanticError, "GROUP BY LEVEL does not support ALIGN BY DEVICE")
	}
	return nAgg > 0, nil
}

// classifyItem reports whether an item is an aggregation; aggregations must
// be a function of one path.
func classifyItem(e ast.Expr) (bool, error) {
	var err error
	aggs := 0
	walkExpr(e, func(x ast.Expr) {
		c, ok := x.(*ast.Call)
		if !ok || err != nil {
			return
		}
		if _, isAgg := aggFuncs[c.Name]; isAgg {
			aggs++
			return
		}
		if !isTimeConst(c) && !isScalarFunc(c.Name) {
			err = status.Errorf(status.SemanticError, "Unknown function: %s", c.Name)
		}
	})
	if err != nil {
		return false, err
	}
	if aggs == 0 {
		if !hasPath(e) {
			return false, status.Errorf(status.SemanticError, "Constant operand is not allowed: %s", exprString(e))
		}
		return false, nil
	}
	if !isBareAgg(e) {
		return true, checkOverAggs(e)
	}
	c := e.(*ast.Call)
	if aggFuncs[c.Name] == aggCountIf {
		if _, err := parseCountIf(c); err != nil {
			return false, err
		}
		nested := 0
		walkExpr(c.Args[0], func(x ast.Expr) {
			if n, ok := x.(*ast.Call); ok {
				if _, isAgg := aggFuncs[n.Name]; isAgg {
					nested++
				}
			}
		})
		if nested > 0 {
			return false, status.Errorf(status.SemanticError, "COUNT_IF: the predicate cannot hold aggregations: %s", exprString(e))
		}
		return true, nil
	}
	if aggFuncs[c.Name].isBy() {
		if len(c.Args) != 2 {
			return false, status.Errorf(status.SemanticError, "Aggregate functions [%s] should have two arguments", strings.ToUpper(c.Name))
		}
		_, xPath := c.Args[0].(*ast.PathExpr)
		_, xTime := c.Args[0].(*ast.TimeExpr)
		_, yPath := c.Args[1].(*ast.PathExpr)
		if !(xPath || xTime) || !yPath {
			return false, status.Errorf(status.SemanticError, "%s over expressions is not supported, only over series (and time): %s",
				strings.ToUpper(c.Name), exprString(e))
		}
		return true, nil
	}
	if len(c.Args) != 1 {
		return false, status.Errorf(status.SemanticError, "Aggregate functions [%s] should only have one argument", c.Name)
	}
	if _, ok := c.Args[0].(*ast.PathExpr); !ok {
		return false, status.Errorf(status.SemanticError, "aggregation over an expression is not supported: %s", exprString(e))
	}
	return true, nil
}
