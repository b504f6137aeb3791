package ast

import "github.com/sluicedb/sluice/model"

// Expr is an expression in a select list or a WHERE clause.
type Expr interface{ expr() }

// PathExpr is a path in a select list or condition: a suffix relative to the
// FROM prefixes (it may hold * and **), or a full path starting with root.
type PathExpr struct{ Path model.Path }

// TimeExpr is the reserved column "time" (or "timestamp").
type TimeExpr struct{}

// LiteralKind tells what a Literal holds.
type LiteralKind int

// Literal kinds.
const (
	IntLit      LiteralKind = iota // Int
	FloatLit                       // Float (Raw keeps the text)
	StringLit                      // Str, quoted in the source
	BoolLit                        // Bool
	NullLit                        // SQL null
	DateTimeLit                    // Str: an unquoted ISO-8601 date-time, resolved with the session's zone
)

// Literal is a constant.
type Literal struct {
	Kind  LiteralKind
	Int   int64
	Float float64
	Str   string
	Bool  bool
	Raw   string // the literal as written
}

// Call is a function call such as count(s1) or now(). Name is lower-case.
type Call struct {
	Name string
	Args []Expr
}

// Cast is CAST(x AS type).
type Cast struct {
	X    Expr
	Type model.DataType
}

// Binary is L op R. Op is one of AND OR = != < <= > >= + - * / %.
type Binary struct {
	Op   string
	L, R Expr
}

// Unary is NOT x or -x.
type Unary struct {
	Op string // "NOT" or "-"
	X  Expr
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
}

// In is x [NOT] IN (list).
type In struct {
	X    Expr
	List []*Literal
	Not  bool
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// Like is x [NOT] LIKE 'pattern' (SQL % and _ wildcards), or with Regexp
// x [NOT] REGEXP 'pattern' (a regular expression found anywhere in x).
type Like struct {
	X       Expr
	Pattern string
	Not     bool
	Regexp  bool
}

func (*PathExpr) expr() {}
func (*TimeExpr) expr() {}
func (*Literal) expr()  {}
func (*Call) expr()     {}
func (*Cast) expr()     {}
func (*Binary) expr()   {}
func (*Unary) expr()    {}
func (*Between) expr()  {}
func (*In) expr()       {}
func (*IsNull) expr()   {}
func (*Like) expr()     {}
