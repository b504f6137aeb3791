package parser

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// maxDepth bounds expression nesting.
const maxDepth = 200

// reserved are the words that cannot start a suffix path in an expression
// (back-quote them to use them as names); after a dot every word is a name.
var reserved = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "ORDER": true, "LIMIT": true, "OFFSET": true,
	"SLIMIT": true, "SOFFSET": true, "ALIGN": true, "AND": true, "OR": true, "NOT": true,
	"AS": true, "BETWEEN": true, "IN": true, "IS": true, "LIKE": true, "REGEXP": true, "SELECT": true,
	"FILL": true, "HAVING": true, "INTO": true,
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(p.peek(), "expression nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expr reads an expression: OR binds loosest, then AND, NOT, comparisons
// and predicates, + -, * / %, unary minus.
func (p *parser) expr() (ast.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.andExpr()
	for err == nil && (p.isKw("OR") || p.isPunct("||") || p.isPunct("|")) {
		p.next()
		var y ast.Expr
		if y, err = p.andExpr(); err == nil {
			x = &ast.Binary{Op: "OR", L: x, R: y}
		}
	}
	return x, err
}

func (p *parser) andExpr() (ast.Expr, error) {
	x, err := p.notExpr()
	for err == nil && (p.isKw("AND") || p.isPunct("&&") || p.isPunct("&")) {
		p.next()
		var y ast.Expr
		if y, err = p.notExpr(); err == nil {
			x = &ast.Binary{Op: "AND", L: x, R: y}
		}
	}
	return x, err
}

func (p *parser) notExpr() (ast.Expr, error) {
	if !p.isKw("NOT") && !p.isPunct("!") {
		return p.predicate()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next()
	x, err := p.notExpr()
	if err != nil {
		return nil, err
	}
	return &ast.Unary{Op: "NOT", X: x}, nil
}

// comparisons maps the comparison operators to ast.Binary's spelling.
var comparisons = map[string]string{
	"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}

// predicate reads a comparison, [NOT] BETWEEN, [NOT] IN, [NOT] LIKE,
// [NOT] REGEXP or IS [NOT] NULL, or just an arithmetic expression.
func (p *parser) predicate() (ast.Expr, error) {
	x, err := p.additive()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokPunct && comparisons[t.text] != "" {
		p.next()
		y, err := p.additive()
		if err != nil {
			return nil, err
		}
		if isTime(x) {
			y = timeString(y)
		} else if isTime(y) {
			x = timeString(x)
		}
		return &ast.Binary{Op: comparisons[t.text], L: x, R: y}, nil
	}
	not := false
	if n := p.peekAt(1); p.isKw("NOT") && (isKw(n, "BETWEEN") || isKw(n, "IN") || isKw(n, "LIKE") || isKw(n, "REGEXP")) {
		p.next()
		not = true
	}
	switch {
	case p.acceptKw("BETWEEN"):
		lo, err := p.additive()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := p.additive()
		if err != nil {
			return nil, err
		}
		if isTime(x) {
			lo, hi = timeString(lo), timeString(hi)
		}
		return &ast.Between{X: x, Lo: lo, Hi: hi, Not: not}, nil
	case p.acceptKw("IN"):
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		in := &ast.In{X: x, Not: not}
		for {
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			if isTime(x) {
				lit = timeString(lit).(*ast.Literal)
			}
			in.List = append(in.List, lit)
			if !p.acceptPunct(",") {
				break
			}
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return in, nil
	case p.isKw("LIKE") || p.isKw("REGEXP"):
		re := isKw(p.next(), "REGEXP")
		t := p.peek()
		if t.kind != tokString {
			return nil, p.unexpected(t, "a string literal")
		}
		p.next()
		return &ast.Like{X: x, Pattern: t.text, Not: not, Regexp: re}, nil
	case p.acceptKw("IS"):
		isNot := p.acceptKw("NOT")
		if err := p.expectKw("NULL"); err != nil {
			return nil, err
		}
		return &ast.IsNull{X: x, Not: isNot}, nil
	}
	return x, nil
}

func isTime(e ast.Expr) bool {
	_, ok := e.(*ast.TimeExpr)
	return ok
}

// timeString turns a quoted date-time compared with time into a date-time
// literal, so that time > '2017-11-01 00:00:00' means what it says.
func timeString(e ast.Expr) ast.Expr {
	lit, ok := e.(*ast.Literal)
	if !ok || lit.Kind != ast.StringLit {
		return e
	}
	if s, ok := canonicalDateTime(lit.Str); ok {
		return &ast.Literal{Kind: ast.DateTimeLit, Str: s, Raw: lit.Raw}
	}
	return e
}

// canonicalDateTime returns the canonical form of a valid date-time string.
func canonicalDateTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	dt, end, ok := scanDateTime(s, 0)
	if !ok || end != len(s) || dt.validate() != nil {
		return "", false
	}
	return dt.canonical(), true
}

func (p *parser) additive() (ast.Expr, error) {
	x, err := p.multiplicative()
	for err == nil && (p.isPunct("+") || p.isPunct("-")) {
		op := p.next().text
		var y ast.Expr
		if y, err = p.multiplicative(); err == nil {
			x = &ast.Binary{Op: op, L: x, R: y}
		}
	}
	return x, err
}

func (p *parser) multiplicative() (ast.Expr, error) {
	x, err := p.unary()
	for err == nil && (p.isPunct("*") || p.isPunct("/") || p.isPunct("%")) {
		op := p.next().text
		var y ast.Expr
		if y, err = p.unary(); err == nil {
			x = &ast.Binary{Op: op, L: x, R: y}
		}
	}
	return x, err
}

func (p *parser) unary() (ast.Expr, error) {
	t := p.peek()
	if !isPunct(t, "-") && !isPunct(t, "+") {
		return p.primary()
	}
	if n := p.peekAt(1); n.kind == tokInt || n.kind == tokFloat {
		return p.literal() // a signed number
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next()
	x, err := p.unary()
	if err != nil || t.text == "+" {
		return x, err
	}
	if lit, ok := x.(*ast.Literal); ok && lit.Kind == ast.IntLit && lit.Raw != "" && lit.Raw[0] != '-' {
		return &ast.Literal{Kind: ast.IntLit, Int: -lit.Int, Raw: "-" + lit.Raw}, nil // -1d
	}
	return &ast.Unary{Op: "-", X: x}, nil
}

func (p *parser) primary() (ast.Expr, error) {
	t := p.peek()
	switch t.kind {
	case tokInt, tokFloat, tokString, tokDateTime:
		return p.literal()
	case tokWord:
		if !isPunct(p.peekAt(1), ".") {
			if d, err := parseDuration(t.text); err == nil {
				return p.durationLit(t, d)
			}
		}
		p.next()
		return p.pathExpr(t.text)
	case tokQuoted:
		p.next()
		return p.pathExpr(t.text)
	case tokPunct:
		switch t.text {
		case "(":
			p.next()
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectPunct(")"); err != nil {
				return nil, err
			}
			return x, nil
		case model.OneLevel, model.MultiLevel:
			p.next()
			return p.pathExpr(t.text)
		}
	case tokIdent:
		u := strings.ToUpper(t.text)
		switch {
		case u == "TRUE" || u == "FALSE" || u == "NULL":
			return p.literal()
		case isPunct(p.peekAt(1), "("):
			return p.call()
		case u == "TIME" || u == "TIMESTAMP":
			p.next()
			return &ast.TimeExpr{}, nil
		case u == "ROOT":
			p.next()
			return p.pathExpr("root")
		case !reserved[u]:
			p.next()
			return p.pathExpr(t.text)
		}
	}
	return nil, p.unexpected(t, "an expression")
}

// durationLit makes an integer literal of milliseconds from a duration
// token, as in time > now() - 1d.
func (p *parser) durationLit(t token, d ast.Duration) (ast.Expr, error) {
	if d.Months != 0 {
		return nil, p.errorf(t, "duration '%s' counts months or years, which have no fixed length here", t.text)
	}
	p.next()
	return &ast.Literal{Kind: ast.IntLit, Int: d.Millis, Raw: t.text}, nil
}

func (p *parser) pathExpr(first string) (ast.Expr, error) {
	path, err := p.pathFrom(first, true)
	if err != nil {
		return nil, err
	}
	return &ast.PathExpr{Path: path}, nil
}

// call reads name(args); the name is lower-cased.
func (p *parser) call() (ast.Expr, error) {
	c := &ast.Call{Name: strings.ToLower(p.next().text)}
	p.next() // (
	if c.Name == "cast" {
		return p.cast()
	}
	if p.acceptPunct(")") {
		return c, nil
	}
	for {
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, arg)
		if c.Name == "substring" && len(c.Args) == 1 && p.isKw("FROM") {
			return p.substringFromFor(c)
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, p.unexpected(p.peek(), "','", "')'")
	}
	return c, nil
}

// cast reads x AS type) after CAST(.
func (p *parser) cast() (ast.Expr, error) {
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("AS"); err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tokIdent {
		return nil, p.unexpected(t, "a data type")
	}
	typ, err := model.ParseDataType(t.text)
	if err != nil {
		return nil, p.errorf(t, "unknown data type '%s'", t.text)
	}
	p.next()
	if err := p.expectPunct(")"); err != nil {
		return nil, err
	}
	return &ast.Cast{X: x, Type: typ}, nil
}

// substringFromFor reads the SQL form FROM start [FOR length]) of
// substring(x, after x: the same call as substring(x, start[, length]).
func (p *parser) substringFromFor(c *ast.Call) (ast.Expr, error) {
	p.next() // FROM
	for {
		n, err := p.additive()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, n)
		if len(c.Args) == 3 || !p.acceptKw("FOR") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, err
	}
	return c, nil
}
