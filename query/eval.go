package query

import (
	"math"
	"regexp"
	"strings"

	"github.com/sluicedb/sluice/model"
)

// rowCtx is the row an expression is evaluated on: row i of a merged batch.
type rowCtx struct {
	t    int64
	cols []model.Column
	i    int
	// err is the first failure of an evaluation that cannot yield a value
	// (a CAST out of range); the query stops with it.
	err error
}

// node is a compiled expression.
type node interface {
	eval(r *rowCtx) value
}

type colNode struct{ idx int }

func (n colNode) eval(r *rowCtx) value { return colValue(&r.cols[n.idx], r.i) }

type timeNode struct{}

func (timeNode) eval(r *rowCtx) value { return value{k: kInt, i: r.t} }

type constNode struct{ v value }

func (n constNode) eval(*rowCtx) value { return n.v }

type arithNode struct {
	op   byte
	l, r node
}

func (n arithNode) eval(r *rowCtx) value {
	a, b := n.l.eval(r), n.r.eval(r)
	if a.k == kNull || b.k == kNull {
		return nullValue
	}
	x, y := a.num(), b.num()
	var f float64
	switch n.op {
	case '+':
		f = x + y
	case '-':
		f = x - y
	case '*':
		f = x * y
	case '/':
		f = x / y
	case '%':
		f = math.Mod(x, y)
	}
	return value{k: kFloat, f: f}
}

type negNode struct{ x node }

func (n negNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	v.i, v.f = -v.i, -v.f
	return v
}

type cmpNode struct {
	op   string
	l, r node
}

func (n cmpNode) eval(r *rowCtx) value {
	a, b := n.l.eval(r), n.r.eval(r)
	if a.k == kNull || b.k == kNull {
		return nullValue
	}
	return boolValue(compareOp(n.op, compareValues(a, b)))
}

func compareOp(op string, c int) bool {
	switch op {
	case "=", "==":
		return c == 0
	case "!=", "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	panic("BUG: comparison operator " + op)
}

func boolValue(b bool) value { return value{k: kBool, b: b} }

// andNode and orNode follow SQL's three-valued logic: null AND false is
// false, null OR true is true, otherwise null wins.
type andNode struct{ l, r node }

func (n andNode) eval(r *rowCtx) value {
	a := n.l.eval(r)
	if a.k == kBool && !a.b {
		return a
	}
	b := n.r.eval(r)
	if b.k == kBool && !b.b {
		return b
	}
	if a.k == kNull || b.k == kNull {
		return nullValue
	}
	return boolValue(true)
}

type orNode struct{ l, r node }

func (n orNode) eval(r *rowCtx) value {
	a := n.l.eval(r)
	if a.isTrue() {
		return a
	}
	b := n.r.eval(r)
	if b.isTrue() {
		return b
	}
	if a.k == kNull || b.k == kNull {
		return nullValue
	}
	return boolValue(false)
}

type notNode struct{ x node }

func (n notNode) eval(r *rowCtx) value {
	v := n.x.eval(r)
	if v.k == kNull {
		return v
	}
	return boolValue(!v.b)
}

type betweenNode struct {
	x, lo, hi node
	not       bool
}

func (n betweenNode) eval(r *rowCtx) value {
	x, lo, hi := n.x.eval(r), n.lo.eval(r), n.hi.eval(r)
	if x.k == kNull || lo.k == kNull || hi.k == kNull {
		return nullValue
	}
	in := compareValues(x, lo) >= 0 && compareValues(x, hi) <= 0
	return boolValue(in != n.not)
}

type inNode struct {
	x    node
	list []value
	not  bool
}

func (n inNode) eval(r *rowCtx) value {
	x := n.x.eval(r)
	if x.k == kNull {
		return nullValue
	}
	found := false
	for _, v := range n.list {
		if compareValues(x, v) == 0 {
			found = true
			break
		}
	}
	return boolValue(found != n.not)
}

type isNullNode struct {
	x   node
	not bool
}

func (n isNullNode) eval(r *rowCtx) value {
	return boolValue((n.x.eval(r).k == kNull) != n.not)
}

type likeNode struct {
	x   node
	re  *regexp.Regexp
	not bool
}

func (n likeNode) eval(r *rowCtx) value {
	x := n.x.eval(r)
	if x.k == kNull {
		return nullValue
	}
	return boolValue(n.re.MatchString(x.s) != n.not)
}

// likeRegexp translates a LIKE pattern: % is any run, _ one character and
// a backslash escapes the next character.
func likeRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
