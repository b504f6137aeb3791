package parser

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func TestParseQueryOps(t *testing.T) {
	sel := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: model.Path{"s1"}}}},
		From: []model.Path{{"root", "sg", "d1"}}, Limit: -1, SLimit: -1}
	runParseCases(t, []parseCase{
		{"explain select s1 from root.sg.d1", &ast.Explain{Query: sel}},
		{"EXPLAIN ANALYZE select s1 from root.sg.d1", &ast.Explain{Analyze: true, Query: sel}},
		{"explain analyze verbose select s1 from root.sg.d1", &ast.Explain{Analyze: true, Verbose: true, Query: sel}},
		{"show queries", &ast.ShowQueries{Limit: -1}},
		{"SHOW QUERIES WHERE ElapsedTime > 0.003 and DataNodeId = 1 ORDER BY ElapsedTime DESC, QueryId LIMIT 5 OFFSET 1", &ast.ShowQueries{
			Where: &ast.Binary{Op: "AND",
				L: &ast.Binary{Op: ">", L: &ast.PathExpr{Path: model.Path{"ElapsedTime"}}, R: &ast.Literal{Kind: ast.FloatLit, Float: 0.003, Raw: "0.003"}},
				R: &ast.Binary{Op: "=", L: &ast.PathExpr{Path: model.Path{"DataNodeId"}}, R: &ast.Literal{Kind: ast.IntLit, Int: 1, Raw: "1"}}},
			OrderBy: []ast.ColumnOrder{{Column: "ElapsedTime", Desc: true}, {Column: "QueryId"}},
			Limit:   5, Offset: 1}},
		{"show queries order by time asc", &ast.ShowQueries{Limit: -1, OrderBy: []ast.ColumnOrder{{Column: "time"}}}},
		{"KILL QUERY '20221205_114444_00003_5'", &ast.KillQuery{ID: "20221205_114444_00003_5"}},
		{"kill all queries", &ast.KillQuery{}},
	})
}

func TestParseQueryOpsErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"explain", "line 1:7 mismatched input '<EOF>' expecting SELECT"},
		{"explain analyze insert into root.a(time, s) values (1, 1)", "line 1:16 mismatched input 'insert' expecting SELECT"},
		{"kill query 20221205", "line 1:11 mismatched input '20221205' expecting a query id string"},
		{"kill query ''", "line 1:11 mismatched input '''' expecting a query id string"},
		{"kill all", "line 1:8 mismatched input '<EOF>' expecting QUERIES"},
		{"kill", "line 1:4 mismatched input '<EOF>' expecting {QUERY, ALL}"},
		{"show queries order time", "line 1:19 mismatched input 'time' expecting BY"},
		{"show queries limit 0", "line 1:19 LIMIT <N>: N should be greater than 0"},
	})
}
