package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/certs"
)

// TestCertCommands makes a cluster's certificates the way docs/security.md
// says and checks that a node can load them.
func TestCertCommands(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args     []string
		code     int
		out, err string
	}{
		{args: []string{"cert"}, code: 2, err: "usage:"},
		{args: []string{"cert", "create-ca"}, code: 2, err: "--certs-dir is required"},
		{args: []string{"cert", "create-node", "--certs-dir", dir, "localhost"}, code: 1, err: "create-ca"},
		{args: []string{"cert", "create-ca", "--certs-dir", dir}, code: 0, out: "ca.crt"},
		{args: []string{"cert", "create-ca", "--certs-dir", dir}, code: 1, err: "--overwrite"},
		{args: []string{"cert", "create-node", "--certs-dir", dir}, code: 1, err: "at least one host"},
		{args: []string{"cert", "create-node", "--certs-dir", dir, "localhost", "127.0.0.1", "datanode-1"}, code: 0, out: "node.key"},
		{args: []string{"cert", "create-client", "--certs-dir", dir, "root"}, code: 0, out: "client.root.crt"},
		{args: []string{"cert", "create-client", "--certs-dir", dir}, code: 2, err: "exactly one user"},
		{args: []string{"cert", "create-client", "--certs-dir", dir, "a/../../../escaped"}, code: 1, err: "only have letters, digits and underscores"},
		{args: []string{"cert", "frob", "--certs-dir", dir}, code: 2, err: `unknown command "frob"`},
		{args: []string{"cert", "list", "--certs-dir", dir}, code: 0, out: "localhost,datanode-1,127.0.0.1"},
	}
	for _, s := range steps {
		var out, errOut bytes.Buffer
		code := run(s.args, strings.NewReader(""), &out, &errOut)
		if code != s.code || !strings.Contains(out.String(), s.out) || !strings.Contains(errOut.String(), s.err) {
			t.Fatalf("run(%q) = %d\nstdout: %s\nstderr: %s", s.args, code, out.String(), errOut.String())
		}
	}
	var out bytes.Buffer
	run([]string{"cert", "list", "--certs-dir", dir}, strings.NewReader(""), &out, &out)
	for _, want := range []string{"ca.crt", "Sluice CA", "client.root.crt", "root", "node.crt"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("cert list does not show %q:\n%s", want, out.String())
		}
	}
	if _, err := certs.Open(dir); err != nil {
		t.Fatalf("the certificates made by the commands do not load: %v", err)
	}
}

// TestCertInit: init makes a CA and a node certificate once and keeps them
// on later runs, as a compose deployment's one-shot service needs.
func TestCertInit(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if code := run([]string{"cert", "init", "--certs-dir", dir}, strings.NewReader(""), &out, &out); code != 1 || !strings.Contains(out.String(), "name the hosts") {
		t.Fatalf("init without hosts: %d %s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"cert", "init", "--certs-dir", dir, "confignode-1", "datanode-1"}, strings.NewReader(""), &out, &out); code != 0 ||
		!strings.Contains(out.String(), "ca.crt") || !strings.Contains(out.String(), "node.crt") {
		t.Fatalf("first init: %d %s", code, out.String())
	}
	before, err := os.ReadFile(filepath.Join(dir, certs.NodeCertFile))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"cert", "init", "--certs-dir", dir, "confignode-1", "datanode-1"}, strings.NewReader(""), &out, &out); code != 0 || strings.Contains(out.String(), "wrote") {
		t.Fatalf("second init: %d %s", code, out.String())
	}
	after, _ := os.ReadFile(filepath.Join(dir, certs.NodeCertFile))
	if !bytes.Equal(before, after) {
		t.Fatal("a second init replaced the node certificate")
	}
}
