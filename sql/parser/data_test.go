package parser

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func TestInsert(t *testing.T) {
	runParseCases(t, []parseCase{
		{"INSERT INTO root.db.d(time, m) values (1, 1)", &ast.Insert{
			Device: fp("root.db.d"), Measurements: []string{"m"},
			Rows: []ast.InsertRow{{Time: intLit(1, "1"), Values: []*ast.Literal{intLit(1, "1")}}},
		}},
		{"insert into root.ln.wf02.wt02(timestamp, status, hardware) VALUES (2, false, 'v2'), (3, true, \"v\"\"3\")", &ast.Insert{
			Device: fp("root.ln.wf02.wt02"), Measurements: []string{"status", "hardware"},
			Rows: []ast.InsertRow{
				{Time: intLit(2, "2"), Values: []*ast.Literal{boolLit(false, "false"), strLit("v2", "'v2'")}},
				{Time: intLit(3, "3"), Values: []*ast.Literal{boolLit(true, "true"), strLit(`v"3`, `"v""3"`)}},
			},
		}},
		{"INSERT INTO root.sg.d1(time, s1, s2) ALIGNED VALUES (2017-11-01T00:00:00.123+08:00, -1.5e3, NULL)", &ast.Insert{
			Device: fp("root.sg.d1"), Aligned: true, Measurements: []string{"s1", "s2"},
			Rows: []ast.InsertRow{{
				Time:   dtLit("2017-11-01T00:00:00.123+08:00", "2017-11-01T00:00:00.123+08:00"),
				Values: []*ast.Literal{floatLit(-1500, "-1.5e3"), nullLit("NULL")},
			}},
		}},
		{"insert into root.sg.`d.1`(time, `1`, `a``b`) values(now(), 9223372036854775807, -9223372036854775808)", &ast.Insert{
			Device: model.Path{"root", "sg", "d.1"}, Measurements: []string{"1", "a`b"},
			Rows: []ast.InsertRow{{Time: now(), Values: []*ast.Literal{
				intLit(9223372036854775807, "9223372036854775807"), intLit(-9223372036854775808, "-9223372036854775808"),
			}}},
		}},
		{"insert into root.sg.d1(time, s1) values('2017-11-01 00:00:00', 99999999999999999999)", &ast.Insert{
			Device: fp("root.sg.d1"), Measurements: []string{"s1"},
			Rows: []ast.InsertRow{{
				Time:   dtLit("2017-11-01T00:00:00", "'2017-11-01 00:00:00'"),
				Values: []*ast.Literal{floatLit(99999999999999999999, "99999999999999999999")},
			}},
		}},
		{"insert into root.sg.d1(time, status, time_zone) values(-5, 'a', 2)", &ast.Insert{
			Device: fp("root.sg.d1"), Measurements: []string{"status", "time_zone"},
			Rows: []ast.InsertRow{{Time: intLit(-5, "-5"), Values: []*ast.Literal{strLit("a", "'a'"), intLit(2, "2")}}},
		}},
	})
}

func TestSelect(t *testing.T) {
	runParseCases(t, []parseCase{
		{"SELECT ** FROM root", sel("root", pe("**"))},
		{"select * from root.sg.d1", sel("root.sg.d1", pe("*"))},
		{"select s1, d1.*, *.s2, `a.b` from root.sg.**", sel("root.sg.**",
			pe("s1"), pe("d1.*"), pe("*.s2"), &ast.PathExpr{Path: model.Path{"a.b"}})},
		{"select root.sg.d1.s1, time from root.sg.d1", sel("root.sg.d1", pe("root.sg.d1.s1"), timeCol)},
		{"select status, temperature from root.ln.wf01.wt01", sel("root.ln.wf01.wt01", pe("status"), pe("temperature"))},
		{"select s1 from root.sg.d1, root.sg.d2", &ast.Select{
			Items: items(pe("s1")), From: fps("root.sg.d1", "root.sg.d2"), Limit: -1, SLimit: -1}},
		{"select count(*), COUNT(s1), sum(s1), avg(s1), min_value(s1), max_value(s1), first_value(s1), last_value(s1), min_time(s1), max_time(s1) from root.sg.d1",
			sel("root.sg.d1", call("count", pe("*")), call("count", pe("s1")), call("sum", pe("s1")), call("avg", pe("s1")),
				call("min_value", pe("s1")), call("max_value", pe("s1")), call("first_value", pe("s1")),
				call("last_value", pe("s1")), call("min_time", pe("s1")), call("max_time", pe("s1")))},
		{"select top_k(s1, 'k'='2'), abs(s1) from root.sg.d1", sel("root.sg.d1",
			call("top_k", pe("s1"), bin("=", strLit("k", "'k'"), strLit("2", "'2'"))), call("abs", pe("s1")))},
		{"select s1 + s2 * 2, -s1, (s1 - 1) / s2 % 3 from root.sg.d1", sel("root.sg.d1",
			bin("+", pe("s1"), bin("*", pe("s2"), intLit(2, "2"))),
			&ast.Unary{Op: "-", X: pe("s1")},
			bin("%", bin("/", bin("-", pe("s1"), intLit(1, "1")), pe("s2")), intLit(3, "3")))},
		{"select s1 as a, count(s2) AS `b c` from root.sg.d1", &ast.Select{
			Items: []ast.SelectItem{{Expr: pe("s1"), Alias: "a"}, {Expr: call("count", pe("s2")), Alias: "b c"}},
			From:  fps("root.sg.d1"), Limit: -1, SLimit: -1}},
		{"select last s1, s2 from root.sg.d1 where time > 10", &ast.Select{
			Last: true, Items: items(pe("s1"), pe("s2")), From: fps("root.sg.d1"),
			Where: bin(">", timeCol, intLit(10, "10")), Limit: -1, SLimit: -1}},
		{"SELECT LAST * FROM root.sg.**", &ast.Select{
			Last: true, Items: items(pe("*")), From: fps("root.sg.**"), Limit: -1, SLimit: -1}},
		{"select last from root.sg.d1", sel("root.sg.d1", pe("last"))},
		{"select last.x from root.sg.d1", sel("root.sg.d1", pe("last.x"))},
		{"select s1 from root.sg.d1 order by time desc limit 10 offset 2 slimit 3 soffset 1 align by device", &ast.Select{
			Items: items(pe("s1")), From: fps("root.sg.d1"), OrderDesc: true,
			Limit: 10, Offset: 2, SLimit: 3, SOffset: 1, AlignByDevice: true, OrderBy: []ast.OrderItem{{Desc: true}}}},
		{"select s1 from root.sg.d1 SOFFSET 1 SLIMIT 3 OFFSET 2 LIMIT 10 ORDER BY TIME ASC ALIGN BY TIME", &ast.Select{
			Items: items(pe("s1")), From: fps("root.sg.d1"), Limit: 10, Offset: 2, SLimit: 3, SOffset: 1,
			OrderBy: []ast.OrderItem{{Key: ast.SortTime}}}},
		{"select count(s1) from root.sg.d1 group by ([2017-11-01T00:00:00, 2017-11-07T23:00:00), 1d)", &ast.Select{
			Items: items(call("count", pe("s1"))), From: fps("root.sg.d1"), Limit: -1, SLimit: -1,
			GroupBy: &ast.GroupByTime{
				Start:    dtLit("2017-11-01T00:00:00", "2017-11-01T00:00:00"),
				End:      dtLit("2017-11-07T23:00:00", "2017-11-07T23:00:00"),
				Interval: ms(86400000)}}},
		{"select count(s1) from root.sg.d1 GROUP BY ((0, 100], 10ms, 5ms)", &ast.Select{
			Items: items(call("count", pe("s1"))), From: fps("root.sg.d1"), Limit: -1, SLimit: -1,
			GroupBy: &ast.GroupByTime{Start: intLit(0, "0"), End: intLit(100, "100"),
				Interval: ms(10), Step: ms(5), LeftOpen: true}}},
		{"select avg(s1) from root.sg.d1 group by ([now() - 1w, now()), 1h30m, 1mo)", &ast.Select{
			Items: items(call("avg", pe("s1"))), From: fps("root.sg.d1"), Limit: -1, SLimit: -1,
			GroupBy: &ast.GroupByTime{Start: bin("-", now(), intLit(7*86400000, "1w")), End: now(),
				Interval: ms(5400000), Step: ast.Duration{Months: 1}}}},
		{"select max_value(s1) from root.sg.d1 group by (1y)", &ast.Select{
			Items: items(call("max_value", pe("s1"))), From: fps("root.sg.d1"), Limit: -1, SLimit: -1,
			GroupBy: &ast.GroupByTime{Interval: ast.Duration{Months: 12}}}},
		{"select count(s1) from root.sg.d1 where s1 > 0 group by ([1, '2017-11-01 00:00:00'), 60000)", &ast.Select{
			Items: items(call("count", pe("s1"))), From: fps("root.sg.d1"), Limit: -1, SLimit: -1,
			Where: bin(">", pe("s1"), intLit(0, "0")),
			GroupBy: &ast.GroupByTime{Start: intLit(1, "1"), End: dtLit("2017-11-01T00:00:00", "'2017-11-01 00:00:00'"),
				Interval: ms(60000)}}},
	})
}

func TestWhere(t *testing.T) {
	where := func(cond string, want ast.Expr) parseCase {
		s := sel("root.sg.d1", pe("s1"))
		s.Where = want
		return parseCase{"select s1 from root.sg.d1 where " + cond, s}
	}
	runParseCases(t, []parseCase{
		where("time >= 2017-11-01T00:00:00 and time < 2017-11-01T16:37:50",
			bin("AND", bin(">=", timeCol, dtLit("2017-11-01T00:00:00", "2017-11-01T00:00:00")),
				bin("<", timeCol, dtLit("2017-11-01T16:37:50", "2017-11-01T16:37:50")))),
		where("timestamp > 2011.12.03T10:15:30+01:00",
			bin(">", timeCol, dtLit("2011-12-03T10:15:30+01:00", "2011.12.03T10:15:30+01:00"))),
		where("time > 2017/11/1 or time <= 2017-11-01 00:00:00.5Z",
			bin("OR", bin(">", timeCol, dtLit("2017-11-01T00:00:00", "2017/11/1")),
				bin("<=", timeCol, dtLit("2017-11-01T00:00:00.5Z", "2017-11-01 00:00:00.5Z")))),
		where("time > now() - 1d", bin(">", timeCol, bin("-", now(), intLit(86400000, "1d")))),
		where("time < '2017-11-01' and s1 = '2017-11-01'",
			bin("AND", bin("<", timeCol, dtLit("2017-11-01T00:00:00", "'2017-11-01'")),
				bin("=", pe("s1"), strLit("2017-11-01", "'2017-11-01'")))),
		where("s1 = 1 and s2 == 2 or s3 != 3 and s4 <> 4",
			bin("OR", bin("AND", bin("=", pe("s1"), intLit(1, "1")), bin("=", pe("s2"), intLit(2, "2"))),
				bin("AND", bin("!=", pe("s3"), intLit(3, "3")), bin("!=", pe("s4"), intLit(4, "4"))))),
		where("s1 < 1 && (s2 <= 2 || s3 > 3)",
			bin("AND", bin("<", pe("s1"), intLit(1, "1")),
				bin("OR", bin("<=", pe("s2"), intLit(2, "2")), bin(">", pe("s3"), intLit(3, "3"))))),
		where("not s1 >= 1.5 and !s2", bin("AND",
			&ast.Unary{Op: "NOT", X: bin(">=", pe("s1"), floatLit(1.5, "1.5"))},
			&ast.Unary{Op: "NOT", X: pe("s2")})),
		where("s1 between 1 and 10 and s2 not between -1 and 1", bin("AND",
			&ast.Between{X: pe("s1"), Lo: intLit(1, "1"), Hi: intLit(10, "10")},
			&ast.Between{X: pe("s2"), Lo: intLit(-1, "-1"), Hi: intLit(1, "1"), Not: true})),
		where("time between '2017-11-01' and 2017-11-02", &ast.Between{X: timeCol,
			Lo: dtLit("2017-11-01T00:00:00", "'2017-11-01'"), Hi: dtLit("2017-11-02T00:00:00", "2017-11-02")}),
		where("s1 in (1, -2.5, 'a', true) and s2 not in (null)", bin("AND",
			&ast.In{X: pe("s1"), List: []*ast.Literal{intLit(1, "1"), floatLit(-2.5, "-2.5"), strLit("a", "'a'"), boolLit(true, "true")}},
			&ast.In{X: pe("s2"), List: []*ast.Literal{nullLit("null")}, Not: true})),
		where("s1 is null or s2 IS NOT NULL", bin("OR",
			&ast.IsNull{X: pe("s1")}, &ast.IsNull{X: pe("s2"), Not: true})),
		where("s1 like 'ab%' and s2 not like '_c'", bin("AND",
			&ast.Like{X: pe("s1"), Pattern: "ab%"}, &ast.Like{X: pe("s2"), Pattern: "_c", Not: true})),
		where("root.sg.d1.s1 > s2 + 1", bin(">", pe("root.sg.d1.s1"), bin("+", pe("s2"), intLit(1, "1")))),
		where("status = true and d1.count > 0", bin("AND", bin("=", pe("status"), boolLit(true, "true")),
			bin(">", pe("d1.count"), intLit(0, "0")))),
		where("s1 > 1e3", bin(">", pe("s1"), floatLit(1000, "1e3"))),
	})
}

func TestDelete(t *testing.T) {
	runParseCases(t, []parseCase{
		{"DELETE FROM root.ln.wf02.wt02.status WHERE time <= 2017-11-01T16:26:00", &ast.Delete{
			Paths: fps("root.ln.wf02.wt02.status"),
			Where: bin("<=", timeCol, dtLit("2017-11-01T16:26:00", "2017-11-01T16:26:00"))}},
		{"delete from root.sg.*.s1, root.sg.d2.** where time > 4 and time < 10", &ast.Delete{
			Paths: fps("root.sg.*.s1", "root.sg.d2.**"),
			Where: bin("AND", bin(">", timeCol, intLit(4, "4")), bin("<", timeCol, intLit(10, "10")))}},
		{"delete from root.sg.d1.s1", &ast.Delete{Paths: fps("root.sg.d1.s1")}},
	})
}

func TestFlush(t *testing.T) {
	runParseCases(t, []parseCase{
		{"FLUSH", &ast.Flush{}},
		{"flush root.sg1, root.sg2", &ast.Flush{Databases: fps("root.sg1", "root.sg2")}},
		{"flush root.sg1 true on cluster", &ast.Flush{Databases: fps("root.sg1")}},
		{"flush on local", &ast.Flush{}},
	})
}

func TestMultipleStatements(t *testing.T) {
	got, err := Parse(";; select s1 from root.sg.d1;\n-- a comment\nflush ; /* block\ncomment */ show version;")
	if err != nil {
		t.Fatal(err)
	}
	want := []ast.Statement{sel("root.sg.d1", pe("s1")), &ast.Flush{}, &ast.ShowVersion{}}
	if dump(got) != dump(want) {
		t.Errorf("got %s\nwant %s", dump(got), dump(want))
	}
	for _, empty := range []string{"", " ; ;", "-- only a comment", "/* x */"} {
		if got, err := Parse(empty); err != nil || len(got) != 0 {
			t.Errorf("Parse(%q) = %s, %v; want nothing", empty, dump(got), err)
		}
	}
}

func TestSelectFillLevelHaving(t *testing.T) {
	base := func(s *ast.Select) *ast.Select {
		s.Limit, s.SLimit = -1, -1
		return s
	}
	gb := &ast.GroupByTime{Start: intLit(0, "0"), End: intLit(100, "100"), Interval: ast.Duration{Millis: 10}}
	runParseCases(t, []parseCase{
		{"select s1 from root.sg.d1 fill(previous)", base(&ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Fill: &ast.Fill{Method: ast.FillPrevious}})},
		{"select s1 from root.sg.d1 FILL(PREVIOUS, 2m) limit 3", &ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Fill: &ast.Fill{Method: ast.FillPrevious, Bound: ast.Duration{Millis: 120000}}, Limit: 3, SLimit: -1}},
		{"select s1 from root.sg.d1 fill(linear)", base(&ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Fill: &ast.Fill{Method: ast.FillLinear}})},
		{"select s1 from root.sg.d1 fill(-2.5)", base(&ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Fill: &ast.Fill{Method: ast.FillConstant, Value: floatLit(-2.5, "-2.5")}})},
		{"select s1 from root.sg.d1 fill('x') order by time desc", &ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Fill: &ast.Fill{Method: ast.FillConstant, Value: strLit("x", "'x'")}, OrderDesc: true, Limit: -1, SLimit: -1,
			OrderBy: []ast.OrderItem{{Desc: true}}}},
		{"select count(s1) from root.** group by level = 1, 3", base(&ast.Select{
			Items: items(&ast.Call{Name: "count", Args: []ast.Expr{pe("s1")}}), From: fps("root.**"), Levels: []int{1, 3}})},
		{"select count(s1) from root.** group by ([0, 100), 10ms), level = 1 having count(s1) > 1 fill(previous)", base(&ast.Select{
			Items: items(&ast.Call{Name: "count", Args: []ast.Expr{pe("s1")}}), From: fps("root.**"), GroupBy: gb, Levels: []int{1},
			Having: &ast.Binary{Op: ">", L: &ast.Call{Name: "count", Args: []ast.Expr{pe("s1")}}, R: intLit(1, "1")},
			Fill:   &ast.Fill{Method: ast.FillPrevious}})},
		{"select count(s1) from root.** group by level = 2, time([0, 100), 10ms)", base(&ast.Select{
			Items: items(&ast.Call{Name: "count", Args: []ast.Expr{pe("s1")}}), From: fps("root.**"), GroupBy: gb, Levels: []int{2}})},
		{"select s1 from root.sg.d1 where s1 > 1 & s2 < 2 | s3 = 1", base(&ast.Select{Items: items(pe("s1")), From: fps("root.sg.d1"),
			Where: &ast.Binary{Op: "OR",
				L: &ast.Binary{Op: "AND", L: &ast.Binary{Op: ">", L: pe("s1"), R: intLit(1, "1")}, R: &ast.Binary{Op: "<", L: pe("s2"), R: intLit(2, "2")}},
				R: &ast.Binary{Op: "=", L: pe("s3"), R: intLit(1, "1")}}})},
		{"select cast(s1 as text), round(s1, 2) from root.sg.d1", base(&ast.Select{
			Items: items(&ast.Cast{X: pe("s1"), Type: model.Text}, &ast.Call{Name: "round", Args: []ast.Expr{pe("s1"), intLit(2, "2")}}),
			From:  fps("root.sg.d1")})},
	})
	runErrorCases(t, []errorCase{
		{"select s1 from root.sg.d1 fill(linear, 1m)", "line 1:39 a time bound in FILL is only supported with PREVIOUS"},
		{"select s1 from root.sg.d1 fill(null)", "line 1:31 FILL needs a non-null constant"},
		{"select s1 from root.sg.d1 fill(next)", "line 1:31 mismatched input 'next' expecting {PREVIOUS, LINEAR, a constant}"},
		{"select cast(s1 as int8) from root.sg.d1", "line 1:18 unknown data type 'int8'"},
		{"select count(s1) from root.** group by level = 1, level = 2", "line 1:50 duplicate LEVEL in GROUP BY"},
	})
}
