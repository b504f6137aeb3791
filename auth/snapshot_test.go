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

func TestUnmarshalJSONErrors(t *testing.T) {
	root := `{"name":"root","password_hash":"` + rootPasswordHash + `"}`
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "unexpected end"},
		{"wrong type", `{"version":"x"}`, "decode auth state"},
		{"version", `{"version":2,"users":[` + root + `]}`, "unknown version 2"},
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
