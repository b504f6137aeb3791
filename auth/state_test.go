package auth

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

func mustPath(t *testing.T, s string) model.Path {
	t.Helper()
	p, err := model.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPaths(t *testing.T, ss ...string) []model.Path {
	t.Helper()
	var out []model.Path
	for _, s := range ss {
		out = append(out, mustPath(t, s))
	}
	return out
}

// wantErr checks that err is target with code.
func wantErr(t *testing.T, err, target error, code status.Code) {
	t.Helper()
	if target == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
	if got := status.CodeOf(err); got != code {
		t.Fatalf("status.CodeOf(%v) = %d, want %d", err, got, code)
	}
}

// newState returns New() with user "alice" (password "alice1").
func newState(t *testing.T) *State {
	t.Helper()
	s := New()
	if err := s.CreateUser("alice", mustHash(t, "alice1")); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNew(t *testing.T) {
	s := New()
	if got := s.Users(); !reflect.DeepEqual(got, []string{"root"}) {
		t.Errorf("Users() = %q", got)
	}
	if err := s.Authenticate("root", "root"); err != nil {
		t.Errorf("root/root: %v", err)
	}
	a, _ := New().MarshalJSON()
	b, _ := New().MarshalJSON()
	if string(a) != string(b) {
		t.Error("New is not deterministic")
	}
}

func TestCreateUser(t *testing.T) {
	h := mustHash(t, "secret")
	tests := []struct {
		name, user, hash string
		err              error
		code             status.Code
	}{
		{"ok", "bob_2", h, nil, 0},
		{"exists", "alice", h, ErrUserExists, status.UserAlreadyExist},
		{"root exists", "root", h, ErrUserExists, status.UserAlreadyExist},
		{"too short", "bob", h, ErrBadName, status.IllegalParameter},
		{"too long", strings.Repeat("b", 33), h, ErrBadName, status.IllegalParameter},
		{"longest", strings.Repeat("b", 32), h, nil, 0},
		{"bad char", "bob-2", h, ErrBadName, status.IllegalParameter},
		{"dot", "bob.x", h, ErrBadName, status.IllegalParameter},
		{"plain password as hash", "carol", "secret", ErrBadHash, status.IllegalParameter},
		{"empty hash", "carol", "", ErrBadHash, status.IllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			err := s.CreateUser(tt.user, tt.hash)
			wantErr(t, err, tt.err, tt.code)
			if tt.err == nil {
				if err := s.Authenticate(tt.user, "secret"); err != nil {
					t.Errorf("new user cannot log in: %v", err)
				}
				if ps, _ := s.Privileges(tt.user); len(ps) != 0 {
					t.Errorf("new user has privileges %v", ps)
				}
			} else if tt.hash != "" && strings.Contains(err.Error(), tt.hash) {
				t.Errorf("error %q repeats the password or hash", err)
			}
		})
	}
}

func TestDropUser(t *testing.T) {
	tests := []struct {
		name, user string
		err        error
		code       status.Code
	}{
		{"ok", "alice", nil, 0},
		{"root", "root", ErrRootUser, status.NoPermission},
		{"missing", "nobody", ErrUserNotFound, status.UserNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			wantErr(t, s.DropUser(tt.user), tt.err, tt.code)
			if tt.err == nil {
				if got := s.Users(); !reflect.DeepEqual(got, []string{"root"}) {
					t.Errorf("Users() after drop = %q", got)
				}
			}
		})
	}
}

func TestSetPassword(t *testing.T) {
	tests := []struct {
		name, user, hash string
		err              error
		code             status.Code
	}{
		{"ok", "alice", mustHash(t, "newpass"), nil, 0},
		{"root may change", "root", mustHash(t, "newpass"), nil, 0},
		{"missing", "nobody", mustHash(t, "newpass"), ErrUserNotFound, status.UserNotExist},
		{"not a hash", "alice", "newpass", ErrBadHash, status.IllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			wantErr(t, s.SetPassword(tt.user, tt.hash), tt.err, tt.code)
			if tt.err == nil {
				if err := s.Authenticate(tt.user, "newpass"); err != nil {
					t.Errorf("new password refused: %v", err)
				}
				if err := s.Authenticate(tt.user, "alice1"); err == nil && tt.user == "alice" {
					t.Error("old password still works")
				}
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	s := newState(t)
	tests := []struct {
		name, user, pw string
		err            error
	}{
		{"ok", "alice", "alice1", nil},
		{"root", "root", "root", nil},
		{"wrong password", "alice", "alice2", ErrWrongPassword},
		{"empty password", "alice", "", ErrWrongPassword},
		{"unknown user", "bobby", "alice1", ErrUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Authenticate(tt.user, tt.pw)
			wantErr(t, err, tt.err, status.WrongLoginPassword)
			if err != nil && err.Error() != "Authentication failed." {
				t.Errorf("message %q differs between failures", err)
			}
		})
	}
}

func TestGrantRevoke(t *testing.T) {
	type op struct {
		revoke bool
		user   string
		privs  []Privilege
		paths  []string
		err    error
		code   status.Code
	}
	tests := []struct {
		name string
		ops  []op
		want []string // "path privilege" rows of alice afterwards
	}{
		{"path privilege", []op{
			{false, "alice", []Privilege{ReadData, WriteData}, []string{"root.sg.**", "root.db.d1.s1"}, nil, 0},
		}, []string{"root.db.d1.s1 READ_DATA", "root.db.d1.s1 WRITE_DATA", "root.sg.** READ_DATA", "root.sg.** WRITE_DATA"}},
		{"grant twice is fine", []op{
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**"}, nil, 0},
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**"}, nil, 0},
		}, []string{"root.sg.** READ_DATA"}},
		{"global on root.**", []op{
			{false, "alice", []Privilege{UsePipe, ManageUser}, []string{"root.**"}, nil, 0},
		}, []string{"root.** MANAGE_USER", "root.** USE_PIPE"}},
		{"global elsewhere refused", []op{
			{false, "alice", []Privilege{ReadData, UsePipe}, []string{"root.sg.**"}, ErrBadGrant, status.IllegalParameter},
		}, nil},
		{"all on root.**", []op{
			{false, "alice", []Privilege{All}, []string{"root.**"}, nil, 0},
		}, []string{"root.** READ_DATA", "root.** WRITE_DATA", "root.** READ_SCHEMA", "root.** WRITE_SCHEMA",
			"root.** MANAGE_USER", "root.** MANAGE_ROLE", "root.** MANAGE_DATABASE", "root.** USE_PIPE",
			"root.** USE_TRIGGER", "root.** USE_UDF", "root.** USE_CQ", "root.** USE_MODEL", "root.** MAINTAIN",
			"root.** EXTEND_TEMPLATE"}},
		{"all on a database", []op{
			{false, "alice", []Privilege{All}, []string{"root.sg.**"}, nil, 0},
		}, []string{"root.sg.** READ_DATA", "root.sg.** WRITE_DATA", "root.sg.** READ_SCHEMA", "root.sg.** WRITE_SCHEMA"}},
		{"read and write composites", []op{
			{false, "alice", []Privilege{Read}, []string{"root.sg.**"}, nil, 0},
			{false, "alice", []Privilege{Write}, []string{"root.**"}, nil, 0},
			{true, "alice", []Privilege{Write}, []string{"root.**"}, nil, 0},
		}, []string{"root.sg.** READ_DATA", "root.sg.** READ_SCHEMA"}},
		{"unknown privilege", []op{
			{false, "alice", []Privilege{"FLY"}, []string{"root.**"}, ErrBadPrivilege, status.UnknownAuthPrivilege},
		}, nil},
		{"no paths", []op{
			{false, "alice", []Privilege{ReadData}, nil, ErrBadGrant, status.IllegalParameter},
		}, nil},
		{"no privileges", []op{
			{false, "alice", nil, []string{"root.**"}, ErrBadGrant, status.IllegalParameter},
		}, nil},
		{"unknown user", []op{
			{false, "bobby", []Privilege{ReadData}, []string{"root.**"}, ErrUserNotFound, status.UserNotExist},
		}, nil},
		{"grant to root", []op{
			{false, "root", []Privilege{ReadData}, []string{"root.**"}, ErrRootUser, status.NoPermission},
		}, nil},
		{"revoke from root", []op{
			{true, "root", []Privilege{ReadData}, []string{"root.**"}, ErrRootUser, status.NoPermission},
		}, nil},
		{"revoke", []op{
			{false, "alice", []Privilege{ReadData, WriteData}, []string{"root.sg.**"}, nil, 0},
			{true, "alice", []Privilege{WriteData}, []string{"root.sg.**"}, nil, 0},
		}, []string{"root.sg.** READ_DATA"}},
		{"revoke is by exact pattern", []op{
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**"}, nil, 0},
			{true, "alice", []Privilege{ReadData}, []string{"root.sg.d1.**"}, ErrNotHasPrivilege, status.NotHasPrivilege},
			{true, "alice", []Privilege{ReadData}, []string{"root.**"}, ErrNotHasPrivilege, status.NotHasPrivilege},
		}, []string{"root.sg.** READ_DATA"}},
		{"revoke some held", []op{
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**"}, nil, 0},
			{true, "alice", []Privilege{ReadData, WriteData}, []string{"root.sg.**"}, nil, 0},
		}, nil},
		{"revoke all", []op{
			{false, "alice", []Privilege{All}, []string{"root.**"}, nil, 0},
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**"}, nil, 0},
			{true, "alice", []Privilege{All}, []string{"root.**"}, nil, 0},
		}, []string{"root.sg.** READ_DATA"}},
		{"revoke global", []op{
			{false, "alice", []Privilege{UsePipe}, []string{"root.**"}, nil, 0},
			{true, "alice", []Privilege{UsePipe}, []string{"root.**"}, nil, 0},
			{true, "alice", []Privilege{UsePipe}, []string{"root.**"}, ErrNotHasPrivilege, status.NotHasPrivilege},
		}, nil},
		{"failed grant changes nothing", []op{
			{false, "alice", []Privilege{ReadData, "FLY"}, []string{"root.sg.**"}, ErrBadPrivilege, status.UnknownAuthPrivilege},
			{false, "alice", []Privilege{ReadData}, []string{"root.sg.**", "root.**"}, nil, 0},
			{false, "alice", []Privilege{WriteData, Maintain}, []string{"root.**", "root.sg.**"}, ErrBadGrant, status.IllegalParameter},
		}, []string{"root.** READ_DATA", "root.sg.** READ_DATA"}},
		{"quoted nodes", []op{
			{false, "alice", []Privilege{ReadData}, []string{"root.`a.b`.**"}, nil, 0},
			{true, "alice", []Privilege{ReadData}, []string{"root.`a.b`.**"}, nil, 0},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			for i, o := range tt.ops {
				var err error
				if o.revoke {
					err = s.Revoke(o.user, o.privs, mustPaths(t, o.paths...))
				} else {
					err = s.Grant(o.user, o.privs, mustPaths(t, o.paths...), false)
				}
				if (err == nil) != (o.err == nil) {
					t.Fatalf("op %d: error %v, want %v", i, err, o.err)
				}
				wantErr(t, err, o.err, o.code)
			}
			grants, err := s.Privileges("alice")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range grants {
				got = append(got, g.Path.String()+" "+string(g.Privilege))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("privileges =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestPrivilegesOfRootAndUnknown(t *testing.T) {
	s := New()
	grants, err := s.Privileges("root")
	if err != nil || len(grants) != len(AllPrivileges()) {
		t.Fatalf("Privileges(root) = %v, %v", grants, err)
	}
	for _, g := range grants {
		if g.Path.String() != "root.**" {
			t.Errorf("root grant on %s", g.Path)
		}
	}
	_, err = s.Privileges("nobody")
	wantErr(t, err, ErrUserNotFound, status.UserNotExist)
}

func TestStringHidesHashes(t *testing.T) {
	s := newState(t)
	for _, got := range []string{s.String(), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		if strings.Contains(got, "$2a$") {
			t.Errorf("formatted state shows a hash: %s", got)
		}
	}
}

func TestCredentialFollowsPassword(t *testing.T) {
	s := New()
	hash := mustHash(t, "secret-1")
	if err := s.CreateUser("alice", hash); err != nil {
		t.Fatal(err)
	}
	first, err := s.Credential("alice")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Credential("alice"); again != first {
		t.Fatalf("stamp changed without a password change: %s then %s", first, again)
	}
	if strings.Contains(first, hash) || strings.Contains(hash, first) {
		t.Fatal("the stamp exposes the hash")
	}
	if err := s.SetPassword("alice", mustHash(t, "secret-2")); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Credential("alice"); after == first {
		t.Fatal("the stamp survived a password change")
	}
	if err := s.DropUser("alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Credential("alice"); status.CodeOf(err) != status.UserNotExist {
		t.Fatalf("stamp of a dropped user: %v, want UserNotExist", err)
	}
}

// TestHashesSealedForTheWire: a state whose hashes are sealed encodes and
// decodes, verifies no password, and verifies them again once opened.
func TestHashesSealedForTheWire(t *testing.T) {
	s := New()
	if err := s.CreateUser("alice", mustHash(t, "alice-pw")); err != nil {
		t.Fatal(err)
	}
	seal := func(h string) (string, error) { return "sealed:v1:" + hex.EncodeToString([]byte(h)), nil }
	open := func(h string) (string, error) {
		b, err := hex.DecodeString(strings.TrimPrefix(h, "sealed:v1:"))
		return string(b), err
	}
	sealed, err := s.WithHashes(seal)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := json.Marshal(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(wire), "$2a$") {
		t.Fatalf("a bcrypt hash crossed the wire: %s", wire)
	}
	got := New()
	if err := json.Unmarshal(wire, got); err != nil {
		t.Fatalf("decode a state with sealed hashes: %v", err)
	}
	if err := got.Authenticate("alice", "alice-pw"); err == nil {
		t.Fatal("a sealed hash verified a password")
	}
	opened, err := got.WithHashes(open)
	if err != nil {
		t.Fatal(err)
	}
	if err := opened.Authenticate("alice", "alice-pw"); err != nil {
		t.Fatalf("the opened state does not verify the password: %v", err)
	}
	if err := s.Authenticate("alice", "alice-pw"); err != nil {
		t.Fatalf("the original state changed: %v", err)
	}
}
