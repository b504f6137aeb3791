package clientrpc

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// TestKillQuery: a statement is listed among the running queries while it
// runs and while its result is open, and leaves the list when it ends; a
// kill stops it mid-execution or between fetches, and its client gets
// IoTDB's 715.
func TestKillQuery(t *testing.T) {
	slowSel := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: model.Path{"slow"}}}}, Limit: -1, SLimit: -1}
	pagedSel := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: model.Path{"paged"}}}}, Limit: -1, SLimit: -1}
	boomSel := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: model.Path{"boom"}}}}, Limit: -1, SLimit: -1}
	reg := queries.New(4)
	e := newEnv(t, func(c *Config) {
		c.Queries = reg
		c.Parse = fakeParser{"select slow": {slowSel}, "select paged": {pagedSel}, "select boom": {boomSel}}.parse
	})
	batch, _ := sixResult(50)
	e.be.setHook(func(ctx context.Context, stmt ast.Statement) (*model.Result, error) {
		if stmt == boomSel {
			panic("deliberate")
		}
		if stmt == slowSel {
			<-ctx.Done() // runs until killed
			return nil, status.Errorf(status.QueryProcessError, "read: %v", ctx.Err())
		}
		return &model.Result{Columns: sixColumns, Types: sixTypesModel(), HasTime: true, Rows: newChunkRows(batch, 7)}, nil
	})

	// Killed while it executes.
	s := e.session(t, 5)
	done := make(chan error, 1)
	go func() {
		_, err := s.ExecuteQueryStatement("select slow", nil)
		done <- err
	}()
	var id string
	eventually(t, "the slow query to be listed", func() bool {
		for _, q := range reg.List() {
			if q.Statement == "select slow" && q.DataNodeID == 4 {
				id = q.ID
				return true
			}
		}
		return false
	})
	if !reg.Kill(id) {
		t.Fatalf("Kill(%s) found no query", id)
	}
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "715") || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("killed execution: err %v, want 715 Query was killed", err)
	}

	// Killed between fetches: its next page fails.
	ds, err := s.ExecuteQueryStatement("select paged", nil)
	if err != nil {
		t.Fatal(err)
	}
	list := reg.List()
	if len(list) != 1 || list[0].Statement != "select paged" {
		t.Fatalf("open result: running %+v, want the paged query", list)
	}
	for range 5 { // the first page, already here
		if ok, err := ds.Next(); !ok || err != nil {
			t.Fatalf("first page: %v %v", ok, err)
		}
	}
	if n := reg.KillAll(""); n != 1 {
		t.Fatalf("KillAll = %d", n)
	}
	// The official client ends a data set quietly on a failed fetch; the
	// fetch's status shows in the request metric.
	if ok, _ := ds.Next(); ok {
		t.Fatal("a row after the kill")
	}
	if n := metricValue(e.srv.metrics.requests.WithLabelValues("fetchResults", "715")); n != 1 {
		t.Fatalf("%v fetches answered 715, want 1", n)
	}

	// A statement whose execution panics leaves the list too.
	if _, err := s.ExecuteQueryStatement("select boom", nil); err == nil || !strings.Contains(err.Error(), "deliberate") {
		t.Fatalf("panicking statement: %v", err)
	}
	if list := reg.List(); len(list) != 0 {
		t.Fatalf("after a panic: running %+v", list)
	}

	// A statement of a batch is a running query too, while it runs.
	var (
		batchSt  *rpc.TSStatus
		batchErr error
	)
	batchDone := make(chan struct{})
	go func() {
		defer close(batchDone)
		batchSt, batchErr = s.ExecuteBatchStatement([]string{"select slow"})
	}()
	eventually(t, "the batch statement to be listed", func() bool {
		list := reg.List()
		return len(list) == 1 && list[0].Statement == "select slow"
	})
	reg.KillAll("")
	<-batchDone
	if batchErr != nil || len(batchSt.GetSubStatus()) != 1 || batchSt.GetSubStatus()[0].Code != int32(status.QueryWasKilled) {
		t.Fatalf("killed batch statement: %v, %v; want a sub-status 715", batchSt, batchErr)
	}
	if list := reg.List(); len(list) != 0 {
		t.Fatalf("after the batch: running %+v", list)
	}

	// A query read to its end leaves the list.
	ds, err = s.ExecuteQueryStatement("select paged", nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		ok, err := ds.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if list := reg.List(); len(list) != 0 {
		t.Fatalf("after the last page: running %+v", list)
	}
}
