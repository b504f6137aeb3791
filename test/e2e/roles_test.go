package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// roleSettle bounds how long a role change committed through one
// DataNode takes to reach another's copy of the metadata.
const roleSettle = 10 * time.Second

// settle waits until sql as cl gets code (200: success). Only for
// statements that change nothing.
func settle(t *testing.T, cl *pipeClient, sql string, code int32) {
	t.Helper()
	pipeWaitFor(t, roleSettle, fmt.Sprintf("%s as %s gets %d", sql, cl.user, code), func() (bool, string) {
		st, err := cl.exec(sql)
		if err != nil {
			return false, err.Error()
		}
		return st.Code == code, statusString(st)
	})
}

// settleRows waits until rows() is want.
func settleRows(t *testing.T, what string, rows func() []string, want []string) {
	t.Helper()
	pipeWaitFor(t, roleSettle, what, func() (bool, string) {
		got := rows()
		return slices.Equal(got, want), fmt.Sprintf("%q, want %q", got, want)
	})
}

// roleClients are the sessions of a roles test: admin runs the role
// statements, other is root on another server of the same cluster (the
// same server in standalone) and checks what admin did, user logs in as
// pipeuser.
type roleClients struct {
	admin, other *pipeClient
	user         func() *pipeClient
}

// TestRolesStandalone: a user gets USE_PIPE and READ_DATA through a role,
// uses pipes, and loses them with the role; roles survive a restart.
func TestRolesStandalone(t *testing.T) {
	s := proc.StartStandalone(t)
	root := newPipeClient(t, s)
	checkRoles(t, roleClients{admin: root, other: root,
		user: func() *pipeClient { return newPipeClientAs(t, s, "pipeuser", "pipepw123") }})

	root.mustExec("CREATE ROLE keeper", "GRANT MAINTAIN ON root.** TO ROLE keeper", "GRANT ROLE keeper TO pipeuser")
	s.Stop()
	s.Start()
	root = newPipeClient(t, s)
	if got := column(t, root, "LIST ROLE OF USER pipeuser", "Role"); !slices.Equal(got, []string{"keeper"}) {
		t.Errorf("roles of pipeuser after restart: %q, want [keeper]", got)
	}
	if got := privilegeRows(t, root, "LIST PRIVILEGES OF ROLE keeper"); !slices.Equal(got, []string{"keeper root.** MAINTAIN false"}) {
		t.Errorf("privileges of keeper after restart: %q", got)
	}
}

// TestRolesCluster runs the same checks through a cluster, each statement
// family through a different DataNode.
func TestRolesCluster(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	dn := cl.DataNodes
	checkRoles(t, roleClients{admin: sqlTo(t, dn[0]), other: sqlTo(t, dn[1]), user: func() *pipeClient {
		// The user, created through dn[0], reaches dn[2] moments later.
		srv := at(dn[2])
		var c *pipeClient
		pipeWaitFor(t, roleSettle, "login as pipeuser to "+srv.Addr(), func() (bool, string) {
			r := dialRaw(t, srv)
			resp, err := r.login("pipeuser", "pipepw123", "UTC")
			if err != nil {
				return false, err.Error()
			}
			c = &pipeClient{t: t, srv: srv, raw: r, user: "pipeuser"}
			return resp.GetStatus().GetCode() == 200, statusString(resp.GetStatus())
		})
		return c
	}})
}

func checkRoles(t *testing.T, c roleClients) {
	admin, other := c.admin, c.other
	wantCode := func(cl *pipeClient, sql string, code int32, words ...string) {
		t.Helper()
		got, msg := cl.mustFail(sql)
		if got != code {
			t.Errorf("%s: code %d (%s), want %d", sql, got, msg, code)
		}
		for _, w := range words {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q does not name %q", sql, msg, w)
			}
		}
	}
	admin.mustExec("CREATE USER pipeuser 'pipepw123'", "CREATE ROLE piper")
	u := c.user()

	t.Run("errors", func(t *testing.T) {
		wantCode(other, "CREATE ROLE piper", 809, "piper")
		wantCode(other, "DROP ROLE nosuchrole", 808, "nosuchrole")
		wantCode(other, "GRANT ROLE piper TO nosuchuser", 804, "nosuchuser")
		wantCode(other, "GRANT ROLE nosuchrole TO pipeuser", 808, "nosuchrole")
		wantCode(other, "REVOKE ROLE piper FROM pipeuser", 807, "piper")
		wantCode(other, "GRANT USE_PIPE ON root.** TO ROLE nosuchrole", 808, "nosuchrole")
		wantCode(other, "GRANT FLY ON root.** TO ROLE piper", 813, "FLY")
		wantCode(other, "CREATE ROLE root", 303, "root")
		wantCode(other, "LIST USER OF ROLE nosuchrole", 808)
		wantCode(other, "LIST ROLE OF USER nosuchuser", 804)
		// Without MANAGE_ROLE a user can neither manage nor list roles.
		for _, sql := range []string{"CREATE ROLE mine", "DROP ROLE piper", "GRANT ROLE piper TO pipeuser",
			"GRANT USE_PIPE ON root.** TO ROLE piper", "LIST ROLE", "LIST PRIVILEGES OF ROLE piper"} {
			wantCode(u, sql, 803, "MANAGE_ROLE")
		}
		wantCode(u, "CREATE PIPE rp WITH SINK ('sink'='do-nothing-sink')", 803, "USE_PIPE")
	})

	t.Run("pipes-through-role", func(t *testing.T) {
		other.mustExec("GRANT USE_PIPE ON root.** TO ROLE piper",
			"GRANT READ_DATA ON root.** TO ROLE piper WITH GRANT OPTION",
			"GRANT ROLE piper TO pipeuser")
		wantCode(admin, "GRANT ROLE piper TO pipeuser", 806, "piper")
		settle(t, u, "SHOW PIPES", 200)
		u.mustExec("CREATE PIPE rp WITH SINK ('sink'='do-nothing-sink')")
		if ids := u.pipeIDs("SHOW PIPES"); !slices.Contains(ids, "rp") {
			t.Errorf("SHOW PIPES as pipeuser: %q, want rp", ids)
		}
		u.mustExec("DROP PIPE rp", "CREATE PIPE rp2 WITH SINK ('sink'='do-nothing-sink')")
		// A user lists its own roles and the privileges of a role it has.
		if got := column(t, u, "LIST ROLE OF USER pipeuser", "Role"); !slices.Equal(got, []string{"piper"}) {
			t.Errorf("LIST ROLE OF USER pipeuser as pipeuser: %q", got)
		}
		want := []string{"piper root.** READ_DATA true", "piper root.** USE_PIPE false"}
		if got := privilegeRows(t, u, "LIST PRIVILEGES OF ROLE piper"); !slices.Equal(got, want) {
			t.Errorf("LIST PRIVILEGES OF ROLE piper as pipeuser: %q, want %q", got, want)
		}
	})

	t.Run("listings", func(t *testing.T) {
		settleRows(t, "LIST ROLE", func() []string { return column(t, other, "LIST ROLE", "Role") }, []string{"piper"})
		settleRows(t, "LIST USER OF ROLE piper", func() []string { return column(t, admin, "LIST USER OF ROLE piper", "User") },
			[]string{"pipeuser"})
		admin.mustExec("GRANT WRITE_DATA ON root.own.** TO USER pipeuser")
		settleRows(t, "LIST PRIVILEGES OF USER pipeuser", func() []string { return privilegeRows(t, other, "LIST PRIVILEGES OF USER pipeuser") },
			[]string{" root.own.** WRITE_DATA false", "piper root.** READ_DATA true", "piper root.** USE_PIPE false"})
	})

	t.Run("revoke-role", func(t *testing.T) {
		admin.mustExec("REVOKE ROLE piper FROM pipeuser")
		settle(t, u, "SHOW PIPES", 803)
		wantCode(u, "SHOW PIPES", 803, "USE_PIPE")
		wantCode(u, "DROP PIPE rp2", 803, "USE_PIPE")
		pipeWaitFor(t, roleSettle, "rp2 STOPPED naming READ_DATA after its owner lost the role", func() (bool, string) {
			r := other.pipe("rp2")
			return r != nil && r["State"] == "STOPPED" && strings.Contains(r["ExceptionMessage"], "READ_DATA"), fmt.Sprint(r)
		})
		if got := column(t, u, "LIST ROLE OF USER pipeuser", "Role"); len(got) != 0 {
			t.Errorf("roles of pipeuser after REVOKE ROLE: %q", got)
		}
	})

	t.Run("drop-role", func(t *testing.T) {
		other.mustExec("GRANT ROLE piper TO pipeuser")
		settle(t, u, "SHOW PIPES", 200)
		admin.mustExec("DROP ROLE piper")
		settle(t, u, "SHOW PIPES", 803)
		settleRows(t, "LIST ROLE after DROP ROLE", func() []string { return column(t, other, "LIST ROLE", "Role") }, nil)
		if got := column(t, other, "LIST ROLE OF USER pipeuser", "Role"); len(got) != 0 {
			t.Errorf("roles of pipeuser after DROP ROLE: %q", got)
		}
		wantCode(other, "DROP ROLE piper", 808, "piper")
	})

	t.Run("manage-role", func(t *testing.T) {
		// MANAGE_ROLE, itself held through a role, is enough to manage
		// roles but not users.
		admin.mustExec("CREATE ROLE admins", "GRANT MANAGE_ROLE ON root.** TO ROLE admins", "GRANT ROLE admins TO pipeuser")
		settle(t, u, "LIST ROLE", 200)
		u.mustExec("CREATE ROLE piper", "GRANT USE_PIPE ON root.** TO ROLE piper", "GRANT ROLE piper TO pipeuser", "SHOW PIPES", "LIST ROLE")
		wantCode(u, "CREATE USER other_user 'pw-other-1'", 803, "MANAGE_USER")
		wantCode(u, "LIST USER OF ROLE piper", 803, "MANAGE_USER")
		u.mustExec("REVOKE ROLE piper FROM pipeuser", "DROP ROLE piper")
		wantCode(u, "SHOW PIPES", 803, "USE_PIPE")
		admin.mustExec("DROP ROLE admins")
	})

	t.Run("grant-option", func(t *testing.T) {
		// What a user holds WITH GRANT OPTION, through a role here, it may
		// grant and revoke without MANAGE_USER or MANAGE_ROLE.
		admin.mustExec("CREATE USER granted_user 'pw-granted-1'", "CREATE ROLE granter", "CREATE ROLE target",
			"GRANT READ_DATA ON root.g.** TO ROLE granter WITH GRANT OPTION", "GRANT WRITE_DATA ON root.g.** TO ROLE granter",
			"GRANT ROLE granter TO pipeuser")
		settle(t, u, "LIST PRIVILEGES OF ROLE granter", 200)
		u.mustExec("GRANT READ_DATA ON root.g.d1.** TO USER granted_user", "GRANT READ_DATA ON root.g.** TO ROLE target")
		wantCode(u, "GRANT READ_DATA ON root.** TO USER granted_user", 803, "MANAGE_USER")
		wantCode(u, "GRANT WRITE_DATA ON root.g.** TO USER granted_user", 803, "MANAGE_USER")
		wantCode(u, "GRANT READ_DATA, WRITE_DATA ON root.g.** TO ROLE target", 803, "MANAGE_ROLE")
		u.mustExec("REVOKE READ_DATA ON root.g.d1.** FROM USER granted_user", "REVOKE READ_DATA ON root.g.** FROM ROLE target")
		settleRows(t, "LIST PRIVILEGES OF ROLE target", func() []string { return privilegeRows(t, other, "LIST PRIVILEGES OF ROLE target") }, nil)
		admin.mustExec("DROP ROLE granter", "DROP ROLE target", "DROP USER granted_user")
	})
}

// column runs a LIST statement and returns one column's values.
func column(t *testing.T, c *pipeClient, sql, col string) []string {
	t.Helper()
	res := c.mustQuery(sql)
	return res.texts(t, col)
}

// privilegeRows runs a LIST PRIVILEGES statement and returns its rows as
// "ROLE PATH PRIVILEGES GRANT-OPTION", checking IoTDB's column names.
func privilegeRows(t *testing.T, c *pipeClient, sql string) []string {
	t.Helper()
	res := c.mustQuery(sql)
	if want := []string{"ROLE", "PATH", "PRIVILEGES", "GRANT OPTION"}; !slices.Equal(res.cols, want) {
		t.Fatalf("%s: columns %q, want %q", sql, res.cols, want)
	}
	var out []string
	for _, r := range res.rows {
		var cells []string
		for _, v := range r.vals {
			cells = append(cells, textOf(v))
		}
		out = append(out, strings.Join(cells, " "))
	}
	return out
}
