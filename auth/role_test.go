package auth

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/status"
)

// roleState returns newState with user "bobby" and role "piper", which
// has USE_PIPE and READ_DATA on root.sg.**, WITH GRANT OPTION.
func roleState(t *testing.T) *State {
	t.Helper()
	s := newState(t)
	if err := s.CreateUser("bobby", mustHash(t, "bobby1")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRole("piper"); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantToRole("piper", []Privilege{UsePipe}, mustPaths(t, "root.**"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantToRole("piper", []Privilege{ReadData}, mustPaths(t, "root.sg.**"), true); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoleLifecycleErrors(t *testing.T) {
	s := roleState(t)
	wantErr(t, s.CreateRole("piper"), ErrRoleExists, status.RoleAlreadyExist)
	wantErr(t, s.CreateRole("root"), ErrBadName, status.IllegalParameter)
	wantErr(t, s.CreateRole("a b"), ErrBadName, status.IllegalParameter)
	wantErr(t, s.CreateRole("abc"), ErrBadName, status.IllegalParameter)
	wantErr(t, s.DropRole("nobody"), ErrRoleNotFound, status.RoleNotExist)
	wantErr(t, s.GrantRole("alice", "nobody"), ErrRoleNotFound, status.RoleNotExist)
	wantErr(t, s.GrantRole("nobody", "piper"), ErrUserNotFound, status.UserNotExist)
	wantErr(t, s.GrantRole("root", "piper"), ErrRootUser, status.NoPermission)
	wantErr(t, s.GrantRole("alice", "piper"), nil, 0)
	wantErr(t, s.GrantRole("alice", "piper"), ErrUserHasRole, status.UserAlreadyHasRole)
	wantErr(t, s.RevokeRole("bobby", "piper"), ErrUserNotHasRole, status.UserNotHasRole)
	wantErr(t, s.RevokeRole("bobby", "nobody"), ErrRoleNotFound, status.RoleNotExist)
	wantErr(t, s.GrantToRole("nobody", []Privilege{UsePipe}, mustPaths(t, "root.**"), false), ErrRoleNotFound, status.RoleNotExist)
	wantErr(t, s.GrantToRole("piper", []Privilege{"FLY"}, mustPaths(t, "root.**"), false), ErrBadPrivilege, status.UnknownAuthPrivilege)
	wantErr(t, s.RevokeFromRole("piper", []Privilege{Maintain}, mustPaths(t, "root.**")), ErrNotHasPrivilege, status.NotHasPrivilege)
	wantErr(t, s.RevokeFromRole("nobody", []Privilege{Maintain}, mustPaths(t, "root.**")), ErrRoleNotFound, status.RoleNotExist)
	if got := s.Roles(); !reflect.DeepEqual(got, []string{"piper"}) {
		t.Errorf("Roles() = %q", got)
	}
	if _, err := s.RolesOf("nobody"); err == nil {
		t.Error("RolesOf an unknown user: no error")
	}
	if _, err := s.UsersOf("nobody"); err == nil {
		t.Error("UsersOf an unknown role: no error")
	}
}

func TestRolePrivilegesAreTheUsers(t *testing.T) {
	s := roleState(t)
	sgD1 := mustPath(t, "root.sg.d1.s1")
	if s.Allowed("alice", UsePipe, rootPattern) || s.Allowed("alice", ReadData, sgD1) {
		t.Fatal("alice has the role's privileges before the role")
	}
	if err := s.GrantRole("alice", "piper"); err != nil {
		t.Fatal(err)
	}
	if !s.Allowed("alice", UsePipe, rootPattern) || !s.Allowed("alice", ReadData, sgD1) {
		t.Error("alice lacks the role's privileges")
	}
	if s.Allowed("bobby", UsePipe, rootPattern) || s.Allowed("alice", WriteData, sgD1) {
		t.Error("privileges leak beyond the role")
	}
	// A pattern covered by the user's grant and the role's together.
	if err := s.Grant("alice", []Privilege{ReadData}, mustPaths(t, "root.sg.d1.*"), false); err != nil {
		t.Fatal(err)
	}
	if !s.AllowedPattern("alice", ReadData, mustPath(t, "root.sg.*.s1")) {
		t.Error("pattern under the role's grant not allowed")
	}
	if err := s.Grant("alice", []Privilege{ReadData}, mustPaths(t, "root.db.**"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Check("alice", Maintain, rootPattern); err == nil {
		t.Error("Check MAINTAIN: allowed")
	}
	// The role changes and the user sees it at once.
	if err := s.RevokeFromRole("piper", []Privilege{UsePipe}, mustPaths(t, "root.**")); err != nil {
		t.Fatal(err)
	}
	if s.Allowed("alice", UsePipe, rootPattern) {
		t.Error("USE_PIPE survives its revocation from the role")
	}
	if err := s.GrantToRole("piper", []Privilege{All}, mustPaths(t, "root.**"), false); err != nil {
		t.Fatal(err)
	}
	if !s.Allowed("alice", All, sgD1) || !s.Allowed("alice", Maintain, rootPattern) {
		t.Error("ALL through the role not allowed")
	}
	if err := s.RevokeRole("alice", "piper"); err != nil {
		t.Fatal(err)
	}
	if s.Allowed("alice", Maintain, rootPattern) || s.Allowed("alice", ReadData, mustPath(t, "root.sg.d2.s1")) {
		t.Error("the role's privileges survive REVOKE ROLE")
	}
	if !s.Allowed("alice", ReadData, mustPath(t, "root.db.d.s")) {
		t.Error("REVOKE ROLE took the user's own grant")
	}
}

func TestDropRoleTakesItFromItsUsers(t *testing.T) {
	s := roleState(t)
	for _, u := range []string{"alice", "bobby"} {
		if err := s.GrantRole(u, "piper"); err != nil {
			t.Fatal(err)
		}
	}
	if users, _ := s.UsersOf("piper"); !reflect.DeepEqual(users, []string{"alice", "bobby"}) {
		t.Errorf("UsersOf(piper) = %q", users)
	}
	if err := s.DropRole("piper"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bobby"} {
		if s.Allowed(u, UsePipe, rootPattern) {
			t.Errorf("%s keeps USE_PIPE of the dropped role", u)
		}
		if roles, _ := s.RolesOf(u); len(roles) != 0 {
			t.Errorf("RolesOf(%s) = %q after DROP ROLE", u, roles)
		}
	}
	// A new role of the same name starts empty and is nobody's.
	if err := s.CreateRole("piper"); err != nil {
		t.Fatal(err)
	}
	if users, _ := s.UsersOf("piper"); len(users) != 0 {
		t.Errorf("new role piper has users %q", users)
	}
	if grants, _ := s.RolePrivileges("piper"); len(grants) != 0 {
		t.Errorf("new role piper has privileges %v", grants)
	}
}

func TestRoleListings(t *testing.T) {
	s := roleState(t)
	if err := s.Grant("alice", []Privilege{WriteData}, mustPaths(t, "root.a.**"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole("alice", "piper"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRole("other"); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole("alice", "other"); err != nil {
		t.Fatal(err)
	}
	rows := func(gs []Grant) []string {
		var out []string
		for _, g := range gs {
			out = append(out, strings.Join([]string{g.Role, g.Path.String(), string(g.Privilege)}, " ")+map[bool]string{true: " +", false: ""}[g.GrantOption])
		}
		return out
	}
	got, err := s.RolePrivileges("piper")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"piper root.** USE_PIPE +", "piper root.sg.** READ_DATA +"}
	if !reflect.DeepEqual(rows(got), want) {
		t.Errorf("RolePrivileges(piper) = %q, want %q", rows(got), want)
	}
	got, _ = s.Privileges("alice")
	want = []string{" root.a.** WRITE_DATA", "piper root.** USE_PIPE +", "piper root.sg.** READ_DATA +"}
	if !reflect.DeepEqual(rows(got), want) {
		t.Errorf("Privileges(alice) = %q, want %q", rows(got), want)
	}
	if roles, _ := s.RolesOf("alice"); !reflect.DeepEqual(roles, []string{"other", "piper"}) {
		t.Errorf("RolesOf(alice) = %q", roles)
	}
	// Granting again without the option keeps it; revoking and granting
	// again without it clears it.
	if err := s.GrantToRole("piper", []Privilege{UsePipe}, mustPaths(t, "root.**"), false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RolePrivileges("piper"); !got[0].GrantOption {
		t.Error("a second GRANT without the option cleared it")
	}
	_ = s.RevokeFromRole("piper", []Privilege{UsePipe}, mustPaths(t, "root.**"))
	_ = s.GrantToRole("piper", []Privilege{UsePipe}, mustPaths(t, "root.**"), false)
	if got, _ := s.RolePrivileges("piper"); got[0].GrantOption {
		t.Error("grant option survives REVOKE")
	}
}

func TestRolesSnapshot(t *testing.T) {
	s := roleState(t)
	if err := s.GrantRole("alice", "piper"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRole("empty_role"); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("bobby", []Privilege{Maintain}, mustPaths(t, "root.**"), true); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got State
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(&got); string(again) != string(data) {
		t.Errorf("round trip changed the snapshot:\n%s\n%s", data, again)
	}
	if !reflect.DeepEqual(got.Roles(), []string{"empty_role", "piper"}) {
		t.Errorf("roles %q after restore", got.Roles())
	}
	for _, u := range []string{"alice", "bobby"} {
		want, _ := s.Privileges(u)
		have, _ := got.Privileges(u)
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: privileges %v after restore, want %v", u, have, want)
		}
	}
	if !got.Allowed("alice", UsePipe, rootPattern) {
		t.Error("alice's role lost in the snapshot")
	}
	// The copy the ConfigNodes send to DataNodes keeps the roles.
	sealed, err := got.WithHashes(func(h string) (string, error) { return "sealed:" + h, nil })
	if err != nil {
		t.Fatal(err)
	}
	if !sealed.Allowed("alice", UsePipe, rootPattern) || !reflect.DeepEqual(sealed.Roles(), got.Roles()) {
		t.Error("WithHashes lost the roles")
	}
	// The copy is independent of its source.
	c := got.Clone()
	if err := got.DropRole("piper"); err != nil {
		t.Fatal(err)
	}
	if !c.Allowed("alice", UsePipe, rootPattern) {
		t.Error("clone changed with its source")
	}
	if got.Allowed("alice", UsePipe, rootPattern) {
		t.Error("DROP ROLE after restore left alice the role's privileges")
	}

	bad := map[string]string{
		"missing role":       `{"version":1,"users":[{"name":"root","password_hash":"` + rootPasswordHash + `","roles":["ghost"]}]}`,
		"role twice":         `{"version":1,"users":[{"name":"root","password_hash":"` + rootPasswordHash + `"}],"roles":[{"name":"abcd"},{"name":"abcd"}]}`,
		"bad role name":      `{"version":1,"users":[{"name":"root","password_hash":"` + rootPasswordHash + `"}],"roles":[{"name":"a"}]}`,
		"bad role privilege": `{"version":1,"users":[{"name":"root","password_hash":"` + rootPasswordHash + `"}],"roles":[{"name":"abcd","global":["READ_DATA"]}]}`,
	}
	for name, in := range bad {
		var st State
		if err := json.Unmarshal([]byte(in), &st); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestMayGrant(t *testing.T) {
	s := roleState(t) // piper: USE_PIPE on root.**, READ_DATA on root.sg.**, both with grant option
	if err := s.Grant("bobby", []Privilege{WriteData}, mustPaths(t, "root.w.**"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("bobby", []Privilege{ReadSchema, Maintain}, mustPaths(t, "root.**"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole("bobby", "piper"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		privs []Privilege
		paths []string
		want  bool
	}{
		{[]Privilege{ReadData}, []string{"root.sg.**"}, true},
		{[]Privilege{ReadData}, []string{"root.sg.d1.*", "root.sg.d2.s"}, true},
		{[]Privilege{ReadData, WriteData}, []string{"root.sg.**"}, false},
		{[]Privilege{WriteData}, []string{"root.w.d.**"}, true},
		{[]Privilege{ReadData}, []string{"root.**"}, false},
		{[]Privilege{UsePipe}, []string{"root.**"}, true},
		{[]Privilege{Maintain}, []string{"root.**"}, false}, // held without the option
		{[]Privilege{ReadSchema}, []string{"root.sg.**"}, false},
		{[]Privilege{All}, []string{"root.sg.**"}, false},
		{[]Privilege{"FLY"}, []string{"root.sg.**"}, false},
	}
	for _, tt := range tests {
		if got := s.MayGrant("bobby", tt.privs, mustPaths(t, tt.paths...)); got != tt.want {
			t.Errorf("MayGrant(bobby, %v, %v) = %v, want %v", tt.privs, tt.paths, got, tt.want)
		}
	}
	if !s.MayGrant(RootUser, []Privilege{All}, mustPaths(t, "root.**")) || s.MayGrant("alice", []Privilege{ReadData}, mustPaths(t, "root.sg.**")) || s.MayGrant("nobody", []Privilege{ReadData}, mustPaths(t, "root.sg.**")) {
		t.Error("MayGrant of root, a user without options or an unknown user is wrong")
	}
}
