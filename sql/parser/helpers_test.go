package parser

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// parseCase is one statement and the AST it must produce.
type parseCase struct {
	sql  string
	want ast.Statement
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			got, err := Parse(c.sql)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.sql, err)
			}
			if len(got) != 1 {
				t.Fatalf("Parse(%q) = %d statements, want 1: %s", c.sql, len(got), dump(got))
			}
			if !reflect.DeepEqual(got[0], c.want) {
				t.Errorf("Parse(%q)\n got %s\nwant %s", c.sql, dump(got[0]), dump(c.want))
			}
		})
	}
}

// errorCase is input that must fail with exactly this message.
type errorCase struct {
	sql string
	msg string // the full Error() text
}

func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			got, err := Parse(c.sql)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %q", c.sql, dump(got), c.msg)
			}
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse(%q) error is %T, want *Error", c.sql, err)
			}
			if err.Error() != c.msg {
				t.Errorf("Parse(%q) error\n got %q\nwant %q", c.sql, err.Error(), c.msg)
			}
			if pe.Pos < 0 || pe.Pos > len(c.sql) {
				t.Errorf("Pos %d outside input of %d bytes", pe.Pos, len(c.sql))
			}
		})
	}
}

// fp parses a full path in the model's syntax.
func fp(s string) model.Path {
	p, err := model.ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

func fps(ss ...string) []model.Path {
	out := make([]model.Path, len(ss))
	for i, s := range ss {
		out[i] = fp(s)
	}
	return out
}

// pe is a path expression of dot-separated plain nodes (suffix or full).
func pe(s string) *ast.PathExpr { return &ast.PathExpr{Path: strings.Split(s, ".")} }

func intLit(n int64, raw string) *ast.Literal {
	return &ast.Literal{Kind: ast.IntLit, Int: n, Raw: raw}
}

func floatLit(f float64, raw string) *ast.Literal {
	return &ast.Literal{Kind: ast.FloatLit, Float: f, Raw: raw}
}

func strLit(s, raw string) *ast.Literal { return &ast.Literal{Kind: ast.StringLit, Str: s, Raw: raw} }

func boolLit(b bool, raw string) *ast.Literal {
	return &ast.Literal{Kind: ast.BoolLit, Bool: b, Raw: raw}
}

func nullLit(raw string) *ast.Literal { return &ast.Literal{Kind: ast.NullLit, Raw: raw} }

func dtLit(str, raw string) *ast.Literal {
	return &ast.Literal{Kind: ast.DateTimeLit, Str: str, Raw: raw}
}

func bin(op string, l, r ast.Expr) *ast.Binary { return &ast.Binary{Op: op, L: l, R: r} }

func call(name string, args ...ast.Expr) *ast.Call { return &ast.Call{Name: name, Args: args} }

func now() *ast.Call { return &ast.Call{Name: "now"} }

var timeCol = &ast.TimeExpr{}

func items(xs ...ast.Expr) []ast.SelectItem {
	out := make([]ast.SelectItem, len(xs))
	for i, x := range xs {
		out[i] = ast.SelectItem{Expr: x}
	}
	return out
}

// sel is a SELECT of items from paths with no other clauses.
func sel(from string, xs ...ast.Expr) *ast.Select {
	return &ast.Select{Items: items(xs...), From: fps(from), Limit: -1, SLimit: -1}
}

func ms(d int64) ast.Duration { return ast.Duration{Millis: d} }

func enc(e model.Encoding) *model.Encoding { return &e }

func comp(c model.Compressor) *model.Compressor { return &c }
