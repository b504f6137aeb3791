package query

import (
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// exprString renders an expression the way IoTDB names result columns:
// full paths, operators with single spaces, parentheses only around an
// operand of lower precedence, AND and OR as & and |, NOT as !.
func exprString(e ast.Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

// precedence follows IoTDB's expression priorities.
func precedence(e ast.Expr) int {
	switch e := e.(type) {
	case *ast.Literal:
		return 1400
	case *ast.TimeExpr:
		return 1300
	case *ast.PathExpr:
		return 1200
	case *ast.Call, *ast.Cast:
		return 1100
	case *ast.Unary:
		return 1000
	case *ast.Binary:
		switch e.Op {
		case "*", "/", "%":
			return 900
		case "+", "-":
			return 800
		case "AND":
			return 300
		case "OR":
			return 200
		}
		return 600
	case *ast.Like:
		return 500
	case *ast.IsNull:
		return 475
	case *ast.Between:
		return 450
	case *ast.In:
		return 400
	}
	return 0
}

func isLeaf(e ast.Expr) bool {
	switch e.(type) {
	case *ast.Literal, *ast.TimeExpr, *ast.PathExpr:
		return true
	}
	return false
}

func writeExpr(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.PathExpr:
		b.WriteString(e.Path.String())
	case *ast.TimeExpr:
		b.WriteString("Time")
	case *ast.Literal:
		writeLiteral(b, e)
	case *ast.Cast:
		b.WriteString("CAST(")
		writeExpr(b, e.X)
		b.WriteString(" AS ")
		b.WriteString(e.Type.String())
		b.WriteByte(')')
	case *ast.Call:
		if e.Name == "round" { // IoTDB renders ROUND in capitals, places without a space
			b.WriteString("ROUND(")
			for i, a := range e.Args {
				if i > 0 {
					b.WriteByte(',')
				}
				writeExpr(b, a)
			}
			b.WriteByte(')')
			return
		}
		b.WriteString(e.Name)
		b.WriteByte('(')
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			if isAttribute(a) {
				// IoTDB prints an attribute as "key"="value".
				at := a.(*ast.Binary)
				writeExpr(b, at.L)
				b.WriteByte('=')
				writeExpr(b, at.R)
				continue
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	case *ast.Binary:
		writeOperand(b, e.L, precedence(e))
		b.WriteByte(' ')
		b.WriteString(operatorString(e.Op))
		b.WriteByte(' ')
		writeOperand(b, e.R, precedence(e))
	case *ast.Unary:
		if e.Op == "-" {
			b.WriteByte('-')
			l, isLit := e.X.(*ast.Literal)
			switch x := e.X.(type) {
			case *ast.PathExpr, *ast.Call, *ast.Cast:
				writeExpr(b, x)
				return
			}
			if isLit && !negativeLiteral(l) {
				writeExpr(b, l)
				return
			}
		} else {
			b.WriteByte('!')
			if _, isCall := e.X.(*ast.Call); isCall || isLeaf(e.X) {
				writeExpr(b, e.X)
				return
			}
		}
		b.WriteByte('(')
		writeExpr(b, e.X)
		b.WriteByte(')')
	case *ast.Between:
		writeExpr(b, e.X)
		if e.Not {
			b.WriteString(" NOT BETWEEN ")
		} else {
			b.WriteString(" BETWEEN ")
		}
		writeExpr(b, e.Lo)
		b.WriteString(" AND ")
		writeExpr(b, e.Hi)
	case *ast.In:
		if _, isCall := e.X.(*ast.Call); isCall || isLeaf(e.X) {
			writeExpr(b, e.X)
		} else {
			b.WriteByte('(')
			writeExpr(b, e.X)
			b.WriteByte(')')
		}
		if e.Not {
			b.WriteString(" NOT IN (")
		} else {
			b.WriteString(" IN (")
		}
		for i, l := range e.List {
			if i > 0 {
				b.WriteByte(',')
			}
			if l.Kind == ast.StringLit {
				b.WriteString(l.Str)
			} else {
				writeLiteral(b, l)
			}
		}
		b.WriteByte(')')
	case *ast.IsNull:
		writeExpr(b, e.X)
		if e.Not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case *ast.Like:
		writeExpr(b, e.X)
		if e.Not {
			b.WriteString(" NOT")
		}
		if e.Regexp {
			b.WriteString(" REGEXP pattern = '")
		} else {
			b.WriteString(" LIKE pattern = '")
		}
		b.WriteString(e.Pattern)
		b.WriteByte('\'')
	}
}

func writeOperand(b *strings.Builder, e ast.Expr, parent int) {
	if precedence(e) < parent {
		b.WriteByte('(')
		writeExpr(b, e)
		b.WriteByte(')')
		return
	}
	writeExpr(b, e)
}

func operatorString(op string) string {
	switch op {
	case "AND":
		return "&"
	case "OR":
		return "|"
	case "==":
		return "="
	case "<>":
		return "!="
	}
	return op
}

func writeLiteral(b *strings.Builder, l *ast.Literal) {
	switch l.Kind {
	case ast.StringLit:
		b.WriteByte('"')
		b.WriteString(l.Str)
		b.WriteByte('"')
	case ast.BoolLit:
		b.WriteString(strconv.FormatBool(l.Bool))
	case ast.NullLit:
		b.WriteString("null")
	case ast.IntLit:
		if l.Raw != "" {
			b.WriteString(l.Raw)
		} else {
			b.WriteString(strconv.FormatInt(l.Int, 10))
		}
	case ast.FloatLit:
		if l.Raw != "" {
			b.WriteString(l.Raw)
		} else {
			b.WriteString(strconv.FormatFloat(l.Float, 'g', -1, 64))
		}
	default:
		if l.Raw != "" {
			b.WriteString(l.Raw)
		} else {
			b.WriteString(l.Str)
		}
	}
}

func negativeLiteral(l *ast.Literal) bool {
	switch l.Kind {
	case ast.IntLit:
		return l.Int < 0
	case ast.FloatLit:
		return l.Float < 0
	}
	return false
}

// walkExpr calls fn on e and every expression below it.
func walkExpr(e ast.Expr, fn func(ast.Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *ast.Call:
		for _, a := range e.Args {
			walkExpr(a, fn)
		}
	case *ast.Binary:
		walkExpr(e.L, fn)
		walkExpr(e.R, fn)
	case *ast.Unary:
		walkExpr(e.X, fn)
	case *ast.Cast:
		walkExpr(e.X, fn)
	case *ast.Between:
		walkExpr(e.X, fn)
		walkExpr(e.Lo, fn)
		walkExpr(e.Hi, fn)
	case *ast.In:
		walkExpr(e.X, fn)
		for _, l := range e.List {
			walkExpr(l, fn)
		}
	case *ast.IsNull:
		walkExpr(e.X, fn)
	case *ast.Like:
		walkExpr(e.X, fn)
	}
}
