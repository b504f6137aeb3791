package query

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// locatingStore places device d1 in region 1 led by DataNode 1 and every
// other device in region 2 led by DataNode 2.
type locatingStore struct{ *fakeStore }

func (l locatingStore) Locate(_ context.Context, s model.Series) (uint32, uint32, bool) {
	if s.Path[len(s.Path)-2] == "d1" {
		return 1, 1, true
	}
	return 2, 2, true
}

func hasLine(t *testing.T, lines []string, want string) {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, want) {
			return
		}
	}
	t.Errorf("no line holds %q in\n%s", want, strings.Join(lines, "\n"))
}

// TestExplain: the plan names the operators the query runs through and the
// series each region's leader serves, and reads no point.
func TestExplain(t *testing.T) {
	f := testStore()
	st := locatingStore{f}
	ctx := context.Background()
	lines, err := Explain(ctx, st, sel(col("s1"), col("s2")).from("root.sg.d1", "root.sg.d2").
		where(bin(col("s1"), ">", num(1))).limit(2, 0).s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Output: 5 columns (Time, root.sg.d1.s1, root.sg.d2.s1, root.sg.d1.s2, root.sg.d2.s2)",
		"└─ Limit: offset 0, limit 2",
		"└─ Project: 4 columns",
		"└─ Filter: s1 > 1",
		"└─ MergeByTime: ascending time order",
		"└─ Read: points (Scan), time [-∞, +∞]",
		"Regions: 4 series in 2 regions on 2 DataNodes",
		"DataRegion 1, leader DataNode 1: 2 series: root.sg.d1.s1, root.sg.d1.s2",
		"DataRegion 2, leader DataNode 2: 2 series: root.sg.d2.s1, root.sg.d2.s2",
	} {
		hasLine(t, lines, want)
	}
	if len(f.scans) != 0 || f.stats != 0 {
		t.Fatalf("EXPLAIN read data: scans %v, stats %d", f.scans, f.stats)
	}

	lines, err = Explain(ctx, st, sel(fn("count", col("s1"))).from("root.sg.d1").where(bin(timeCol(), ">=", num(2))).s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	hasLine(t, lines, "└─ Aggregate: count")
	hasLine(t, lines, "└─ Read: chunk statistics (Stats), time [2, +∞]")

	lines, err = Explain(ctx, st, sel(fn("stddev", col("s1"))).from("root.sg.d1").s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	hasLine(t, lines, "└─ Read: points (Scan)")

	for sql, want := range map[string][]string{
		"select last s1 from root.sg.d1": {"└─ Last: the newest point of each series", "└─ Read: the newest point of each series (Last)"},
		"select count(s1) from root.sg.d1 group by ([0, 10), 2ms) fill(previous) having count(s1) > 0": {
			"└─ Fill: PREVIOUS", "└─ Having: count(s1) > 0", "└─ AggregateByWindow: count, windows of 2ms",
			"└─ Read: chunk statistics (Stats), or points (Scan) when the windows are too many for the points they hold, chosen at run time, time [0, 9]"},
		"select s1 from root.sg.* where time > 1 and time < 5 order by time desc offset 1 align by device": {
			"└─ Limit: offset 1, limit none", "└─ AlignByDevice: one device after another", "└─ MergeByTime: descending time order",
			"Read: points (Scan), time [2, 4]"},
		"select count(s1) from root.sg.** group by level = 2": {"└─ GroupByLevel: levels [2], parts merged on this DataNode"},
	} {
		lines, err := Explain(ctx, st, sqlQ(sql).s, testOpts)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		for _, w := range want {
			hasLine(t, lines, w)
		}
	}

	_, err = Explain(ctx, st, sel(fn("nosuch", col("s1"))).from("root.sg.d1").s, testOpts)
	if status.CodeOf(err) != status.SemanticError {
		t.Fatalf("EXPLAIN of an unknown function: %v, want 701", err)
	}
}

// TestExplainAnalyze: the query runs to its end and the account holds its
// rows and, per region and series, the points read.
func TestExplainAnalyze(t *testing.T) {
	st := locatingStore{testStore()}
	ctx := context.Background()
	lines, err := ExplainAnalyze(ctx, st, sel(col("s1")).from("root.sg.d1", "root.sg.d2").s, testOpts, false)
	if err != nil {
		t.Fatal(err)
	}
	// d1.s1 has times 1 2 5 10, d2.s1 2 4: rows at 1 2 4 5 10.
	hasLine(t, lines, "Query: 5 rows in ")
	hasLine(t, lines, "DataRegion 1, leader DataNode 1: 1 series, 1 scans, 0 statistics reads, 0 last reads, 4 points")
	hasLine(t, lines, "DataRegion 2, leader DataNode 2: 1 series, 1 scans, 0 statistics reads, 0 last reads, 2 points")

	lines, err = ExplainAnalyze(ctx, st, sel(fn("count", col("s1"))).from("root.sg.*").s, testOpts, true)
	if err != nil {
		t.Fatal(err)
	}
	hasLine(t, lines, "Query: 1 rows in ")
	hasLine(t, lines, "    root.sg.d2.s1: 0 scans, 1 statistics reads, 0 last reads, 2 points")
	hasLine(t, lines, "    root.sg.d3.s1: 0 scans, 1 statistics reads, 0 last reads, 0 points")
}
