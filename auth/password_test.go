package auth

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/sluicedb/sluice/status"
)

func TestMain(m *testing.M) {
	hashCost = bcrypt.MinCost // keep tests fast; the cost is in the hash
	os.Exit(m.Run())
}

// mustHash hashes pw or fails the test.
func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatalf("HashPassword(%q): %v", pw, err)
	}
	return h
}

func TestHashPassword(t *testing.T) {
	tests := []struct {
		pw      string
		wantErr bool
	}{
		{"root", false},
		{"p@ss_W0rd!", false},
		{"密码密码", false},
		{strings.Repeat("x", 32), false},
		{"abc", true},
		{strings.Repeat("x", 33), true},
		{"has space", true},
		{"tab\there", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			h, err := HashPassword(tt.pw)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPassword) || status.CodeOf(err) != status.IllegalParameter {
					t.Fatalf("HashPassword(%q) = %v, want ErrBadPassword with IllegalParameter", tt.pw, err)
				}
				if strings.Contains(err.Error(), tt.pw) && tt.pw != "" {
					t.Errorf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(h, tt.pw) {
				t.Errorf("hash %q contains the password", h)
			}
			if !CheckPassword(h, tt.pw) {
				t.Error("CheckPassword(hash, pw) = false")
			}
			if CheckPassword(h, tt.pw+"x") {
				t.Error("CheckPassword(hash, other) = true")
			}
		})
	}
	if CheckPassword("root", "root") {
		t.Error("CheckPassword accepts a plain password as hash")
	}
}

func TestRootPasswordHash(t *testing.T) {
	if !CheckPassword(rootPasswordHash, "root") {
		t.Fatal("rootPasswordHash is not a hash of \"root\"")
	}
}
