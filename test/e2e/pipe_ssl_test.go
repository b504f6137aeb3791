package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeSSLWrongCertificate: an iotdb-thrift-ssl-sink whose trust store
// holds another CA than the one that signed the receiver's certificate
// sends nothing, and the pipe says why, naming the certificate.
func TestPipeSSLWrongCertificate(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1", "localhost"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateCA(other, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	b := proc.StartStandalone(t, "enable_thrift_ssl=true",
		"thrift_ssl_cert_file="+filepath.Join(dir, certs.NodeCertFile), "thrift_ssl_key_file="+filepath.Join(dir, certs.NodeKeyFile))
	a := newPipeClient(t, proc.StartStandalone(t))
	create := "CREATE PIPE tlsbad WITH SINK ('sink'='iotdb-thrift-ssl-sink', 'sink.ip'='127.0.0.1', 'sink.port'='" + strconv.Itoa(b.Port) + "', " +
		"'sink.ssl.trust-store-path'='" + filepath.Join(other, certs.CACertFile) + "')"
	if st, err := a.exec(create); err != nil {
		t.Fatal(err)
	} else if st.Code != 200 {
		// Refused at CREATE, by the probe of the target: it must say why.
		if !strings.Contains(st.GetMessage(), "certificate") {
			t.Fatalf("CREATE PIPE refused without naming the certificate: %s", statusString(st))
		}
		t.Logf("CREATE PIPE refused: %s", statusString(st))
		return
	}
	a.mustExec("INSERT INTO root.tlsbad.d(time, s) VALUES (1, 1.5)")
	pipeWaitFor(t, pipeDeadline, "the pipe's ExceptionMessage naming the certificate", func() (bool, string) {
		r := a.pipe("tlsbad")
		return r != nil && strings.Contains(r["ExceptionMessage"], "certificate"), fmt.Sprint(r)
	})
	t.Logf("ExceptionMessage: %s", a.pipe("tlsbad")["ExceptionMessage"])
	// Nothing reached B: its database was never created.
	_, out := cliRun(t, "-p", strconv.Itoa(b.Port), "-usessl", "true", "-ts", filepath.Join(dir, certs.CACertFile), "-e", "SHOW DATABASES")
	if strings.Contains(out, "root.tlsbad") {
		t.Fatalf("the receiver got data over a connection its certificate should have refused:\n%s", out)
	}
}
