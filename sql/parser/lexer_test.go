package parser

import (
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func TestLexTokens(t *testing.T) {
	type tk struct {
		kind tokenKind
		text string
	}
	cases := []struct {
		src  string
		want []tk
	}{
		{"root.sg.`a.b`.`x``y`", []tk{{tokIdent, "root"}, {tokPunct, "."}, {tokIdent, "sg"}, {tokPunct, "."},
			{tokQuoted, "a.b"}, {tokPunct, "."}, {tokQuoted, "x`y"}}},
		{"1 1.5 1e3 1E-3 2.5e+2 1d 1h30m 1TS 10ms", []tk{{tokInt, "1"}, {tokFloat, "1.5"}, {tokFloat, "1e3"},
			{tokFloat, "1E-3"}, {tokFloat, "2.5e+2"}, {tokWord, "1d"}, {tokWord, "1h30m"}, {tokWord, "1TS"}, {tokWord, "10ms"}}},
		{"'a''b' \"c\"\"d\" ''", []tk{{tokString, "a'b"}, {tokString, `c"d`}, {tokString, ""}}},
		{"a**b<=c<>d!=e==f>=g&&h||i!j", []tk{{tokIdent, "a"}, {tokPunct, "**"}, {tokIdent, "b"}, {tokPunct, "<="},
			{tokIdent, "c"}, {tokPunct, "<>"}, {tokIdent, "d"}, {tokPunct, "!="}, {tokIdent, "e"}, {tokPunct, "=="},
			{tokIdent, "f"}, {tokPunct, ">="}, {tokIdent, "g"}, {tokPunct, "&&"}, {tokIdent, "h"}, {tokPunct, "||"},
			{tokIdent, "i"}, {tokPunct, "!"}, {tokIdent, "j"}}},
		{"x -- comment\n/* block */ y--", []tk{{tokIdent, "x"}, {tokIdent, "y"}}},
		{"温度 _a:b#c${d}", []tk{{tokIdent, "温度"}, {tokIdent, "_a:b#c${d}"}}},
		{"2017-11-01T00:00:00 2017-11-01 00:00:00.5 2011.12.03T10:15:30+01:00 2017/1/2 2017-11-01T00:00:00Z",
			[]tk{{tokDateTime, "2017-11-01T00:00:00"}, {tokDateTime, "2017-11-01T00:00:00.5"},
				{tokDateTime, "2011-12-03T10:15:30+01:00"}, {tokDateTime, "2017-01-02T00:00:00"}, {tokDateTime, "2017-11-01T00:00:00Z"}}},
		// Not date-times: arithmetic, or a time followed by a duration.
		{"2017-11 12-11-01 2017-11-01T00:00:00-1d", []tk{{tokInt, "2017"}, {tokPunct, "-"}, {tokInt, "11"},
			{tokInt, "12"}, {tokPunct, "-"}, {tokInt, "11"}, {tokPunct, "-"}, {tokInt, "01"},
			{tokDateTime, "2017-11-01T00:00:00"}, {tokPunct, "-"}, {tokWord, "1d"}}},
		{"2017-11-01 and", []tk{{tokDateTime, "2017-11-01T00:00:00"}, {tokIdent, "and"}}},
	}
	for _, c := range cases {
		toks, err := lex(c.src)
		if err != nil {
			t.Errorf("lex(%q): %v", c.src, err)
			continue
		}
		var got []tk
		for _, tok := range toks {
			if tok.kind != tokEOF {
				got = append(got, tk{tok.kind, tok.text})
			}
		}
		if dump(got) != dump(c.want) || len(got) != len(c.want) {
			t.Errorf("lex(%q)\n got %v\nwant %v", c.src, got, c.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want ast.Duration
	}{
		{"1d", ast.Duration{Millis: 86400000}},
		{"1h30m", ast.Duration{Millis: 5400000}},
		{"10ms", ast.Duration{Millis: 10}},
		{"1mo", ast.Duration{Months: 1}},
		{"1y2mo", ast.Duration{Months: 14}},
		{"1w", ast.Duration{Millis: 604800000}},
		{"1s500us", ast.Duration{Millis: 1000}},
		{"500us", ast.Duration{}},
		{"1500us999999ns", ast.Duration{Millis: 2}},
		{"2D3H", ast.Duration{Millis: 2*86400000 + 3*3600000}},
		{"1y1d", ast.Duration{Months: 12, Millis: 86400000}},
	}
	for _, c := range cases {
		got, err := parseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseDuration(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "d", "1", "1x", "1d2", "99999999999999999999d", "9999999999999w"} {
		if got, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2017-11-01T00:00:00", time.Date(2017, 11, 1, 0, 0, 0, 0, shanghai)},
		{"2017-11-01 00:00:00.123", time.Date(2017, 11, 1, 0, 0, 0, 123e6, shanghai)},
		{"2017-11-01T00:00:00.123+08:00", time.Date(2017, 11, 1, 0, 0, 0, 123e6, shanghai)},
		{"2011.12.03T10:15:30+01:00", time.Date(2011, 12, 3, 9, 15, 30, 0, time.UTC)},
		{"2017/11/01", time.Date(2017, 11, 1, 0, 0, 0, 0, shanghai)},
		{" 2017-11-01T00:00:00Z ", time.Date(2017, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"2017-11-01T00:00:00.1234567891-05:00", time.Date(2017, 11, 1, 5, 0, 0, 123456789, time.UTC)},
		{"2024-02-29T23:59:59", time.Date(2024, 2, 29, 23, 59, 59, 0, shanghai)},
	}
	for _, c := range cases {
		got, err := ParseDateTime(c.in, shanghai)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "2017", "2017-11", "2017-11-01T", "2017-11-01x", "17-11-01",
		"2017-11/01", "2023-02-29", "2017-11-01T24:00:00", "2017-11-01T00:60:00", "2017-11-01T00:00:00+19:00",
		"2017-11-01T00:00:00 junk"} {
		if got, err := ParseDateTime(bad, time.UTC); err == nil {
			t.Errorf("ParseDateTime(%q) = %v, want an error", bad, got)
		}
	}
}

// TestDateTimeCanonical checks that the parser's canonical form of a
// date-time reads back as the same instant.
func TestDateTimeCanonical(t *testing.T) {
	for _, in := range []string{"2017-11-01 00:00:00.5", "2011.12.03T10:15:30+01:00", "2017/1/2", "2017-11-01T1:2:3-5:30", "2017-11-01T00:00:00.1234567891Z"} {
		stmts, err := Parse("delete from root.sg.d1 where time < " + in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		lit := stmts[0].(*ast.Delete).Where.(*ast.Binary).R.(*ast.Literal)
		a, err1 := ParseDateTime(in, time.UTC)
		b, err2 := ParseDateTime(lit.Str, time.UTC)
		if err1 != nil || err2 != nil || !a.Equal(b) || lit.Raw != in {
			t.Errorf("%s: canonical %q (raw %q) reads %v/%v, want %v", in, lit.Str, lit.Raw, b, err2, a)
		}
	}
}

// TestKeywordsAsNodes checks that any word is a node name after a dot.
func TestKeywordsAsNodes(t *testing.T) {
	runParseCases(t, []parseCase{
		{"select status, d.select, d.from from root.sg.select.from where d.where > 0", &ast.Select{
			Items: items(pe("status"), pe("d.select"), pe("d.from")), From: fps("root.sg.select.from"),
			Where: bin(">", pe("d.where"), intLit(0, "0")), Limit: -1, SLimit: -1}},
		{"insert into root.sg.show(time, select, limit, 1TS, 1e3) values(1, 1, 2, 3, 4)", &ast.Insert{
			Device: fp("root.sg.show"), Measurements: []string{"select", "limit", "1TS", "1e3"},
			Rows: []ast.InsertRow{{Time: intLit(1, "1"), Values: []*ast.Literal{
				intLit(1, "1"), intLit(2, "2"), intLit(3, "3"), intLit(4, "4")}}}}},
		{"create timeseries ROOT.sg.aligned.1TS.`1` BOOLEAN", &ast.CreateTimeseries{
			Path: model.Path{"root", "sg", "aligned", "1TS", "1"}, Spec: ast.MeasurementSpec{Name: "1", Type: model.Boolean}}},
	})
}
