package query

import (
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestRegexpFilter(t *testing.T) {
	re := func(p string, not bool) *ast.Like { return &ast.Like{X: col("s5"), Pattern: p, Not: not, Regexp: true} }
	runCases(t, []queryCase{{
		name: "found anywhere in the value",
		q:    sel(col("s5")).from("root.sg.d1").where(re("b", false)),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"2|b", "5|abc"},
	}, {
		name: "anchored",
		q:    sel(col("s5")).from("root.sg.d1").where(re("^a", false)),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"1|a", "5|abc"},
	}, {
		name: "NOT REGEXP with classes and repetition",
		q:    sel(col("s5")).from("root.sg.d1").where(re(`^[a-c]{2,}$`, true)),
		cols: []string{"root.sg.d1.s5"},
		rows: []string{"1|a", "2|b"},
	}, {
		name: "a null matches neither REGEXP nor NOT REGEXP",
		q:    sel(col("s1"), col("s5")).from("root.sg.d1").where(re("zzz", true)),
		cols: []string{"root.sg.d1.s1", "root.sg.d1.s5"},
		rows: []string{"1|1|a", "2|2|b", "5|5|abc"},
	}, {
		name:    "lookahead is refused by RE2",
		q:       sel(col("s5")).from("root.sg.d1").where(re("a(?=b)", false)),
		errCode: status.SemanticError,
		errText: "illegal REGEXP pattern \"a(?=b)\"",
	}, {
		name:    "backreference is refused",
		q:       sel(col("s5")).from("root.sg.d1").where(re(`(a)\1`, false)),
		errCode: status.SemanticError,
		errText: "without backreferences or lookaround",
	}, {
		name:    "numeric column",
		q:       sel(col("s1")).from("root.sg.d1").where(&ast.Like{X: col("s1"), Pattern: "1", Regexp: true}),
		errCode: status.SemanticError,
		errText: "TEXT",
	}})
}
