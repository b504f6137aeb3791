package e2e

import (
	"testing"
)

// TestClusterPrivilegeChangesInForceEverywhere: a change to users, roles
// or privileges made through one DataNode is in force on every other
// DataNode as soon as the statement returns, with no wait: a new user logs
// in elsewhere at once, a revoked privilege (directly or through a role)
// no longer works anywhere, and an old password or a dropped user no
// longer logs in. Each step is repeated, since a missing wait shows only
// when a DataNode's copy of the metadata happens to lag.
func TestClusterPrivilegeChangesInForceEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := startTestCluster(t, 1, 3)
	dn := cl.DataNodes
	admin := sqlTo(t, dn[0])
	admin.mustExec("CREATE DATABASE root.priv", "CREATE TIMESERIES root.priv.d.s WITH DATATYPE=INT64, ENCODING=RLE",
		"CREATE ROLE privrole", "GRANT READ_DATA ON root.priv.** TO ROLE privrole")
	const query = "SELECT s FROM root.priv.d"
	loginCode := func(node int, user, pw string) int32 {
		t.Helper()
		resp, err := dialRaw(t, at(dn[node])).login(user, pw, "UTC")
		if err != nil {
			t.Fatalf("login as %s: %v", user, err)
		}
		return resp.GetStatus().GetCode()
	}
	for round := range 3 {
		admin.mustExec("CREATE USER privuser 'privpw123'")
		u := newPipeClientAs(t, at(dn[2]), "privuser", "privpw123") // fails the test if the user is not there yet
		for i := range 3 {
			admin.mustExec("GRANT READ_DATA ON root.priv.** TO USER privuser")
			if err := u.execErr(query); err != nil {
				t.Fatalf("round %d.%d: after GRANT returned, another DataNode refused: %v", round, i, err)
			}
			admin.mustExec("REVOKE READ_DATA ON root.priv.** FROM USER privuser")
			if code, msg := u.mustFail(query); code != 803 {
				t.Fatalf("round %d.%d: after REVOKE returned, another DataNode answered %d %s, want 803", round, i, code, msg)
			}
			admin.mustExec("GRANT ROLE privrole TO privuser")
			if err := u.execErr(query); err != nil {
				t.Fatalf("round %d.%d: after GRANT ROLE returned, another DataNode refused: %v", round, i, err)
			}
			admin.mustExec("REVOKE ROLE privrole FROM privuser")
			if code, msg := u.mustFail(query); code != 803 {
				t.Fatalf("round %d.%d: after REVOKE ROLE returned, another DataNode answered %d %s, want 803", round, i, code, msg)
			}
		}
		admin.mustExec("ALTER USER privuser SET PASSWORD 'newpw1234'")
		if code := loginCode(1, "privuser", "privpw123"); code == 200 {
			t.Fatalf("round %d: the old password still logs in on another DataNode after ALTER USER returned", round)
		}
		admin.mustExec("DROP USER privuser")
		if code := loginCode(1, "privuser", "newpw1234"); code == 200 {
			t.Fatalf("round %d: a dropped user still logs in on another DataNode after DROP USER returned", round)
		}
	}
}
