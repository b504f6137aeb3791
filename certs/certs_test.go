package certs

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cluster makes a CA and a node certificate for localhost in a temp dir.
func cluster(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := CreateCA(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := CreateNode(dir, "", []string{"localhost", "127.0.0.1"}, Options{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func open(t *testing.T, dir string) *Source {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// handshake runs one TLS handshake over loopback between server and
// client configurations and returns the client's and the server's errors
// and the serial number of the certificate the server presented.
func handshake(t *testing.T, server, client *tls.Config, serverName string) (serial string, clientErr, serverErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		tc := tls.Server(c, server)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		err = tc.Handshake()
		if err == nil {
			_, err = io.ReadFull(tc, make([]byte, 1)) // the client's byte: its side verified us too
		}
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := tls.Client(c, client)
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	clientErr = tc.Handshake()
	if clientErr == nil {
		serial = tc.ConnectionState().PeerCertificates[0].SerialNumber.String()
		_, clientErr = tc.Write([]byte{1})
	}
	serverErr = <-done
	return serial, clientErr, serverErr
}

func TestMutualTLS(t *testing.T) {
	dir := cluster(t)
	s := open(t, dir)
	if _, cErr, sErr := handshake(t, s.ServerConfig(), s.ClientConfig("localhost"), "localhost"); cErr != nil || sErr != nil {
		t.Fatalf("two nodes of one cluster: client %v, server %v", cErr, sErr)
	}

	// A client without a certificate is refused.
	bare := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}
	if _, _, sErr := handshake(t, s.ServerConfig(), bare, "localhost"); sErr == nil {
		t.Fatal("a client without a certificate got through")
	}

	// A node of another cluster (another CA) is refused both ways.
	other := open(t, cluster(t))
	stranger := other.ClientConfig("localhost")
	stranger.VerifyConnection = nil // it would refuse us first; the server's check is what is tested
	if _, _, sErr := handshake(t, s.ServerConfig(), stranger, "localhost"); sErr == nil || !strings.Contains(sErr.Error(), "not valid for this cluster") {
		t.Fatalf("a client of another CA: server says %v", sErr)
	}
	if _, cErr, _ := handshake(t, other.ServerConfig(), s.ClientConfig("localhost"), "localhost"); cErr == nil {
		t.Fatal("a server of another CA was accepted")
	}

	// The server must be the host dialed.
	if _, cErr, _ := handshake(t, s.ServerConfig(), s.ClientConfig("datanode-9"), "datanode-9"); cErr == nil || !strings.Contains(cErr.Error(), "datanode-9") {
		t.Fatalf("a certificate for localhost accepted as datanode-9: %v", cErr)
	}

	// A client certificate (not valid as a server) works as a client.
	if err := CreateClient(dir, "", "root", Options{}); err != nil {
		t.Fatal(err)
	}
	cc, err := tls.LoadX509KeyPair(filepath.Join(dir, ClientCertFile("root")), filepath.Join(dir, ClientKeyFile("root")))
	if err != nil {
		t.Fatal(err)
	}
	client := s.ClientConfig("localhost")
	client.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cc, nil }
	if _, cErr, sErr := handshake(t, s.ServerConfig(), client, "localhost"); cErr != nil || sErr != nil {
		t.Fatalf("client certificate: client %v, server %v", cErr, sErr)
	}
}

func TestRotationWithoutRestart(t *testing.T) {
	dir := cluster(t)
	s := open(t, dir)
	before, _, _ := handshake(t, s.ServerConfig(), s.ClientConfig("localhost"), "localhost")
	oldCert, err := tls.LoadX509KeyPair(filepath.Join(dir, NodeCertFile), filepath.Join(dir, NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}

	// A new CA is added next to the old one, a new node certificate is
	// issued from it, and the running Source picks both up.
	if err := CreateCA(dir, Options{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if err := CreateNode(dir, "", []string{"localhost"}, Options{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	after, cErr, sErr := handshake(t, s.ServerConfig(), s.ClientConfig("localhost"), "localhost")
	if cErr != nil || sErr != nil {
		t.Fatalf("after rotation: client %v, server %v", cErr, sErr)
	}
	if after == before {
		t.Fatal("the server still presents the old certificate")
	}
	// A peer not yet rotated (a certificate of the old CA) stays trusted:
	// the bundle holds both CAs.
	notYet := s.ClientConfig("localhost")
	notYet.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &oldCert, nil }
	if _, cErr, sErr := handshake(t, s.ServerConfig(), notYet, "localhost"); cErr != nil || sErr != nil {
		t.Fatalf("a peer still on the old CA: client %v, server %v", cErr, sErr)
	}

	// A broken file leaves the certificate in use alone.
	if err := os.WriteFile(filepath.Join(dir, NodeCertFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err == nil {
		t.Fatal("a garbage node.crt loaded")
	}
	if still, cErr, sErr := handshake(t, s.ServerConfig(), s.ClientConfig("localhost"), "localhost"); cErr != nil || sErr != nil || still != after {
		t.Fatalf("after a bad write: client %v, server %v, serial %s want %s", cErr, sErr, still, after)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCreateRefusesToOverwrite(t *testing.T) {
	dir := cluster(t)
	if err := CreateCA(dir, Options{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second create-ca: %v", err)
	}
	if err := CreateNode(dir, "", []string{"localhost"}, Options{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second create-node: %v", err)
	}
	if err := CreateNode(t.TempDir(), dir, nil, Options{}); err == nil {
		t.Fatal("a node certificate without hosts")
	}
	if err := CreateNode(t.TempDir(), t.TempDir(), []string{"x"}, Options{}); err == nil || !strings.Contains(err.Error(), "create-ca") {
		t.Fatalf("without a CA: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, NodeKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("node.key mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenChecksTheChain(t *testing.T) {
	dir := cluster(t)
	other := cluster(t)
	copyFile(t, filepath.Join(other, CACertFile), filepath.Join(dir, CACertFile))
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not valid under") {
		t.Fatalf("a node certificate of another CA: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "sluice cert") {
		t.Fatalf("an empty directory: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	dir := t.TempDir()
	start := time.Now().Add(-48 * time.Hour)
	if err := CreateCA(dir, Options{Now: start}); err != nil {
		t.Fatal(err)
	}
	if err := CreateNode(dir, "", []string{"localhost"}, Options{Now: start, Lifetime: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("an expired node certificate: %v", err)
	}
}

// TestTransportHelpers: the connection helpers speak mutual TLS with peers
// named by IP address or host name, and a nil Source leaves connections
// plain.
func TestTransportHelpers(t *testing.T) {
	s := open(t, cluster(t))
	for _, host := range []string{"127.0.0.1", "localhost"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		done := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			defer c.Close()
			tc, err := s.ServerConn(c, 5*time.Second)
			if err == nil {
				_, err = tc.Write([]byte("ok"))
			}
			done <- err
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		tc, err := s.ClientConn(c, net.JoinHostPort(host, port), 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", host, err)
		}
		buf := make([]byte, 2)
		if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "ok" {
			t.Fatalf("read over TLS from %s: %q %v", host, buf, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("server side with %s: %v", host, err)
		}
		tc.Close()
		ln.Close()
	}
	var insecure *Source
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if c, err := insecure.ClientConn(a, "x:1", time.Second); err != nil || c != a || insecure.Secure() {
		t.Fatalf("an insecure Source changed the connection: %v %v", c, err)
	}
}
