package datanode

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/status"
)

func showQueriesStmt(t *testing.T, sql string) *ast.ShowQueries {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	return stmts[0].(*ast.ShowQueries)
}

// TestShowQueriesWhereOrderLimit filters, orders and pages SHOW QUERIES
// rows as its clauses say.
func TestShowQueriesWhereOrderLimit(t *testing.T) {
	rows := []queryRow{
		{start: 1000, id: "20261203_000001_00000_1", node: 1, elapsed: 3.5, statement: "select a"},
		{start: 2000, id: "20261203_000002_00000_2", node: 2, elapsed: 0.5, statement: "show queries"},
		{start: 3000, id: "20261203_000003_00000_1", node: 1, elapsed: 9, statement: "select b"},
	}
	opts := query.Options{Zone: time.UTC}
	ids := func(rs []queryRow) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.id[len(r.id)-14:])
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct{ sql, want string }{
		{"show queries", "000001_00000_1 000002_00000_2 000003_00000_1"},
		{"show queries where DataNodeId = 1 order by ElapsedTime desc", "000003_00000_1 000001_00000_1"},
		{"show queries where elapsedtime > 1 and not statement = 'select b' or time >= 2000 limit 2", "000001_00000_1 000002_00000_2"},
		{"show queries where QueryId != '20261203_000002_00000_2' order by DataNodeId, Time desc", "000003_00000_1 000001_00000_1"},
		{"show queries where time < 1970-01-01T00:00:02.500Z", "000001_00000_1 000002_00000_2"},
		{"show queries order by Statement offset 1", "000003_00000_1 000002_00000_2"},
		{"show queries offset 5", ""},
	} {
		s := showQueriesStmt(t, c.sql)
		got, err := filterQueries(append([]queryRow(nil), rows...), s.Where, opts)
		if err == nil {
			err = sortQueries(got, s.OrderBy)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if g := ids(pageQueries(got, s.Offset, s.Limit)); g != c.want {
			t.Errorf("%s: %q, want %q", c.sql, g, c.want)
		}
	}
	for _, c := range []struct{ sql, msg string }{
		{"show queries where nosuch = 1", "no column nosuch"},
		{"show queries where DataNodeId = 'x'", "a string compared with a number"},
		{"show queries where Statement like 'x%'", "unsupported condition"},
		{"show queries where ElapsedTime > ElapsedTime + 1", "unsupported operand"},
	} {
		// Checked even with no rows to filter.
		_, err := filterQueries(nil, showQueriesStmt(t, c.sql).Where, opts)
		if status.CodeOf(err) != status.SemanticError || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want 701 %q", c.sql, err, c.msg)
		}
	}
	if err := sortQueries(rows, showQueriesStmt(t, "show queries order by nosuch").OrderBy); status.CodeOf(err) != status.SemanticError {
		t.Errorf("ORDER BY an unknown column: %v, want 701", err)
	}
}
