package auth

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	s := newState(t)
	if err := s.CreateUser("bob_the_user", mustHash(t, "bobpass")); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("alice", []Privilege{ReadData, WriteSchema}, mustPaths(t, "root.sg.**", "root.`x.y`.*"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("alice", []Privilege{UsePipe, Maintain}, mustPaths(t, "root.**"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword("root", mustHash(t, "newroot")); err != nil {
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
	again, err := json.Marshal(&got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("round trip changed the snapshot:\n%s\n%s", data, again)
	}
	for _, u := range s.Users() {
		want, _ := s.Privileges(u)
		have, _ := got.Privileges(u)
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: privileges %v, want %v", u, have, want)
		}
	}
	if !reflect.DeepEqual(got.Users(), s.Users()) {
		t.Errorf("users %q, want %q", got.Users(), s.Users())
	}
	if err := got.Authenticate("root", "newroot"); err != nil {
		t.Errorf("root password lost: %v", err)
	}
	if !got.AllowedPattern("alice", ReadData, mustPath(t, "root.`x.y`.*")) {
		t.Error("quoted pattern grant lost")
	}
	if strings.Contains(string(data), "newroot") || strings.Contains(string(data), "bobpass") {
		t.Error("snapshot contains a password")
	}
}

// A state with roles is written as version 2, which a binary from before
// roles refuses rather than dropping the roles; one without stays version
// 1, and both read back.
func TestSnapshotVersionFollowsRoles(t *testing.T) {
	s := newState(t)
	version := func() int {
		t.Helper()
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ Version int }
		if err := json.Unmarshal(data, &head); err != nil {
			t.Fatal(err)
		}
		var back State
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("version %d does not read back: %v", head.Version, err)
		}
		return head.Version
	}
	if v := version(); v != 1 {
		t.Errorf("without roles: version %d, want 1", v)
	}
	if err := s.CreateRole("operators"); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole("alice", "operators"); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 2 {
		t.Errorf("with a role: version %d, want 2", v)
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	root := `{"name":"root","password_hash":"` + rootPasswordHash + `"}`
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "unexpected end"},
		{"wrong type", `{"version":"x"}`, "decode auth state"},
		{"version", `{"version":3,"users":[` + root + `]}`, "unknown version 3"},
		{"roles in version 1", `{"version":1,"users":[` + root + `],"roles":[{"name":"operators"}]}`, "version 1 holds no roles"},
		{"no root", `{"version":1,"users":[]}`, "no user root"},
		{"bad hash", `{"version":1,"users":[{"name":"root","password_hash":"root"}]}`, "bcrypt"},
		{"bad name", `{"version":1,"users":[` + root + `,{"name":"a b","password_hash":"` + rootPasswordHash + `"}]}`, "user name"},
		{"twice", `{"version":1,"users":[` + root + `,` + root + `]}`, "user root twice"},
		{"bad global", `{"version":1,"users":[` + root + `,{"name":"alice","password_hash":"` + rootPasswordHash + `","global":["READ_DATA"]}]}`, "global privilege"},
		{"bad path priv", `{"version":1,"users":[` + root + `,{"name":"alice","password_hash":"` + rootPasswordHash + `","paths":[{"path":"root.**","privileges":["USE_PIPE"]}]}]}`, "path privilege"},
		{"bad path", `{"version":1,"users":[` + root + `,{"name":"alice","password_hash":"` + rootPasswordHash + `","paths":[{"path":"sg.**","privileges":["READ_DATA"]}]}]}`, "illegal path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			err := json.Unmarshal([]byte(tt.in), s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Unmarshal = %v, want error containing %q", err, tt.want)
			}
			if got := s.Users(); !reflect.DeepEqual(got, []string{"alice", "root"}) {
				t.Errorf("failed Unmarshal changed the state: users %q", got)
			}
		})
	}
}

func TestClone(t *testing.T) {
	s := newState(t)
	if err := s.Grant("alice", []Privilege{ReadData}, mustPaths(t, "root.sg.**"), false); err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	if err := s.Grant("alice", []Privilege{WriteData}, mustPaths(t, "root.sg.**"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.DropUser("alice"); err != nil {
		t.Fatal(err)
	}
	grants, err := c.Privileges("alice")
	if err != nil || len(grants) != 1 || grants[0].Privilege != ReadData {
		t.Errorf("clone changed with its source: %v, %v", grants, err)
	}
	a, _ := c.MarshalJSON()
	b, _ := c.Clone().MarshalJSON()
	if string(a) != string(b) {
		t.Error("clone of clone differs")
	}
}
