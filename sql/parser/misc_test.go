package parser

import (
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestSchemaNavigation(t *testing.T) {
	runParseCases(t, []parseCase{
		{"COUNT DATABASES", &ast.CountDatabases{}},
		{"count databases root.ln.**", &ast.CountDatabases{Pattern: fp("root.ln.**")}},
		{"count storage group root.*", &ast.CountDatabases{Pattern: fp("root.*")}},
		{"SHOW CHILD PATHS", &ast.ShowChildPaths{}},
		{"show child paths root.ln.*", &ast.ShowChildPaths{Pattern: fp("root.ln.*")}},
		{"SHOW CHILD NODES root.ln", &ast.ShowChildNodes{Pattern: fp("root.ln")}},
		{"show child nodes", &ast.ShowChildNodes{}},
		{"COUNT NODES root.** LEVEL=2", &ast.CountNodes{Pattern: fp("root.**"), Level: 2}},
		{"count nodes root.**.temperature level = 3", &ast.CountNodes{Pattern: fp("root.**.temperature"), Level: 3}},
		{"SHOW DEVICES root.ln.** WITH DATABASE LIMIT 2 OFFSET 1", &ast.ShowDevices{Pattern: fp("root.ln.**"), WithDatabase: true, Limit: 2, Offset: 1}},
		{"show devices with storage group", &ast.ShowDevices{WithDatabase: true, Limit: -1}},
		{"show devices root.** offset 3", &ast.ShowDevices{Pattern: fp("root.**"), Limit: -1, Offset: 3}},
	})
	runErrorCases(t, []errorCase{
		{"count nodes level=2", "line 1:12 path must start with root, got 'level'"},
		{"count nodes root.** level 2", "line 1:26 mismatched input '2' expecting '='"},
		{"count nodes root.**", "line 1:19 mismatched input '<EOF>' expecting LEVEL"},
		{"show child root", "line 1:11 mismatched input 'root' expecting {PATHS, NODES}"},
		{"show devices with root", "line 1:18 mismatched input 'root' expecting {DATABASE, STORAGE}"},
		{"count storage root", "line 1:14 mismatched input 'root' expecting GROUP"},
	})
}

func TestRegexp(t *testing.T) {
	where := func(x ast.Expr) *ast.Select {
		s := sel("root.sg.d1", pe("s1"))
		s.Where = x
		return s
	}
	runParseCases(t, []parseCase{
		{"select s1 from root.sg.d1 where s1 regexp '^[A-Z]+$'", where(&ast.Like{X: pe("s1"), Pattern: "^[A-Z]+$", Regexp: true})},
		{"select s1 from root.sg.d1 where s1 NOT REGEXP 'a\\d'", where(&ast.Like{X: pe("s1"), Pattern: `a\d`, Regexp: true, Not: true})},
		{"select s1 from root.sg.d1 where s1 not like 'a%' and s2 regexp 'b'", where(bin("AND",
			&ast.Like{X: pe("s1"), Pattern: "a%", Not: true}, &ast.Like{X: pe("s2"), Pattern: "b", Regexp: true}))},
	})
	runErrorCases(t, []errorCase{
		{"select s1 from root.sg.d1 where s1 regexp s2", "line 1:42 mismatched input 's2' expecting a string literal"},
		{"select regexp from root.sg.d1", "line 1:7 mismatched input 'regexp' expecting an expression"},
	})
}

func TestOrderBy(t *testing.T) {
	order := func(s *ast.Select, desc, byDevice bool, keys ...ast.OrderItem) *ast.Select {
		s.OrderDesc, s.AlignByDevice, s.OrderBy = desc, byDevice, keys
		return s
	}
	dev := func(desc bool) ast.OrderItem { return ast.OrderItem{Key: ast.SortDevice, Desc: desc} }
	tm := func(desc bool) ast.OrderItem { return ast.OrderItem{Key: ast.SortTime, Desc: desc} }
	last := func() *ast.Select { s := sel("root.**", pe("*")); s.Last = true; return s }
	runParseCases(t, []parseCase{
		{"select * from root.** order by device align by device", order(sel("root.**", pe("*")), false, true, dev(false))},
		{"select * from root.** ORDER BY DEVICE DESC, TIME ASC ALIGN BY DEVICE", order(sel("root.**", pe("*")), false, true, dev(true), tm(false))},
		{"select * from root.** order by time desc, device desc align by device", order(sel("root.**", pe("*")), true, true, tm(true), dev(true))},
		{"select * from root.** order by timestamp desc", order(sel("root.**", pe("*")), true, false, tm(true))},
		{"select last * from root.** order by timeseries desc", order(last(), false, false, ast.OrderItem{Key: ast.SortTimeseries, Desc: true})},
		{"select last * from root.** order by timeseries asc", order(last(), false, false, ast.OrderItem{Key: ast.SortTimeseries})},
	})
	runErrorCases(t, []errorCase{
		{"select * from root.** order by device, device align by device", "line 1:39 duplicate DEVICE in ORDER BY"},
		{"select * from root.** order by s1", "line 1:31 mismatched input 's1' expecting {TIME, TIMESTAMP, DEVICE, TIMESERIES}"},
	})
}

func TestInsertTimeForms(t *testing.T) {
	one := func(tm ast.Expr, v *ast.Literal) *ast.Insert {
		return &ast.Insert{Device: fp("root.x"), Measurements: []string{"s"},
			Rows: []ast.InsertRow{{Time: tm, Values: []*ast.Literal{v}}}}
	}
	runParseCases(t, []parseCase{
		{"INSERT INTO root.x(time, s) VALUES (now() - 2h, 1)", one(bin("-", now(), intLit(7200000, "2h")), intLit(1, "1"))},
		{"insert into root.x(time, s) values (now() + 1d - 30m, 1)", one(bin("-", bin("+", now(), intLit(86400000, "1d")), intLit(1800000, "30m")), intLit(1, "1"))},
		{"insert into root.x(timestamp, s) values (2024-01-01T00:00:00 + 1h, 'a')", one(bin("+", dtLit("2024-01-01T00:00:00", "2024-01-01T00:00:00"), intLit(3600000, "1h")), strLit("a", "'a'"))},
		{"insert into root.x(time, s) values (100 - 10, 1)", one(bin("-", intLit(100, "100"), intLit(10, "10")), intLit(1, "1"))},
		{"INSERT INTO root.x(s) VALUES (1)", one(nil, intLit(1, "1"))},
		{"insert into root.x(s, t) aligned values (true, 'v')", &ast.Insert{Device: fp("root.x"), Aligned: true, Measurements: []string{"s", "t"},
			Rows: []ast.InsertRow{{Values: []*ast.Literal{boolLit(true, "true"), strLit("v", "'v'")}}}}},
		{"insert into root.x(`time`) values (1)", &ast.Insert{Device: fp("root.x"), Measurements: []string{"time"},
			Rows: []ast.InsertRow{{Values: []*ast.Literal{intLit(1, "1")}}}}},
	})
	runErrorCases(t, []errorCase{
		{"INSERT INTO root.x(s) VALUES (1), (2)", "line 1:34 need timestamps when insert multi rows"},
		{"insert into root.x(s, time) values (1, 2)", "line 1:22 'time' is reserved and cannot name a measurement"},
		{"insert into root.x(time, s) values (now() - 1mo, 1)", "line 1:44 duration '1mo' counts months or years, which have no fixed length here"},
		{"insert into root.x(s) values (1, 2)", "line 1:29 row 1 has 2 values for 1 measurements"},
		{"insert into root.x() values (1)", "line 1:19 mismatched input ')' expecting a path node"},
	})
}
