package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// recheckEvery bounds how often the files are looked at for changes.
const recheckEvery = time.Second

// Source serves a certificates directory to TLS: its node certificate to
// present and its CA bundle to verify peers with. Files are read again,
// at most once a second, when their modification time or size changes. A
// changed file that does not load (half-written, wrong key) is logged by
// the caller through the error of the handshake and the old material stays
// in use.
type Source struct {
	dir string
	now func() time.Time

	mu        sync.Mutex
	checked   time.Time
	stamp     string // modification times and sizes of the files loaded
	cert      *tls.Certificate
	pool      *x509.CertPool
	loadError error // of the last reload attempt that failed, for Check
}

// Open loads dir's ca.crt, node.crt and node.key and checks that the CA
// signed the node certificate.
func Open(dir string) (*Source, error) {
	s := &Source{dir: dir, now: time.Now}
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the certificates directory.
func (s *Source) Dir() string { return s.dir }

// ServerConfig is a TLS server configuration that presents the node
// certificate and requires a client certificate signed by the CA.
func (s *Source) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS13,
		ClientAuth:     tls.RequireAnyClientCert, // verified below, against the current CA bundle
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.current() },
		VerifyConnection: func(cs tls.ConnectionState) error {
			return s.verify(cs, "", x509.ExtKeyUsageClientAuth)
		},
	}
}

// ClientConfig is a TLS client configuration that presents the node
// certificate and accepts a server whose certificate the CA signed for
// host, the name or IP address dialled.
func (s *Source) ClientConfig(host string) *tls.Config {
	return &tls.Config{
		MinVersion:           tls.VersionTLS13,
		ServerName:           host,
		InsecureSkipVerify:   true, // verified below, against the current CA bundle and host
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return s.current() },
		VerifyConnection: func(cs tls.ConnectionState) error {
			if host == "" {
				return errors.New("tls: no host name to verify the peer's certificate against")
			}
			return s.verify(cs, host, x509.ExtKeyUsageServerAuth)
		},
	}
}

// verify checks the peer's chain against the current CA bundle; host, when
// set, must be named by the leaf.
func (s *Source) verify(cs tls.ConnectionState, host string, usage x509.ExtKeyUsage) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tls: the peer presented no certificate: every node-to-node connection needs one signed by the cluster CA")
	}
	pool, err := s.roots()
	if err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	leaf := cs.PeerCertificates[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: host,
		KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: s.now()}); err != nil {
		return fmt.Errorf("tls: the peer's certificate (%s) is not valid for this cluster: %w", leaf.Subject.CommonName, err)
	}
	return nil
}

func (s *Source) current() (*tls.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeReloadLocked()
	return s.cert, nil
}

func (s *Source) roots() (*x509.CertPool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeReloadLocked()
	return s.pool, nil
}

// Check reloads the files now and returns why they do not load, if they
// do not; what is in use is unchanged on error.
func (s *Source) Check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked = time.Time{}
	s.maybeReloadLocked()
	return s.loadError
}

// NotAfter is when the node certificate in use expires.
func (s *Source) NotAfter() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert.Leaf.NotAfter
}

func (s *Source) maybeReloadLocked() {
	now := s.now()
	if !s.checked.IsZero() && now.Sub(s.checked) < recheckEvery {
		return
	}
	s.checked = now
	stamp, err := s.fileStamp()
	if err != nil || stamp == s.stamp {
		s.loadError = err
		return
	}
	s.loadError = s.loadLocked(stamp)
}

func (s *Source) reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamp, err := s.fileStamp()
	if err != nil {
		return err
	}
	s.checked = s.now()
	return s.loadLocked(stamp)
}

func (s *Source) files() []string {
	return []string{filepath.Join(s.dir, CACertFile), filepath.Join(s.dir, NodeCertFile), filepath.Join(s.dir, NodeKeyFile)}
}

func (s *Source) fileStamp() (string, error) {
	var b []byte
	for _, f := range s.files() {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("certificates: %w (create them with sluice cert)", err)
		}
		b = fmt.Appendf(b, "%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return string(b), nil
}

// loadLocked reads the files and swaps them in when they are consistent.
func (s *Source) loadLocked(stamp string) error {
	f := s.files()
	caPEM, err := os.ReadFile(f[0])
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("certificates: %s holds no PEM certificate", f[0])
	}
	cert, err := tls.LoadX509KeyPair(f[1], f[2])
	if err != nil {
		return fmt.Errorf("certificates: %s and %s: %w", f[1], f[2], err)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: s.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("certificates: %s is not valid under %s: %w", f[1], f[0], err)
	}
	s.cert, s.pool, s.stamp = &cert, pool, stamp
	return nil
}
