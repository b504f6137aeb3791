package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicedb/sluice/seal"
)

// File names inside a certificates directory.
const (
	CACertFile   = "ca.crt"
	CAKeyFile    = "ca.key"
	NodeCertFile = "node.crt"
	NodeKeyFile  = "node.key"
)

// ClientCertFile and ClientKeyFile name user's client certificate files.
func ClientCertFile(user string) string { return "client." + user + ".crt" }

// ClientKeyFile is the key of ClientCertFile(user).
func ClientKeyFile(user string) string { return "client." + user + ".key" }

// Default lifetimes, as CockroachDB's: ten years for a CA, five for the
// certificates it signs.
const (
	DefaultCALifetime   = 10 * 365 * 24 * time.Hour
	DefaultCertLifetime = 5 * 365 * 24 * time.Hour
)

// ErrExists is returned instead of overwriting a file.
var ErrExists = errors.New("file exists (pass --overwrite to replace it)")

// Options are the choices common to every Create function.
type Options struct {
	// Lifetime of the certificate; 0 takes the default of its kind.
	Lifetime time.Duration
	// Overwrite replaces existing files instead of failing.
	Overwrite bool
	// Now is the start of validity; zero means time.Now. Tests set it.
	Now time.Time
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// CreateCA writes a new CA certificate and key into dir, and the cluster
// key (seal.KeyFile) when dir has none. When ca.crt exists and Overwrite
// is set, the new CA goes in front of the old ones rather than replacing
// them (the first is the one that signs), so that nodes trust both while
// certificates are re-issued.
func CreateCA(dir string, o Options) error {
	if o.Lifetime == 0 {
		o.Lifetime = DefaultCALifetime
	}
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	if err := refuseExisting(o.Overwrite, keyPath); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := o.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"Sluice"}, CommonName: "Sluice CA " + now.UTC().Format("2006-01-02 15:04:05")},
		NotBefore:             now.Add(-time.Hour), // tolerate clocks a little behind
		NotAfter:              now.Add(o.Lifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("sign CA certificate: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	existing, err := os.ReadFile(certPath)
	switch {
	case err == nil && !o.Overwrite:
		return fmt.Errorf("%s: %w", certPath, ErrExists)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	case err != nil:
		existing = nil
	}
	bundle := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), existing...)
	// The cluster key that seals the cluster's secrets goes with its first
	// CA; a new CA keeps it.
	if err := seal.CreateKeyFile(dir); err != nil {
		return err
	}
	return writePair(certPath, bundle, keyPath, key)
}

// CreateNode writes node.crt and node.key, signed by the CA in dir (or in
// caDir when it is not empty), valid for hosts: the names and addresses
// other nodes and clients dial. The certificate serves as TLS server and
// client, since a node is both to its peers.
func CreateNode(dir, caDir string, hosts []string, o Options) error {
	if len(hosts) == 0 {
		return errors.New("name at least one host (DNS name or IP address) the node is reached by")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Sluice"}, CommonName: "node"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return issue(dir, caDir, NodeCertFile, NodeKeyFile, tmpl, o)
}

// CreateClient writes a client certificate for user, whose common name is
// the user name.
func CreateClient(dir, caDir, user string, o Options) error {
	if user == "" {
		return errors.New("name the user the client certificate is for")
	}
	// The name becomes part of the file names: only what a user name may
	// hold (letters, digits, underscores), so that it cannot reach outside
	// dir.
	for _, r := range user {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("user name %q may only have letters, digits and underscores", user)
		}
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Sluice"}, CommonName: user},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(dir, caDir, ClientCertFile(user), ClientKeyFile(user), tmpl, o)
}

// issue signs tmpl with the newest CA of caDir (dir when empty) and writes
// the certificate and a new key into dir.
func issue(dir, caDir, certName, keyName string, tmpl *x509.Certificate, o Options) error {
	if caDir == "" {
		caDir = dir
	}
	if o.Lifetime == 0 {
		o.Lifetime = DefaultCertLifetime
	}
	certPath, keyPath := filepath.Join(dir, certName), filepath.Join(dir, keyName)
	if err := refuseExisting(o.Overwrite, certPath, keyPath); err != nil {
		return err
	}
	ca, caKey, err := loadCA(caDir)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := o.now()
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(o.Lifetime)
	if tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter // outliving the CA would be a lie
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("sign %s: %w", certName, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writePair(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPath, key)
}

// loadCA reads the first (newest) certificate of ca.crt and ca.key.
func loadCA(dir string) (*x509.Certificate, any, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, nil, fmt.Errorf("read the CA certificate (create one with sluice cert create-ca): %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, fmt.Errorf("%s holds no PEM certificate", filepath.Join(dir, CACertFile))
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, CACertFile), err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("read the CA key: %w", err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, fmt.Errorf("%s holds no PEM key", filepath.Join(dir, CAKeyFile))
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, CAKeyFile), err)
	}
	pub, ok := key.(*ecdsa.PrivateKey)
	if !ok || !pub.PublicKey.Equal(ca.PublicKey) {
		return nil, nil, fmt.Errorf("%s does not belong to the first certificate of %s", CAKeyFile, CACertFile)
	}
	return ca, key, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("BUG: crypto/rand failed: " + err.Error())
	}
	return n
}

func refuseExisting(overwrite bool, paths ...string) error {
	if overwrite {
		return nil
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s: %w", p, ErrExists)
		}
	}
	return nil
}

// writePair replaces a certificate and its key. Both files are written
// in full beside their targets before either is renamed over its target,
// so that a failed write (a full disk) leaves the old pair as it was.
func writePair(certPath string, certPEM []byte, keyPath string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyTmp, err := stage(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(keyTmp)
	certTmp, err := stage(certPath, certPEM, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(certTmp)
	if err := os.Rename(keyTmp, keyPath); err != nil {
		return err
	}
	return os.Rename(certTmp, certPath)
}

// stage writes data to a synced temporary file next to path and returns its
// name; renaming it over path then replaces path atomically, so that a node
// reloading its certificate never reads half a file.
func stage(path string, data []byte, mode os.FileMode) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	err = func() error {
		if _, err := tmp.Write(data); err != nil {
			return err
		}
		if err := tmp.Chmod(mode); err != nil {
			return err
		}
		return tmp.Sync()
	}()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}
