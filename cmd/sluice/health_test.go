package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/telemetry"
	"github.com/sluicedb/sluice/test/proc"
)

// serveProbe serves /ready on bind:0 answering ready's verdict, and
// returns the port.
func serveProbe(t *testing.T, bind string, ready func() error) int {
	t.Helper()
	s, err := telemetry.Listen(net.JoinHostPort(bind, "0"), telemetry.NewRegistry(), ready, telemetry.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr().(*net.TCPAddr).Port
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeConfig(t *testing.T, lines ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "node.properties")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestHealthByAddress(t *testing.T) {
	ready := strconv.Itoa(serveProbe(t, "127.0.0.1", nil))
	notReady := strconv.Itoa(serveProbe(t, "127.0.0.1", func() error {
		return errors.New("no ConfigNode leader: waiting for a quorum of ConfigNodes")
	}))
	closed := strconv.Itoa(proc.FreePort(t))
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"ready", []string{"health", "confignode", "--addr", "127.0.0.1:" + ready}, 0, "confignode 127.0.0.1:" + ready + ": ready", ""},
		{"flags before kind's default", []string{"health", "--addr", "127.0.0.1:" + ready, "--timeout", "2s"}, 0, "standalone", ""},
		{"503", []string{"health", "datanode", "--addr", "127.0.0.1:" + notReady}, 1, "",
			"sluice health: not ready: no ConfigNode leader: waiting for a quorum of ConfigNodes (HTTP 503"},
		{"closed port", []string{"health", "--addr", "127.0.0.1:" + closed}, 1, "", "sluice health: not ready: 127.0.0.1:" + closed},
		{"unknown kind", []string{"health", "ingester"}, 2, "", `unknown node kind "ingester"`},
		{"unknown flag", []string{"health", "--port", "1"}, 2, "", "flag provided but not defined"},
		{"bad addr", []string{"health", "--addr", "localhost"}, 2, "", `invalid --addr "localhost"`},
		{"extra argument", []string{"health", "datanode", "--addr", "127.0.0.1:1", "now"}, 2, "", `unexpected argument "now"`},
		{"bad timeout", []string{"health", "--timeout", "0s", "--addr", "127.0.0.1:1"}, 2, "", "invalid timeout"},
		{"missing config", []string{"health", "datanode", "--config", "/nonexistent/dn.properties"}, 2, "", "dn.properties"},
		{"port picked at start", []string{"health", "confignode", "--config", writeConfig(t, "cn_metrics_port=0")}, 2, "", "cn_metrics_port is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Fatalf("run(%q) = %d\nstdout: %s\nstderr: %s", tt.args, code, out, errOut)
			}
		})
	}
}

// TestHealthDerivesAddress probes listeners bound to the wildcard, as in a
// container, through the address derived from each kind's configuration:
// the wildcard is probed on 127.0.0.1.
func TestHealthDerivesAddress(t *testing.T) {
	port := strconv.Itoa(serveProbe(t, "0.0.0.0", nil))
	tests := []struct {
		kind  string
		lines []string
	}{
		{"datanode", []string{"dn_rpc_address=0.0.0.0", "dn_rpc_advertised_address=datanode-1", "dn_metrics_port=" + port}},
		{"datanode", []string{"dn_metrics_address=0.0.0.0", "dn_metrics_port=" + port}},
		{"confignode", []string{"cn_internal_bind_address=0.0.0.0", "cn_internal_address=confignode-1", "cn_metrics_port=" + port}},
		{"standalone", []string{"dn_rpc_address=0.0.0.0", "dn_metrics_port=" + port}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.lines[0], func(t *testing.T) {
			code, out, errOut := runCmd("health", tt.kind, "--config", writeConfig(t, tt.lines...))
			if code != 0 || !strings.Contains(out, "127.0.0.1:"+port+": ready") {
				t.Fatalf("health %s = %d\nstdout: %s\nstderr: %s", tt.kind, code, out, errOut)
			}
		})
	}
}

// The environment overrides the file, as for the node itself.
func TestHealthEnvOverridesFile(t *testing.T) {
	port := strconv.Itoa(serveProbe(t, "127.0.0.1", nil))
	file := writeConfig(t, "dn_metrics_port="+strconv.Itoa(proc.FreePort(t)))
	if code, _, errOut := runCmd("health", "datanode", "--config", file); code != 1 {
		t.Fatalf("health against the file's closed port = %d, want 1 (%s)", code, errOut)
	}
	t.Setenv("dn_metrics_port", port)
	if code, _, errOut := runCmd("health", "datanode", "--config", file); code != 0 {
		t.Fatalf("health with dn_metrics_port from the environment = %d, want 0 (%s)", code, errOut)
	}
}
