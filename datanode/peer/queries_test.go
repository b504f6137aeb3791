package peer

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/datanode/queries"
)

// TestQueriesAndKill: a peer lists the queries running on its host, with
// their start to the millisecond, and kills one by id, then all.
func TestQueriesAndKill(t *testing.T) {
	reg := queries.New(7)
	n := startNode(t, &host{running: reg}, ServerConfig{})
	ctx := ctxT(t)
	qctx, q := reg.Start(context.Background(), "select s1 from root.sg.d1")
	_, _ = reg.Start(context.Background(), "show queries")
	got, err := n.client.Queries(ctx, n.addr)
	if err != nil {
		t.Fatalf("Queries: %v", err)
	}
	if len(got) != 2 || got[0].ID != q.ID || got[0].DataNodeID != 7 || got[0].Statement != "select s1 from root.sg.d1" ||
		got[0].Start.UnixMilli() != q.Start.UnixMilli() {
		t.Fatalf("Queries = %+v, want %s first", got, q.ID)
	}
	if k, err := n.client.KillQueries(ctx, n.addr, "20000101_000000_00000_7"); err != nil || k != 0 {
		t.Fatalf("KillQueries of an unknown id = %d, %v", k, err)
	}
	if k, err := n.client.KillQueries(ctx, n.addr, q.ID); err != nil || k != 1 {
		t.Fatalf("KillQueries(%s) = %d, %v", q.ID, k, err)
	}
	if !queries.Killed(qctx) {
		t.Fatal("the killed query's context was not cancelled as killed")
	}
	if k, err := n.client.KillQueries(ctx, n.addr, ""); err != nil || k != 1 {
		t.Fatalf("KillQueries(all) = %d, %v", k, err)
	}
	if got, _ := n.client.Queries(ctx, n.addr); len(got) != 0 {
		t.Fatalf("Queries after kill all = %+v", got)
	}
}
