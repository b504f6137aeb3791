package datanode

import (
	"cmp"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// queryRow is one row of SHOW QUERIES.
type queryRow struct {
	start     int64 // the Time column: when the query started
	id        string
	node      int32
	elapsed   float32 // seconds
	statement string
}

// queryCell is a value of a SHOW QUERIES column or a constant: a number
// or a string.
type queryCell struct {
	num   float64
	str   string
	isStr bool
}

// column returns the cell of the column called name (case-insensitive).
func (r queryRow) column(name string) (queryCell, bool) {
	switch strings.ToLower(name) {
	case "time":
		return queryCell{num: float64(r.start)}, true
	case "queryid":
		return queryCell{str: r.id, isStr: true}, true
	case "datanodeid":
		return queryCell{num: float64(r.node)}, true
	case "elapsedtime":
		return queryCell{num: float64(r.elapsed)}, true
	case "statement":
		return queryCell{str: r.statement, isStr: true}, true
	}
	return queryCell{}, false
}

// errQueriesWhere is what SHOW QUERIES' WHERE takes.
func errQueriesWhere(what string) error {
	return status.Errorf(status.SemanticError,
		"SHOW QUERIES WHERE compares its columns (Time, QueryId, DataNodeId, ElapsedTime, Statement) with constants, joined by AND, OR and NOT: %s", what)
}

// filterQueries keeps the rows where holds.
func filterQueries(rows []queryRow, where ast.Expr, opts query.Options) ([]queryRow, error) {
	if where == nil {
		return rows, nil
	}
	var out []queryRow
	for _, r := range rows {
		ok, err := r.holds(where, opts)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	if len(rows) == 0 { // check the condition even with nothing to filter
		if _, err := (queryRow{}).holds(where, opts); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r queryRow) holds(e ast.Expr, opts query.Options) (bool, error) {
	switch e := e.(type) {
	case *ast.Unary:
		if e.Op == "NOT" {
			ok, err := r.holds(e.X, opts)
			return !ok, err
		}
	case *ast.Binary:
		switch e.Op {
		case "AND", "OR":
			l, err := r.holds(e.L, opts)
			if err != nil {
				return false, err
			}
			rr, err := r.holds(e.R, opts)
			if e.Op == "AND" {
				return l && rr, err
			}
			return l || rr, err
		case "=", "!=", "<", "<=", ">", ">=":
			l, err := r.operand(e.L, opts)
			if err != nil {
				return false, err
			}
			rv, err := r.operand(e.R, opts)
			if err != nil {
				return false, err
			}
			if l.isStr != rv.isStr {
				return false, errQueriesWhere("a string compared with a number")
			}
			c := cmp.Compare(l.num, rv.num)
			if l.isStr {
				c = strings.Compare(l.str, rv.str)
			}
			switch e.Op {
			case "=":
				return c == 0, nil
			case "!=":
				return c != 0, nil
			case "<":
				return c < 0, nil
			case "<=":
				return c <= 0, nil
			case ">":
				return c > 0, nil
			}
			return c >= 0, nil
		}
	}
	return false, errQueriesWhere("unsupported condition")
}

func (r queryRow) operand(e ast.Expr, opts query.Options) (queryCell, error) {
	switch e := e.(type) {
	case *ast.TimeExpr:
		return queryCell{num: float64(r.start)}, nil
	case *ast.PathExpr:
		if len(e.Path) == 1 {
			if c, ok := r.column(e.Path[0]); ok {
				return c, nil
			}
		}
		return queryCell{}, errQueriesWhere("no column " + e.Path.String())
	case *ast.Literal:
		switch e.Kind {
		case ast.IntLit:
			return queryCell{num: float64(e.Int)}, nil
		case ast.FloatLit:
			return queryCell{num: e.Float}, nil
		case ast.StringLit:
			return queryCell{str: e.Str, isStr: true}, nil
		case ast.DateTimeLit:
			t, err := query.ResolveTime(e, opts)
			return queryCell{num: float64(t)}, err
		}
	}
	return queryCell{}, errQueriesWhere("unsupported operand")
}

// sortQueries orders the rows by keys; without keys, by start time.
func sortQueries(rows []queryRow, keys []ast.ColumnOrder) error {
	if len(keys) == 0 {
		keys = []ast.ColumnOrder{{Column: "Time"}}
	}
	for _, k := range keys {
		if _, ok := (queryRow{}).column(k.Column); !ok {
			return status.Errorf(status.SemanticError, "SHOW QUERIES cannot be ordered by %s: its columns are Time, QueryId, DataNodeId, ElapsedTime, Statement", k.Column)
		}
	}
	slices.SortStableFunc(rows, func(a, b queryRow) int {
		for _, k := range keys {
			x, _ := a.column(k.Column)
			y, _ := b.column(k.Column)
			c := cmp.Compare(x.num, y.num)
			if x.isStr {
				c = strings.Compare(x.str, y.str)
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return nil
}

// pageQueries applies OFFSET and LIMIT (-1: none).
func pageQueries(rows []queryRow, offset, limit int64) []queryRow {
	if offset >= int64(len(rows)) {
		return nil
	}
	rows = rows[offset:]
	if limit >= 0 && limit < int64(len(rows)) {
		rows = rows[:limit]
	}
	return rows
}
