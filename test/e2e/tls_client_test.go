package e2e

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/test/proc"
)

// cliRun runs the built `sluice cli` with args and returns its exit code
// and combined output.
func cliRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(proc.Binary(t), append([]string{"cli"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// TestClientPortTLS: a server with enable_thrift_ssl serves sluice cli
// with -usessl and a trust store, refuses plain and untrusting clients,
// and receives a pipe through iotdb-thrift-ssl-sink.
func TestClientPortTLS(t *testing.T) {
	dir := t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1", "localhost"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, certs.CACertFile)
	b := proc.StartStandalone(t, "enable_thrift_ssl=true",
		"thrift_ssl_cert_file="+filepath.Join(dir, certs.NodeCertFile), "thrift_ssl_key_file="+filepath.Join(dir, certs.NodeKeyFile))
	port := strconv.Itoa(b.Port)

	if code, out := cliRun(t, "-p", port, "-usessl", "true", "-ts", ca, "-e", "SHOW VERSION"); code != 0 || !strings.Contains(out, "Version") {
		t.Fatalf("cli over TLS: exit %d\n%s", code, out)
	}
	if code, out := cliRun(t, "-p", port, "-e", "SHOW VERSION"); code == 0 {
		t.Fatalf("a plain-text cli was served by a TLS port:\n%s", out)
	}
	if code, out := cliRun(t, "-p", port, "-usessl", "true", "-e", "SHOW VERSION"); code == 0 || !strings.Contains(out, "certificate") {
		t.Fatalf("a cli trusting only the system's roots: exit %d\n%s", code, out)
	}

	a := proc.StartStandalone(t)
	ca1 := newPipeClient(t, a)
	ca1.mustExec("CREATE PIPE tls WITH SINK ('sink'='iotdb-thrift-ssl-sink', 'sink.ip'='127.0.0.1', 'sink.port'='"+port+"', "+
		"'sink.ssl.trust-store-path'='"+ca+"', 'sink.ssl.trust-store-pwd'='unused')",
		"INSERT INTO root.tls.d(time, s) VALUES (1, 1.5)", "INSERT INTO root.tls.d(time, s) VALUES (2, 2.5)")
	if r := ca1.pipe("tls"); r == nil || strings.Contains(r["PipeSink"], "unused") {
		t.Fatalf("SHOW PIPES shows the trust store password: %v", r)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, out := cliRun(t, "-p", port, "-usessl", "true", "-ts", ca, "--format", "csv", "-e", "SELECT count(s) FROM root.tls.d")
		if strings.Contains(out, "\n2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pipe over TLS did not deliver 2 points within 30s; last answer:\n%s\nsender: %v", out, ca1.pipe("tls"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
