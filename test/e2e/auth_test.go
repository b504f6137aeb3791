package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// TestAuthSQL manages users and privileges through SQL and checks what a
// second session as that user may and may not do.
func TestAuthSQL(t *testing.T) {
	s := proc.StartStandalone(t)
	root := rootSession(t, s)
	const pw = "Pw-user1-2718"
	for _, d := range []string{"root.au.ok.d", "root.au.no.d"} {
		st, err := root.InsertRecord(d, []string{"s"}, []client.TSDataType{client.INT64}, []any{int64(42)}, 1)
		mustOK(t, "InsertRecord "+d, st, err)
	}

	execOK(t, root, "CREATE USER user1 '"+pw+"'")
	st, err := nonQuery(root, "CREATE USER user1 'another-pw'")
	wantCode(t, "CREATE USER of an existing user", st, err, client.UserAlreadyExist)

	t.Run("list-user", func(t *testing.T) {
		res := query(t, root, "LIST USER")
		if len(res.cols) == 0 {
			t.Fatalf("LIST USER: no columns")
		}
		users := res.texts(t, res.cols[0])
		if !contains(users, "root") || !contains(users, "user1") {
			t.Errorf("LIST USER: %v, want root and user1", users)
		}
		for _, r := range res.rows {
			for _, v := range r.vals {
				if strings.Contains(textOf(v), pw) {
					t.Errorf("LIST USER shows the password: %v", r.vals)
				}
			}
		}
	})

	user1 := openAs(t, s, "user1", pw, nil)
	rUser1 := dialRaw(t, s)
	resp, err := rUser1.login("user1", pw, "UTC")
	if err != nil {
		t.Fatalf("raw login as user1: %v", err)
	}
	mustOK(t, "raw login as user1", resp.GetStatus(), nil)

	// rawQuery runs a query as user1 on the raw client and returns its status.
	rawQuery := func(sql string) *rpc.TSStatus {
		t.Helper()
		resp, err := rUser1.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{SessionId: rUser1.sid, Statement: sql, StatementId: rUser1.stmtID})
		if err != nil {
			t.Fatalf("%s as user1: %v", sql, err)
		}
		if resp.GetStatus().Code == client.SuccessStatus && resp.QueryId != nil {
			qid := resp.GetQueryId()
			rUser1.CloseOperation(context.Background(), &rpc.TSCloseOperationReq{SessionId: rUser1.sid, QueryId: &qid})
		}
		return resp.GetStatus()
	}
	insertAsU1 := func(dev string, ts int64) (*rpc.TSStatus, error) {
		return user1.InsertRecord(dev, []string{"s"}, []client.TSDataType{client.INT64}, []any{int64(7)}, ts)
	}

	t.Run("no-privileges", func(t *testing.T) {
		wantCode(t, "SELECT as user1 without privileges", rawQuery("SELECT s FROM root.au.ok.d"), nil, client.NoPermission)
		st, err := insertAsU1("root.au.ok.d", 2)
		wantCode(t, "InsertRecord as user1 without privileges", st, err, client.NoPermission)
		st, err = nonQuery(user1, "CREATE USER user2 'pw-user2'")
		wantCode(t, "CREATE USER as user1", st, err, client.NoPermission)
		st, err = user1.SetStorageGroup("root.u1db")
		wantCode(t, "SetStorageGroup as user1", st, err, client.NoPermission)
	})

	t.Run("grant-read", func(t *testing.T) {
		execOK(t, root, "GRANT READ_DATA ON root.au.ok.** TO USER user1")
		// The open session sees the grant at once.
		res := query(t, user1, "SELECT s FROM root.au.ok.d")
		if len(res.rows) != 1 || res.rows[0].vals[0] != int64(42) {
			t.Errorf("SELECT granted path as user1: %v", res.rows)
		}
		mustOK(t, "SELECT granted path as user1 (raw)", rawQuery("SELECT s FROM root.au.ok.d"), nil)
		wantCode(t, "SELECT ungranted path as user1", rawQuery("SELECT s FROM root.au.no.d"), nil, client.NoPermission)
		if _, err := tryQuery(t, user1, "SELECT s FROM root.au.no.d"); err == nil || !strings.Contains(err.Error(), "803") {
			t.Errorf("client SELECT of an ungranted path as user1: %v, want an 803 error", err)
		}
		st, err := insertAsU1("root.au.ok.d", 3)
		wantCode(t, "InsertRecord as user1 with READ_DATA only", st, err, client.NoPermission)
	})

	t.Run("grant-write", func(t *testing.T) {
		execOK(t, root, "GRANT WRITE_DATA ON root.au.ok.** TO USER user1")
		st, err := insertAsU1("root.au.ok.d", 4)
		mustOK(t, "InsertRecord as user1 with WRITE_DATA", st, err)
		st, err = insertAsU1("root.au.no.d", 4)
		wantCode(t, "InsertRecord as user1 on an ungranted path", st, err, client.NoPermission)
		if n := countOf(t, root, "root.au.ok.d.s"); n != 2 {
			t.Errorf("count(s) of root.au.ok.d: %d, want 2", n)
		}
		if n := countOf(t, root, "root.au.no.d.s"); n != 1 {
			t.Errorf("count(s) of root.au.no.d: %d, want 1 (user1's refused write must not land)", n)
		}
		res := query(t, root, "LIST PRIVILEGES OF USER user1")
		var cells []string
		for _, r := range res.rows {
			for _, v := range r.vals {
				cells = append(cells, textOf(v))
			}
		}
		all := strings.Join(cells, " ")
		for _, w := range []string{"root.au.ok.**", "READ_DATA", "WRITE_DATA"} {
			if !strings.Contains(all, w) {
				t.Errorf("LIST PRIVILEGES OF USER user1: %q does not mention %s", all, w)
			}
		}
	})

	t.Run("revoke", func(t *testing.T) {
		execOK(t, root, "REVOKE READ_DATA ON root.au.ok.** FROM USER user1")
		wantCode(t, "SELECT as user1 after REVOKE", rawQuery("SELECT s FROM root.au.ok.d"), nil, client.NoPermission)
		st, err := insertAsU1("root.au.ok.d", 5)
		mustOK(t, "InsertRecord as user1 still holding WRITE_DATA", st, err)
	})

	t.Run("alter-password", func(t *testing.T) {
		execOK(t, root, "ALTER USER user1 SET PASSWORD 'Pw-new-1414'")
		r := dialRaw(t, s)
		resp, err := r.login("user1", pw, "UTC")
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "login with the old password", resp.GetStatus(), nil, client.WrongLoginPassword)
		resp, err = r.login("user1", "Pw-new-1414", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		mustOK(t, "login with the new password", resp.GetStatus(), nil)
	})

	t.Run("drop-user", func(t *testing.T) {
		execOK(t, root, "DROP USER user1")
		if users := query(t, root, "LIST USER").rows; len(users) != 1 || textOf(users[0].vals[0]) != "root" {
			t.Errorf("LIST USER after DROP USER user1: %v, want only root", users)
		}
		r := dialRaw(t, s)
		resp, err := r.login("user1", "Pw-new-1414", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := wantFail(t, "login as a dropped user", resp.GetStatus(), nil); code != client.WrongLoginPassword && code != client.UserNotExist {
			t.Errorf("login as a dropped user: code %d, want 801 or 804", code)
		}
		st, err := nonQuery(root, "DROP USER root")
		wantFail(t, "DROP USER root", st, err)
		st, err = nonQuery(root, "DROP USER nosuchuser")
		wantFail(t, "DROP USER of a missing user", st, err)
	})
}
