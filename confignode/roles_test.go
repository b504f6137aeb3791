package confignode

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

var rootAll = model.Path{"root", model.MultiLevel}

// TestRolesApplyAndSnapshot applies role commands to the state machine,
// then carries its snapshot into a fresh one.
func TestRolesApplyAndSnapshot(t *testing.T) {
	f := newFSM()
	index := uint64(0)
	apply := func(t cmdType, v any) any {
		cmd := encode(t, v)
		if err := validateCommand(cmd); err != nil {
			panic(err)
		}
		index++
		return f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: cmd})
	}
	hash, err := auth.HashPassword("alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		t    cmdType
		v    any
		code status.Code // 0: success
	}{
		{cmdCreateUser, userCmd{Name: "alice", Hash: hash}, 0},
		{cmdCreateRole, roleCmd{Name: "piper"}, 0},
		{cmdCreateRole, roleCmd{Name: "piper"}, status.RoleAlreadyExist},
		{cmdCreateRole, roleCmd{Name: "spare"}, 0},
		{cmdGrant, grantCmd{Role: "piper", Privileges: []string{"USE_PIPE"}, Paths: []model.Path{rootAll}, GrantOption: true}, 0},
		{cmdGrant, grantCmd{Role: "piper", Privileges: []string{"READ_DATA"}, Paths: []model.Path{{"root", "sg", "**"}}}, 0},
		{cmdGrant, grantCmd{Role: "ghost", Privileges: []string{"READ_DATA"}, Paths: []model.Path{rootAll}}, status.RoleNotExist},
		{cmdGrantRole, roleCmd{Name: "piper", User: "alice"}, 0},
		{cmdGrantRole, roleCmd{Name: "piper", User: "alice"}, status.UserAlreadyHasRole},
		{cmdGrantRole, roleCmd{Name: "piper", User: "bob_user"}, status.UserNotExist},
		{cmdGrantRole, roleCmd{Name: "spare", User: "alice"}, 0},
		{cmdRevokeRole, roleCmd{Name: "spare", User: "alice"}, 0},
		{cmdRevokeRole, roleCmd{Name: "spare", User: "alice"}, status.UserNotHasRole},
		{cmdDropRole, roleCmd{Name: "ghost"}, status.RoleNotExist},
	}
	for i, s := range steps {
		resp := apply(s.t, s.v)
		err, _ := resp.(error)
		if status.CodeOf(err) != s.code && !(s.code == 0 && err == nil) {
			t.Fatalf("step %d (%d %+v): %v, want code %d", i, s.t, s.v, resp, s.code)
		}
	}
	check := func(what string, st *State) {
		t.Helper()
		if !st.Auth.Allowed("alice", auth.UsePipe, rootAll) || !st.Auth.Allowed("alice", auth.ReadData, model.Path{"root", "sg", "d", "s"}) {
			t.Errorf("%s: alice lacks the privileges of role piper", what)
		}
		if roles, _ := st.Auth.RolesOf("alice"); !reflect.DeepEqual(roles, []string{"piper"}) {
			t.Errorf("%s: alice's roles %q", what, roles)
		}
		if got := st.Auth.Roles(); !reflect.DeepEqual(got, []string{"piper", "spare"}) {
			t.Errorf("%s: roles %q", what, got)
		}
		if g, _ := st.Auth.RolePrivileges("piper"); len(g) != 2 || !g[0].GrantOption || g[1].GrantOption {
			t.Errorf("%s: privileges of piper %+v", what, g)
		}
	}
	check("applied", f.state)

	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := newFSM()
	if err := g.Restore(io.NopCloser(bytes.NewReader(snap.(snapshot)))); err != nil {
		t.Fatal(err)
	}
	check("restored", g.state)

	// Dropping the role after the restore takes it from alice.
	f = g
	if resp := apply(cmdDropRole, roleCmd{Name: "piper"}); resp != nil {
		t.Fatalf("DROP ROLE piper: %v", resp)
	}
	if f.state.Auth.Allowed("alice", auth.UsePipe, rootAll) {
		t.Error("alice keeps USE_PIPE of a dropped role")
	}
}

// TestRolesSurviveRestart: roles come back from a Raft snapshot and the
// log after it.
func TestRolesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := startNode(t, dir)
	if err := c.CreateUser(ctx, "alice", "alice-pw"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateRole(ctx, "reader"); err != nil {
		t.Fatal(err)
	}
	if err := c.GrantToRole(ctx, "reader", []string{"READ_DATA"}, []model.Path{{"root", "sg", "**"}}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.GrantRole(ctx, "reader", "alice"); err != nil {
		t.Fatal(err)
	}
	// A Raft snapshot, then one more change: the restart restores the
	// snapshot and replays the log after it.
	if err := c.group.Raft().Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateRole(ctx, "after_snap"); err != nil {
		t.Fatal(err)
	}
	if err := c.GrantRole(ctx, "after_snap", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = startNode(t, dir)
	defer c.Close()
	if !c.Allowed("alice", auth.ReadData, model.Path{"root", "sg", "d", "s"}) {
		t.Fatal("the role's grant is lost across restart")
	}
	if users, err := c.UsersOf("reader"); err != nil || !reflect.DeepEqual(users, []string{"alice"}) {
		t.Fatalf("users of reader after restart: %q, %v", users, err)
	}
	if roles, err := c.RolesOf("alice"); err != nil || !reflect.DeepEqual(roles, []string{"after_snap", "reader"}) {
		t.Fatalf("roles of alice after restart: %q, %v", roles, err)
	}
	if err := c.RevokeFromRole(ctx, "reader", []string{"READ_DATA"}, []model.Path{{"root", "sg", "**"}}); err != nil {
		t.Fatal(err)
	}
	if c.Allowed("alice", auth.ReadData, model.Path{"root", "sg", "d", "s"}) {
		t.Fatal("REVOKE from the role left alice the privilege")
	}
}

// TestRoleChangesStopPipes: a pipe whose owner reads through a role stops
// when the role, or the role's READ_DATA, is taken away.
func TestRoleChangesStopPipes(t *testing.T) {
	ctx := context.Background()
	c := startNode(t, t.TempDir())
	sink := []ast.Attribute{{Key: "sink", Value: "do-nothing-sink"}}
	secret := model.Path{"root", "secret", model.MultiLevel}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateUser(ctx, "alice", "alice-pw"))
	must(c.CreateRole(ctx, "piper"))
	must(c.GrantToRole(ctx, "piper", []string{"USE_PIPE"}, []model.Path{rootAll}, false))
	must(c.GrantToRole(ctx, "piper", []string{"READ_DATA"}, []model.Path{secret}, false))
	must(c.GrantRole(ctx, "piper", "alice"))
	must(c.CreatePipe(ctx, "p", "alice", secret, nil, nil, sink))

	stoppedBy := func(what string) {
		t.Helper()
		p := pipeNamed(t, c, "p")
		if p.State != PipeStopped || !strings.Contains(p.Exception, "alice needs privilege READ_DATA") {
			t.Fatalf("after %s: %+v", what, p)
		}
		must(c.GrantRole(ctx, "piper", "alice"))
		must(c.StartPipe(ctx, "p"))
	}
	must(c.RevokeRole(ctx, "piper", "alice"))
	stoppedBy("REVOKE ROLE")
	must(c.RevokeFromRole(ctx, "piper", []string{"READ_DATA"}, []model.Path{secret}))
	if p := pipeNamed(t, c, "p"); p.State != PipeStopped {
		t.Fatalf("after REVOKE READ_DATA FROM ROLE: %+v", p)
	}
	must(c.GrantToRole(ctx, "piper", []string{"READ_DATA"}, []model.Path{secret}, false))
	must(c.StartPipe(ctx, "p"))
	must(c.DropRole(ctx, "piper"))
	if p := pipeNamed(t, c, "p"); p.State != PipeStopped {
		t.Fatalf("after DROP ROLE: %+v", p)
	}
	if err := c.StartPipe(ctx, "p"); status.CodeOf(err) != status.NoPermission {
		t.Fatalf("START PIPE with the role dropped: %v", err)
	}
}
