package seal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	if err := CreateKeyFile(dir); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKey(dir)
	if err != nil || k == nil {
		t.Fatalf("LoadKey: %v %v", k, err)
	}
	s := k.Seal("s3cret-pw")
	if !IsSealed(s) || strings.Contains(s, "s3cret") {
		t.Fatalf("sealed value %q", s)
	}
	if again := k.Seal("s3cret-pw"); again != s {
		t.Fatal("equal secrets sealed differently: sink reuse would break")
	}
	if k.Seal(s) != s {
		t.Fatal("sealing a sealed value changed it")
	}
	if pt, err := k.Open(s); err != nil || pt != "s3cret-pw" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if pt, err := k.Open("plain"); err != nil || pt != "plain" {
		t.Fatalf("Open of plaintext = %q, %v", pt, err)
	}

	// Another cluster's key, a tampered value, and no key at all fail
	// with an error that says what to do.
	other := t.TempDir()
	if err := CreateKeyFile(other); err != nil {
		t.Fatal(err)
	}
	k2, _ := LoadKey(other)
	if _, err := k2.Open(s); err == nil || !strings.Contains(err.Error(), "cluster.key") {
		t.Fatalf("Open with another key: %v", err)
	}
	if _, err := k.Open(s[:len(s)-2] + "AA"); err == nil {
		t.Fatal("a tampered value opened")
	}
	var none *Key
	if _, err := none.Open(s); err == nil || !strings.Contains(err.Error(), "cluster_certs_dir") {
		t.Fatalf("Open without a key: %v", err)
	}
	if none.Seal("x") != "x" {
		t.Fatal("a nil key sealed")
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	if k, err := LoadKey(dir); k != nil || err != nil {
		t.Fatalf("no key file: %v %v", k, err)
	}
	if err := CreateKeyFile(dir); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if err := CreateKeyFile(dir); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if string(first) != string(second) {
		t.Fatal("CreateKeyFile replaced an existing key")
	}
	if fi, _ := os.Stat(filepath.Join(dir, KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode().Perm())
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); err == nil {
		t.Fatal("a malformed key loaded")
	}
}
