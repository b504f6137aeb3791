package cluster

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/seal"
)

// TestNodeCerts: the choices a cluster node makes about its node-to-node
// security at start, and what it logs.
func TestNodeCerts(t *testing.T) {
	soon := t.TempDir() // a node certificate that expires in 10 days
	if err := certs.CreateCA(soon, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(soon, "", []string{"127.0.0.1"}, certs.Options{Lifetime: 10 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      config.Config
		err, log string
		secure   bool
	}{
		{name: "neither", err: "cluster_insecure=true"},
		{name: "both", cfg: config.Config{ClusterCertsDir: soon, ClusterInsecure: true}, err: "choose mutual TLS or none"},
		{name: "insecure", cfg: config.Config{ClusterInsecure: true}, log: "neither authenticated nor encrypted"},
		{name: "missing files", cfg: config.Config{ClusterCertsDir: t.TempDir()}, err: "sluice cert"},
		{name: "expiring", cfg: config.Config{ClusterCertsDir: soon}, log: "expires soon", secure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			src, err := nodeCerts(tt.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if src.Secure() != tt.secure {
				t.Fatalf("secure = %v, want %v", src.Secure(), tt.secure)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Fatalf("log %q does not say %q", logs.String(), tt.log)
			}
		})
	}
}

// TestClusterKey: the cluster key comes from the certificates directory;
// an insecure node has none, and a directory without one is warned about.
func TestClusterKey(t *testing.T) {
	dir := t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	src, err := certs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.DiscardHandler)
	if k, err := clusterKey(src, discard); err != nil || k == nil || !seal.IsSealed(k.Seal("x")) {
		t.Fatalf("clusterKey with cluster.key: %v, %v", k, err)
	}
	if k, err := clusterKey(nil, discard); k != nil || err != nil {
		t.Fatalf("clusterKey insecure: %v, %v", k, err)
	}
	if err := os.Remove(filepath.Join(dir, seal.KeyFile)); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if k, err := clusterKey(src, slog.New(slog.NewTextHandler(&logs, nil))); k != nil || err != nil || !strings.Contains(logs.String(), "not sealed") {
		t.Fatalf("clusterKey without cluster.key: %v, %v, log %q", k, err, logs.String())
	}
}
