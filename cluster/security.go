package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/seal"
)

// expiryWarning is how long before its certificate expires a node starts
// warning about it at start.
const expiryWarning = 30 * 24 * time.Hour

// nodeCerts decides how the node's node-to-node traffic is secured: mutual
// TLS from cluster_certs_dir, or, only when cluster_insecure says so,
// nothing (a nil Source), which it warns about. A node with neither does
// not start: an open internal port lets anyone act as a node.
func nodeCerts(cfg config.Config, logger *slog.Logger) (*certs.Source, error) {
	switch {
	case cfg.ClusterCertsDir != "" && cfg.ClusterInsecure:
		return nil, errors.New("both cluster_certs_dir and cluster_insecure=true are set: choose mutual TLS or none")
	case cfg.ClusterInsecure:
		logger.Warn("node-to-node traffic is neither authenticated nor encrypted (cluster_insecure=true): " +
			"anyone who reaches the internal ports can act as a node; see docs/security.md to set up certificates")
		return nil, nil
	case cfg.ClusterCertsDir == "":
		return nil, errors.New("no certificates for node-to-node TLS: set cluster_certs_dir to a directory made with " +
			"`sluice cert create-ca` and `sluice cert create-node` (docs/security.md), or cluster_insecure=true on a trusted network")
	}
	src, err := certs.Open(cfg.ClusterCertsDir)
	if err != nil {
		return nil, fmt.Errorf("cluster_certs_dir: %w", err)
	}
	expires := src.NotAfter()
	logger.Info("node-to-node traffic uses mutual TLS", "certs_dir", cfg.ClusterCertsDir, "node_cert_expires", expires.UTC().Format(time.RFC3339))
	if left := time.Until(expires); left < expiryWarning {
		logger.Warn("the node certificate expires soon: issue a new one with sluice cert create-node --overwrite (no restart needed)",
			"expires", expires.UTC().Format(time.RFC3339), "left", left.Round(time.Hour))
	}
	return src, nil
}

// clusterKey loads the cluster key (seal.KeyFile) from the certificates
// directory. Without one (an insecure cluster, or a directory made before
// the key existed), secrets travel and rest as written, which it warns
// about when the node has certificates.
func clusterKey(src *certs.Source, logger *slog.Logger) (*seal.Key, error) {
	if !src.Secure() {
		return nil, nil
	}
	key, err := seal.LoadKey(src.Dir())
	if err != nil {
		return nil, fmt.Errorf("cluster_certs_dir: %w", err)
	}
	if key == nil {
		logger.Warn("no " + seal.KeyFile + " in cluster_certs_dir: password hashes and pipe sink passwords are not sealed; copy the key sluice cert create-ca made next to ca.crt")
	}
	return key, nil
}
