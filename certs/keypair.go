package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// KeyPair serves one certificate and key from PEM files to TLS servers
// that clients reach (the client port), reading them again when they
// change, as Source does for node certificates.
type KeyPair struct {
	certFile, keyFile string

	mu      sync.Mutex
	checked time.Time
	stamp   string
	cert    *tls.Certificate
}

// OpenKeyPair loads certFile and keyFile.
func OpenKeyPair(certFile, keyFile string) (*KeyPair, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("a certificate file and a key file are both needed")
	}
	k := &KeyPair{certFile: certFile, keyFile: keyFile}
	stamp, err := k.fileStamp()
	if err != nil {
		return nil, err
	}
	if err := k.load(stamp); err != nil {
		return nil, err
	}
	k.checked = time.Now()
	return k, nil
}

// ServerConfig is a TLS server configuration presenting the key pair.
// TLS 1.2 is accepted too: clients are not all recent.
func (k *KeyPair) ServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return k.current(), nil
	}}
}

func (k *KeyPair) current() *tls.Certificate {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now := time.Now(); now.Sub(k.checked) >= recheckEvery {
		k.checked = now
		if stamp, err := k.fileStamp(); err == nil && stamp != k.stamp {
			_ = k.load(stamp) // a file half-written keeps the pair in use
		}
	}
	return k.cert
}

func (k *KeyPair) fileStamp() (string, error) {
	var b []byte
	for _, f := range []string{k.certFile, k.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		b = fmt.Appendf(b, "%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return string(b), nil
}

func (k *KeyPair) load(stamp string) error {
	cert, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
	if err != nil {
		return fmt.Errorf("%s and %s: %w", k.certFile, k.keyFile, err)
	}
	k.cert, k.stamp = &cert, stamp
	return nil
}

// ClientConfig is a TLS client configuration for a server at host whose
// certificate chains to the CAs of caFile (PEM), or to the system's roots
// when caFile is empty.
func ClientConfig(host, caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
