package query

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestResolveTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	opts := Options{Zone: shanghai, Now: time.UnixMilli(1_700_000_000_123)}
	cases := []struct {
		in   ast.Expr
		want int64
	}{
		{num(42), 42},
		{&ast.Unary{Op: "-", X: num(42)}, -42},
		{dt("2011-12-03T10:15:30+01:00"), 1322903730000},
		{dt("2011.12.03T10:15:30+01:00"), 1322903730000},
		{dt("2011-12-03T09:15:30Z"), 1322903730000},
		{dt("2011-12-03T10:15:30.5+0100"), 1322903730500},
		{dt("2011-12-03T09:15:30.123456789Z"), 1322903730123},
		{dt("2011-12-03 17:15:30"), 1322903730000}, // in the session zone, UTC+8
		{dt("2011/12/03 17:15"), 1322903700000},
		{dt("2011-12-03"), 1322841600000},
		{str("2011-12-03T09:15:30Z"), 1322903730000},
		{fn("now"), 1_700_000_000_123},
		{bin(fn("now"), "-", num(123)), 1_700_000_000_000},
		{bin(num(math.MaxInt64), "-", num(1)), math.MaxInt64 - 1},
		{bin(num(-1), "-", num(math.MinInt64)), math.MaxInt64},
		{bin(num(math.MinInt64), "+", num(math.MaxInt64)), -1},
	}
	for _, c := range cases {
		got, err := ResolveTime(c.in, opts)
		if err != nil || got != c.want {
			t.Errorf("ResolveTime(%s) = %d, %v; want %d", exprString(c.in), got, err, c.want)
		}
	}
	for _, bad := range []ast.Expr{
		dt("2011-13-03"), dt("2011-02-30"), dt("2011-12-03T25:00:00"), dt("11-12-03"),
		dt("2011-12-03T10:15:30+1"), dt("2011-12-03x"), flt(1.5), col("s1"), fn("count", col("s1")),
		bin(num(math.MaxInt64), "+", num(1)), bin(num(math.MinInt64), "-", num(1)), bin(num(0), "-", num(math.MinInt64)),
	} {
		if _, err := ResolveTime(bad, opts); status.CodeOf(err) != status.SemanticError {
			t.Errorf("ResolveTime(%s): err = %v, want a SemanticError", exprString(bad), err)
		}
	}
}

func TestTimeRange(t *testing.T) {
	const lo, hi = math.MinInt64, math.MaxInt64
	cases := []struct {
		where  ast.Expr
		lo, hi int64
	}{
		{nil, lo, hi},
		{and(bin(timeCol(), ">", num(5)), bin(timeCol(), "<=", num(10))), 6, 10},
		{and(bin(num(5), "<", timeCol()), bin(num(10), ">=", timeCol())), 6, 10},
		{and(bin(timeCol(), ">=", num(5)), bin(col("s1"), ">", num(3))), 5, hi},
		{bin(bin(timeCol(), ">=", num(5)), "OR", bin(col("s1"), ">", num(3))), lo, hi},
		{bin(bin(timeCol(), "<", num(3)), "OR", bin(timeCol(), ">", num(20))), lo, hi},
		{bin(bin(timeCol(), "=", num(3)), "OR", bin(timeCol(), "=", num(20))), 3, 20},
		{&ast.Unary{Op: "NOT", X: bin(timeCol(), "<", num(5))}, 5, hi},
		{&ast.Between{X: timeCol(), Lo: num(3), Hi: num(7)}, 3, 7},
		{&ast.In{X: timeCol(), List: []*ast.Literal{num(9), num(4)}}, 4, 9},
		{and(bin(timeCol(), ">", num(10)), bin(timeCol(), "<", num(5))), 1, 0},
		{bin(timeCol(), ">", num(hi)), 1, 0},
	}
	for _, c := range cases {
		gotLo, gotHi, err := TimeRange(c.where, testOpts)
		if err != nil || gotLo != c.lo || gotHi != c.hi {
			t.Errorf("TimeRange(%s) = %d, %d, %v; want %d, %d", exprString(c.where), gotLo, gotHi, err, c.lo, c.hi)
		}
	}
}

func TestDeleteRange(t *testing.T) {
	cases := []struct {
		where  ast.Expr
		lo, hi int64
	}{
		{nil, math.MinInt64, math.MaxInt64},
		{bin(timeCol(), "<", num(10)), math.MinInt64, 9},
		{bin(timeCol(), "=", num(20)), 20, 20},
		{and(bin(timeCol(), ">", num(10)), bin(timeCol(), "<", num(20))), 11, 19},
		{and(and(bin(timeCol(), ">", num(5)), bin(timeCol(), ">=", num(2))), bin(timeCol(), "<=", dt("1970-01-01T00:00:01Z"))), 6, 1000},
		{&ast.Between{X: timeCol(), Lo: num(3), Hi: num(7)}, 3, 7},
	}
	for _, c := range cases {
		lo, hi, err := DeleteRange(c.where, testOpts)
		if err != nil || lo != c.lo || hi != c.hi {
			t.Errorf("DeleteRange(%s) = %d, %d, %v; want %d, %d", exprString(c.where), lo, hi, err, c.lo, c.hi)
		}
	}
	bad := []struct {
		where ast.Expr
		msg   string
	}{
		{bin(bin(timeCol(), ">", num(4)), "OR", bin(timeCol(), "<", num(0))), deleteRangeMsg},
		{bin(timeCol(), "!=", num(4)), deleteRangeMsg},
		{&ast.Unary{Op: "NOT", X: bin(timeCol(), ">", num(4))}, deleteRangeMsg},
		{and(bin(col("s0"), "<=", num(300)), bin(timeCol(), ">", num(0))), deleteTimeOnlyMsg},
		{bin(col("s3"), "=", str("text")), deleteTimeOnlyMsg},
		{and(bin(timeCol(), "=", num(1)), bin(timeCol(), "<", num(-1))), "Invalid delete range: [1, -2]"},
	}
	for _, c := range bad {
		_, _, err := DeleteRange(c.where, testOpts)
		if status.CodeOf(err) != status.SemanticError || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("DeleteRange(%s): err = %v, want %q", exprString(c.where), err, c.msg)
		}
	}
}

func TestTimeSet(t *testing.T) {
	const lo, hi = math.MinInt64, math.MaxInt64
	a := timeSet{{1, 5}, {10, 20}}
	b := timeSet{{4, 12}, {19, hi}}
	if got := a.intersect(b); !equalSets(got, timeSet{{4, 5}, {10, 12}, {19, 20}}) {
		t.Errorf("intersect = %v", got)
	}
	if got := a.union(b); !equalSets(got, timeSet{{1, hi}}) {
		t.Errorf("union = %v", got)
	}
	if got := a.union(timeSet{{6, 9}}); !equalSets(got, timeSet{{1, 20}}) {
		t.Errorf("adjacent union = %v", got)
	}
	if got := a.complement(); !equalSets(got, timeSet{{lo, 0}, {6, 9}, {21, hi}}) {
		t.Errorf("complement = %v", got)
	}
	if got := fullTime().complement(); len(got) != 0 {
		t.Errorf("complement of everything = %v", got)
	}
	if got := (timeSet{}).complement(); !equalSets(got, fullTime()) {
		t.Errorf("complement of nothing = %v", got)
	}
	for tm, want := range map[int64]bool{0: false, 1: true, 5: true, 7: false, 20: true, 21: false} {
		if a.contains(tm) != want {
			t.Errorf("contains(%d) = %v", tm, !want)
		}
	}
}

func equalSets(a, b timeSet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestExprString(t *testing.T) {
	cases := []struct {
		e    ast.Expr
		want string
	}{
		{bin(bin(col("root.sg.d1.s1"), "+", col("root.sg.d1.s2")), "*", num(2)), "(root.sg.d1.s1 + root.sg.d1.s2) * 2"},
		{bin(col("s1"), "+", bin(col("s2"), "*", num(2))), "s1 + s2 * 2"},
		{bin(col("s1"), "-", bin(col("s2"), "-", col("s3"))), "s1 - s2 - s3"},
		{&ast.Unary{Op: "-", X: col("s1")}, "-s1"},
		{&ast.Unary{Op: "-", X: bin(col("s1"), "+", num(1))}, "-(s1 + 1)"},
		{and(bin(col("s1"), ">", num(1)), bin(col("s2"), "<", flt(2.5))), "s1 > 1 & s2 < 2.5"},
		{bin(and(col("a"), col("b")), "OR", col("c")), "a & b | c"},
		{and(bin(col("a"), "OR", col("b")), col("c")), "(a | b) & c"},
		{&ast.Unary{Op: "NOT", X: bin(col("a"), ">", num(1))}, "!(a > 1)"},
		{bin(col("s5"), "=", str("x")), `s5 = "x"`},
		{&ast.Like{X: col("s5"), Pattern: "a%", Not: true}, "s5 NOT LIKE pattern = 'a%'"},
		{&ast.Like{X: col("s5"), Pattern: "^a", Regexp: true}, "s5 REGEXP pattern = '^a'"},
		{&ast.IsNull{X: col("s1"), Not: true}, "s1 IS NOT NULL"},
		{&ast.Between{X: col("s1"), Lo: num(1), Hi: num(3)}, "s1 BETWEEN 1 AND 3"},
		{&ast.In{X: col("s1"), List: []*ast.Literal{num(1), str("b")}}, "s1 IN (1,b)"},
		{fn("count", col("root.sg.`d-1`.s1")), "count(root.sg.`d-1`.s1)"},
		{bin(timeCol(), ">", num(3)), "Time > 3"},
	}
	for _, c := range cases {
		if got := exprString(c.e); got != c.want {
			t.Errorf("exprString = %q, want %q", got, c.want)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{0, 64, "0.0"},
		{100, 64, "100.0"},
		{-2.5, 64, "-2.5"},
		{0.001, 64, "0.001"},
		{0.0001, 64, "1.0E-4"},
		{1e7, 64, "1.0E7"},
		{1.2345e10, 64, "1.2345E10"},
		{9999999, 64, "9999999.0"},
		{float64(float32(1.1)), 32, "1.1"},
		{float64(float32(3.4e38)), 32, "3.4E38"},
		{math.Inf(-1), 64, "-Infinity"},
		{math.NaN(), 64, "NaN"},
	}
	for _, c := range cases {
		if got := model.FormatFloat(c.f, c.bits); got != c.want {
			t.Errorf("model.FormatFloat(%v, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
}
