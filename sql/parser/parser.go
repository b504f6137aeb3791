package parser

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Parse reads ;-separated statements. Empty statements are skipped, so a
// trailing ; is fine and input with only comments yields none. A syntax
// error is always an *Error.
func Parse(sql string) ([]ast.Statement, error) {
	toks, lerr := lex(sql)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{src: sql, toks: toks}
	var stmts []ast.Statement
	for {
		for p.acceptPunct(";") {
		}
		if p.peek().kind == tokEOF {
			return stmts, nil
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
		if t := p.peek(); t.kind != tokEOF && !isPunct(t, ";") {
			return nil, p.unexpected(t, "';'", "<EOF>")
		}
	}
}

// parser walks the token list; each method consumes one construct and
// returns an *Error (as error) when the input does not fit.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int // expression nesting, bounded so deep input cannot exhaust the stack
}

// statementKeywords are the words a statement may start with.
var statementKeywords = []string{"ALTER", "COUNT", "CREATE", "DELETE", "DROP", "EXPLAIN", "FLUSH", "GRANT",
	"INSERT", "KILL", "LIST", "LOAD", "REMOVE", "REVOKE", "SELECT", "SET", "SHOW", "START", "STOP", "UNSET"}

func (p *parser) statement() (ast.Statement, error) {
	kw, err := p.keyword(statementKeywords...)
	if err != nil {
		return nil, err
	}
	switch kw {
	case "SELECT":
		return p.selectStmt()
	case "INSERT":
		return p.insert()
	case "DELETE":
		return p.deleteStmt()
	case "FLUSH":
		return p.flush()
	case "CREATE":
		return p.create()
	case "DROP":
		return p.drop()
	case "SET":
		return p.set()
	case "UNSET":
		return p.unsetTTL()
	case "SHOW":
		return p.show()
	case "COUNT":
		return p.countStmt()
	case "ALTER":
		if p.acceptKw("PIPE") {
			return p.alterPipe()
		}
		if p.acceptKw("TIMESERIES") {
			return p.alterTimeseries()
		}
		return p.alterUser()
	case "GRANT":
		return p.grant()
	case "REVOKE":
		return p.revoke()
	case "LIST":
		return p.list()
	case "LOAD":
		return p.load()
	case "START":
		return p.startPipe()
	case "REMOVE":
		return p.removeConfigNode()
	case "EXPLAIN":
		return p.explain()
	case "KILL":
		return p.kill()
	default: // STOP
		return p.stopPipe()
	}
}

// --- token access ---

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt looks n tokens ahead; past the end it returns the EOF token.
func (p *parser) peekAt(n int) token {
	if p.i+n >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+n]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.text == s }

func (p *parser) isKw(kw string) bool { return isKw(p.peek(), kw) }

func (p *parser) isPunct(s string) bool { return isPunct(p.peek(), s) }

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.next()
		return true
	}
	return false
}

// expectKw consumes the keywords kws in order.
func (p *parser) expectKw(kws ...string) error {
	for _, kw := range kws {
		if !p.acceptKw(kw) {
			return p.unexpected(p.peek(), kw)
		}
	}
	return nil
}

func (p *parser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return p.unexpected(p.peek(), "'"+s+"'")
	}
	return nil
}

// keyword consumes one of alts and returns it upper-cased.
func (p *parser) keyword(alts ...string) (string, error) {
	t := p.peek()
	for _, kw := range alts {
		if isKw(t, kw) {
			p.next()
			return kw, nil
		}
	}
	return "", p.unexpected(t, alts...)
}

// --- errors ---

// raw returns a token's text as written, or <EOF>.
func (p *parser) raw(t token) string {
	if t.kind == tokEOF {
		return "<EOF>"
	}
	return p.src[t.pos:t.end]
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return newError(p.src, t.pos, fmt.Sprintf(format, args...))
}

// unexpected reports t where one of alts was expected.
func (p *parser) unexpected(t token, alts ...string) error {
	return p.errorf(t, "mismatched input '%s' expecting %s", p.raw(t), expecting(alts))
}

// --- names and paths ---

// name reads an identifier: unquoted, digit-led (a2b, 1st) or back-quoted.
func (p *parser) name(what string) (string, error) {
	t := p.peek()
	switch t.kind {
	case tokIdent, tokWord, tokQuoted:
		p.next()
		return t.text, nil
	}
	return "", p.unexpected(t, what)
}

func isRoot(t token) bool {
	return isKw(t, "root") || (t.kind == tokQuoted && t.text == "root")
}

// node reads one path node.
func (p *parser) node(wildcards bool) (string, error) {
	t := p.peek()
	switch t.kind {
	case tokIdent, tokWord, tokQuoted:
		p.next()
		return t.text, nil
	case tokFloat:
		if !strings.ContainsAny(t.text, ".+-") { // 1e3 is a name
			p.next()
			return t.text, nil
		}
	case tokPunct:
		if t.text == model.OneLevel || t.text == model.MultiLevel {
			if !wildcards {
				return "", p.errorf(t, "wildcard '%s' is not allowed in this path", t.text)
			}
			p.next()
			return t.text, nil
		}
	}
	if t.kind == tokInt || t.kind == tokFloat || t.kind == tokDateTime {
		return "", p.errorf(t, "path node '%s' must be back-quoted: a node may not be a number", p.raw(t))
	}
	return "", p.unexpected(t, "a path node")
}

// pathFrom reads the nodes that follow first (already consumed) as .node.
func (p *parser) pathFrom(first string, wildcards bool) (model.Path, error) {
	path := model.Path{first}
	for p.acceptPunct(".") {
		n, err := p.node(wildcards)
		if err != nil {
			return nil, err
		}
		path = append(path, n)
	}
	return path, nil
}

// fullPath reads a path that starts with root.
func (p *parser) fullPath(wildcards bool) (model.Path, error) {
	t := p.peek()
	if !isRoot(t) {
		switch t.kind {
		case tokIdent, tokWord, tokQuoted:
			return nil, p.errorf(t, "path must start with root, got '%s'", p.raw(t))
		case tokPunct:
			if t.text == "*" || t.text == "**" {
				return nil, p.errorf(t, "path must start with root, got '%s'", p.raw(t))
			}
		}
		return nil, p.unexpected(t, "a path")
	}
	p.next()
	return p.pathFrom("root", wildcards)
}

// fullPaths reads path {, path}.
func (p *parser) fullPaths(wildcards bool) ([]model.Path, error) {
	var out []model.Path
	for {
		path, err := p.fullPath(wildcards)
		if err != nil {
			return nil, err
		}
		out = append(out, path)
		if !p.acceptPunct(",") {
			return out, nil
		}
	}
}

// optPath reads a path if one starts here (SHOW TIMESERIES [root...]).
func (p *parser) optPath() (model.Path, error) {
	if !isRoot(p.peek()) {
		return nil, nil
	}
	return p.fullPath(true)
}

// --- literals ---

// nonNegInt reads a non-negative integer.
func (p *parser) nonNegInt(what string) (int64, error) {
	t := p.peek()
	if t.kind != tokInt {
		return 0, p.unexpected(t, what)
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, p.errorf(t, "%s %s is out of range", what, t.text)
	}
	p.next()
	return n, nil
}

// numberLit makes a literal of the Int or Float token t, negated if neg.
// An integer beyond int64 becomes a float literal.
func (p *parser) numberLit(t token, neg bool, raw string) (*ast.Literal, error) {
	text := t.text
	if neg {
		text = "-" + text
	}
	if t.kind == tokInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &ast.Literal{Kind: ast.IntLit, Int: n, Raw: raw}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, p.errorf(t, "number '%s' is out of range", text)
	}
	return &ast.Literal{Kind: ast.FloatLit, Float: f, Raw: raw}, nil
}

// literal reads a constant: a signed number, string, date-time, true,
// false or null.
func (p *parser) literal() (*ast.Literal, error) {
	t := p.peek()
	switch t.kind {
	case tokInt, tokFloat:
		p.next()
		return p.numberLit(t, false, p.raw(t))
	case tokString:
		p.next()
		return &ast.Literal{Kind: ast.StringLit, Str: t.text, Raw: p.raw(t)}, nil
	case tokDateTime:
		p.next()
		return &ast.Literal{Kind: ast.DateTimeLit, Str: t.text, Raw: p.raw(t)}, nil
	case tokPunct:
		if t.text == "-" || t.text == "+" {
			if n := p.peekAt(1); n.kind == tokInt || n.kind == tokFloat {
				p.next()
				p.next()
				return p.numberLit(n, t.text == "-", p.src[t.pos:n.end])
			}
		}
	case tokIdent:
		switch strings.ToUpper(t.text) {
		case "TRUE", "FALSE":
			p.next()
			return &ast.Literal{Kind: ast.BoolLit, Bool: strings.EqualFold(t.text, "true"), Raw: t.text}, nil
		case "NULL":
			p.next()
			return &ast.Literal{Kind: ast.NullLit, Raw: t.text}, nil
		}
	}
	return nil, p.unexpected(t, "a constant")
}
