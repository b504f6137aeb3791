package parser

import (
	"strconv"

	"github.com/sluicedb/sluice/sql/ast"
)

// selectClauses are the clauses that may follow FROM/WHERE, each at most once.
var selectClauses = []string{"GROUP", "HAVING", "FILL", "ORDER", "LIMIT", "OFFSET", "SLIMIT", "SOFFSET", "ALIGN"}

// selectStmt reads the rest of SELECT [LAST] items FROM paths [WHERE] ... .
func (p *parser) selectStmt() (ast.Statement, error) {
	s := &ast.Select{Limit: -1, SLimit: -1}
	if p.isKw("LAST") {
		// LAST is a keyword unless it is a name in the first item.
		if n := p.peekAt(1); !isPunct(n, ",") && !isPunct(n, ".") && !isPunct(n, "(") && !isKw(n, "FROM") {
			p.next()
			s.Last = true
		}
	}
	for {
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		item := ast.SelectItem{Expr: x}
		if p.acceptKw("AS") {
			if item.Alias, err = p.name("an alias"); err != nil {
				return nil, err
			}
		}
		s.Items = append(s.Items, item)
		if !p.acceptPunct(",") {
			break
		}
	}
	if !p.acceptKw("FROM") {
		return nil, p.unexpected(p.peek(), "','", "FROM")
	}
	var err error
	if s.From, err = p.fullPaths(true); err != nil {
		return nil, err
	}
	if p.acceptKw("WHERE") {
		if s.Where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for {
		t := p.peek()
		kw := ""
		for _, c := range selectClauses {
			if isKw(t, c) {
				kw = c
			}
		}
		if kw == "" {
			break
		}
		if seen[kw] {
			return nil, p.errorf(t, "duplicate %s clause", kw)
		}
		seen[kw] = true
		p.next()
		if err := p.selectClause(s, kw); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tokEOF && !isPunct(t, ";") {
		var alts []string
		if s.Where == nil && len(seen) == 0 {
			alts = append(alts, "','", "WHERE")
		}
		for _, c := range selectClauses {
			if !seen[c] {
				alts = append(alts, c)
			}
		}
		return nil, p.unexpected(t, append(alts, "';'", "<EOF>")...)
	}
	return s, nil
}

func (p *parser) selectClause(s *ast.Select, kw string) error {
	var err error
	switch kw {
	case "GROUP":
		if err = p.expectKw("BY"); err == nil {
			err = p.groupBy(s)
		}
	case "HAVING":
		s.Having, err = p.expr()
	case "FILL":
		s.Fill, err = p.fill()
	case "ORDER":
		if err = p.expectKw("BY"); err != nil {
			return err
		}
		err = p.orderBy(s)
	case "LIMIT":
		s.Limit, err = p.positive("LIMIT")
	case "OFFSET":
		s.Offset, err = p.nonNegInt("an integer")
	case "SLIMIT":
		s.SLimit, err = p.positive("SLIMIT")
	case "SOFFSET":
		s.SOffset, err = p.nonNegInt("an integer")
	case "ALIGN":
		if err = p.expectKw("BY"); err != nil {
			return err
		}
		var by string
		if by, err = p.keyword("DEVICE", "TIME"); err == nil {
			s.AlignByDevice = by == "DEVICE"
		}
	}
	return err
}

// sortKeys maps the words of ORDER BY to their keys.
var sortKeys = map[string]ast.SortKey{"TIME": ast.SortTime, "TIMESTAMP": ast.SortTime,
	"DEVICE": ast.SortDevice, "TIMESERIES": ast.SortTimeseries}

// orderBy reads key [ASC|DESC] {, key [ASC|DESC]}, each key at most once.
func (p *parser) orderBy(s *ast.Select) error {
	for {
		t := p.peek()
		kw, err := p.keyword("TIME", "TIMESTAMP", "DEVICE", "TIMESERIES")
		if err != nil {
			return err
		}
		item := ast.OrderItem{Key: sortKeys[kw]}
		for _, o := range s.OrderBy {
			if o.Key == item.Key {
				return p.errorf(t, "duplicate %s in ORDER BY", kw)
			}
		}
		if !p.acceptKw("ASC") {
			item.Desc = p.acceptKw("DESC")
		}
		if item.Key == ast.SortTime {
			s.OrderDesc = item.Desc
		}
		s.OrderBy = append(s.OrderBy, item)
		if !p.acceptPunct(",") {
			return nil
		}
	}
}

// positive reads the argument of LIMIT or SLIMIT.
func (p *parser) positive(clause string) (int64, error) {
	t := p.peek()
	n, err := p.nonNegInt("an integer")
	if err == nil && n == 0 {
		return 0, p.errorf(t, "%s <N>: N should be greater than 0", clause)
	}
	return n, err
}

// groupBy reads the comma-separated attributes of GROUP BY: a time window
// ([TIME] (...)) and LEVEL = n[, m...], each at most once.
func (p *parser) groupBy(s *ast.Select) error {
	for {
		t := p.peek()
		switch {
		case isKw(t, "LEVEL"):
			if s.Levels != nil {
				return p.errorf(t, "duplicate LEVEL in GROUP BY")
			}
			p.next()
			if err := p.expectEq(); err != nil {
				return err
			}
			for {
				lt := p.peek()
				n, err := p.nonNegInt("a level")
				if err != nil {
					return err
				}
				if n > 1<<20 {
					return p.errorf(lt, "level %d is out of range", n)
				}
				s.Levels = append(s.Levels, int(n))
				if !isPunct(p.peek(), ",") || p.peekAt(1).kind != tokInt {
					break
				}
				p.next()
			}
		case isKw(t, "TIME") || isPunct(t, "("):
			if s.GroupBy != nil {
				return p.errorf(t, "duplicate time window in GROUP BY")
			}
			p.acceptKw("TIME")
			g, err := p.groupByTime()
			if err != nil {
				return err
			}
			s.GroupBy = g
		default:
			return p.unexpected(t, "'('", "TIME", "LEVEL")
		}
		if !p.acceptPunct(",") {
			return nil
		}
	}
}

// fill reads (PREVIOUS | LINEAR | constant[, duration]) after FILL.
func (p *parser) fill() (*ast.Fill, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	f := &ast.Fill{}
	switch t := p.peek(); {
	case isKw(t, "PREVIOUS"):
		p.next()
		f.Method = ast.FillPrevious
	case isKw(t, "LINEAR"):
		p.next()
		f.Method = ast.FillLinear
	default:
		lit, err := p.literal()
		if err != nil {
			return nil, p.unexpected(t, "PREVIOUS", "LINEAR", "a constant")
		}
		if lit.Kind == ast.NullLit {
			return nil, p.errorf(t, "FILL needs a non-null constant")
		}
		f.Method, f.Value = ast.FillConstant, lit
	}
	if p.isPunct(",") {
		t := p.peekAt(1)
		if f.Method != ast.FillPrevious {
			return nil, p.errorf(t, "a time bound in FILL is only supported with PREVIOUS")
		}
		p.next()
		var err error
		if f.Bound, err = p.interval(); err != nil {
			return nil, err
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, p.unexpected(p.peek(), "','", "')'")
	}
	return f, nil
}

// groupByTime reads ([start, end), interval[, step]) or (interval[, step]);
// (start, end] sets LeftOpen.
func (p *parser) groupByTime() (*ast.GroupByTime, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	g := &ast.GroupByTime{}
	if p.isPunct("[") || p.isPunct("(") {
		g.LeftOpen = p.next().text == "("
		var err error
		if g.Start, err = p.timeValue(true); err != nil {
			return nil, err
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
		if g.End, err = p.timeValue(true); err != nil {
			return nil, err
		}
		closing := ")"
		if g.LeftOpen {
			closing = "]"
		}
		if err := p.expectPunct(closing); err != nil {
			return nil, err
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
	var err error
	if g.Interval, err = p.interval(); err != nil {
		return nil, err
	}
	if p.acceptPunct(",") {
		if g.Step, err = p.interval(); err != nil {
			return nil, err
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, err
	}
	return g, nil
}

// interval reads a positive duration; a bare integer counts milliseconds.
func (p *parser) interval() (ast.Duration, error) {
	t := p.peek()
	var d ast.Duration
	switch t.kind {
	case tokWord:
		var err error
		if d, err = parseDuration(t.text); err != nil {
			return d, p.errorf(t, "bad duration '%s': %v", t.text, err)
		}
	case tokInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return d, p.errorf(t, "duration '%s' is out of range", t.text)
		}
		d.Millis = n
	default:
		return d, p.unexpected(t, "a duration")
	}
	if d.IsZero() {
		return d, p.errorf(t, "duration '%s' must be at least 1ms", t.text)
	}
	p.next()
	return d, nil
}

// timeValue reads a timestamp: an integer, a date-time (quoted or not) or
// now(); with arith, followed by + or - durations (now() - 1d).
func (p *parser) timeValue(arith bool) (ast.Expr, error) {
	x, err := p.timeTerm()
	for err == nil && arith && (p.isPunct("+") || p.isPunct("-")) {
		op := p.next().text
		t := p.peek()
		var y ast.Expr
		switch t.kind {
		case tokWord:
			d, derr := parseDuration(t.text)
			if derr != nil {
				return nil, p.errorf(t, "bad duration '%s': %v", t.text, derr)
			}
			y, err = p.durationLit(t, d)
		case tokInt:
			y, err = p.literal()
		default:
			return nil, p.unexpected(t, "a duration")
		}
		x = &ast.Binary{Op: op, L: x, R: y}
	}
	return x, err
}

func (p *parser) timeTerm() (ast.Expr, error) {
	t := p.peek()
	signed := (isPunct(t, "-") || isPunct(t, "+")) && p.peekAt(1).kind == tokInt
	switch {
	case t.kind == tokInt || t.kind == tokDateTime || signed:
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if lit.Kind == ast.FloatLit { // an integer beyond int64
			return nil, p.errorf(t, "timestamp %s is out of range", lit.Raw)
		}
		return lit, nil
	case t.kind == tokString:
		s, ok := canonicalDateTime(t.text)
		if !ok {
			return nil, p.errorf(t, "%s is not a date-time", p.raw(t))
		}
		p.next()
		return &ast.Literal{Kind: ast.DateTimeLit, Str: s, Raw: p.raw(t)}, nil
	case isKw(t, "NOW") && isPunct(p.peekAt(1), "(") && isPunct(p.peekAt(2), ")"):
		p.next()
		p.next()
		p.next()
		return &ast.Call{Name: "now"}, nil
	case t.kind == tokFloat:
		return nil, p.errorf(t, "timestamp %s must be an integer or a date-time", t.text)
	}
	return nil, p.unexpected(t, "a timestamp")
}

// insert reads INTO device([time, ]m...) [ALIGNED] VALUES (...), (...).
// Without a time column only one row may follow; it is stamped with the
// server's time.
func (p *parser) insert() (ast.Statement, error) {
	if err := p.expectKw("INTO"); err != nil {
		return nil, err
	}
	dev, err := p.fullPath(false)
	if err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	ins := &ast.Insert{Device: dev}
	timed := p.acceptKw("TIME") || p.acceptKw("TIMESTAMP")
	seen := map[string]bool{}
	for first := !timed; first || p.acceptPunct(","); first = false {
		t := p.peek()
		if isKw(t, "TIME") || isKw(t, "TIMESTAMP") {
			return nil, p.errorf(t, "'%s' is reserved and cannot name a measurement", p.raw(t))
		}
		m, err := p.node(false)
		if err != nil {
			return nil, err
		}
		if seen[m] {
			return nil, p.errorf(t, "duplicate measurement '%s'", p.raw(t))
		}
		seen[m] = true
		ins.Measurements = append(ins.Measurements, m)
	}
	if len(ins.Measurements) == 0 {
		return nil, p.unexpected(p.peek(), "','")
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, p.unexpected(p.peek(), "','", "')'")
	}
	ins.Aligned = p.acceptKw("ALIGNED")
	if err := p.expectKw("VALUES"); err != nil {
		return nil, err
	}
	for {
		open := p.peek()
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		if !timed && len(ins.Rows) == 1 {
			return nil, p.errorf(open, "need timestamps when insert multi rows")
		}
		row, err := p.insertRow(timed)
		if err != nil {
			return nil, err
		}
		if len(row.Values) != len(ins.Measurements) {
			return nil, p.errorf(open, "row %d has %d values for %d measurements", len(ins.Rows)+1,
				len(row.Values), len(ins.Measurements))
		}
		ins.Rows = append(ins.Rows, row)
		if !p.acceptPunct(",") {
			return ins, nil
		}
	}
}

// insertRow reads the rest of one row after its '(': the time (if timed),
// the values and ')'.
func (p *parser) insertRow(timed bool) (ast.InsertRow, error) {
	var row ast.InsertRow
	for first := true; first || p.acceptPunct(","); first = false {
		if first && timed {
			tv, err := p.timeValue(true)
			if err != nil {
				return row, err
			}
			row.Time = tv
			continue
		}
		v, err := p.literal()
		if err != nil {
			return row, err
		}
		row.Values = append(row.Values, v)
	}
	if err := p.expectPunct(")"); err != nil {
		return row, p.unexpected(p.peek(), "','", "')'")
	}
	return row, nil
}

// deleteStmt reads DELETE FROM ..., DELETE TIMESERIES, DELETE DATABASE and
// DELETE STORAGE GROUP.
func (p *parser) deleteStmt() (ast.Statement, error) {
	kw, err := p.keyword("FROM", "TIMESERIES", "DATABASE", "STORAGE")
	if err != nil {
		return nil, err
	}
	switch kw {
	case "TIMESERIES":
		paths, err := p.fullPaths(true)
		if err != nil {
			return nil, err
		}
		return &ast.DeleteTimeseries{Patterns: paths}, nil
	case "DATABASE", "STORAGE":
		return p.dropDatabase(kw == "STORAGE")
	}
	d := &ast.Delete{}
	if d.Paths, err = p.fullPaths(true); err != nil {
		return nil, err
	}
	if p.acceptKw("WHERE") {
		if d.Where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	return d, nil
}
