package certs

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// A nil *Source stands for a cluster configured insecure
// (cluster_insecure=true): the helpers below then leave connections as
// plain TCP. Every node-to-node channel goes through them, so one value
// decides for all of them.

// Secure reports whether node-to-node traffic uses mutual TLS.
func (s *Source) Secure() bool { return s != nil }

// DialCredentials are the gRPC transport credentials for dialling another
// node.
func (s *Source) DialCredentials() grpc.DialOption {
	if s == nil {
		return grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	return grpc.WithTransportCredentials(grpcCreds{s})
}

// ServerCredentials are the gRPC server options that require every caller
// to present a certificate of the cluster CA; none when insecure.
func (s *Source) ServerCredentials() []grpc.ServerOption {
	if s == nil {
		return nil
	}
	return []grpc.ServerOption{grpc.Creds(grpcCreds{s})}
}

// grpcCreds are gRPC transport credentials over a Source. gRPC's own TLS
// credentials would verify a peer against the CA bundle read once; these
// use the Source's checks, so that a rotated CA or certificate takes
// effect without a restart, and verify IP-address peers by their address.
type grpcCreds struct{ s *Source }

// handshakeTimeout bounds a TLS handshake when the caller gives no deadline.
const handshakeTimeout = 10 * time.Second

func (g grpcCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	timeout := handshakeTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	c, err := g.s.ClientConn(raw, authority, timeout)
	if err != nil {
		return nil, nil, err
	}
	return c, tlsInfo(c), nil
}

func (g grpcCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	c, err := g.s.ServerConn(raw, handshakeTimeout)
	if err != nil {
		return nil, nil, err
	}
	return c, tlsInfo(c), nil
}

func tlsInfo(c net.Conn) credentials.TLSInfo {
	return credentials.TLSInfo{State: c.(*tls.Conn).ConnectionState(),
		CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity}}
}

func (g grpcCreds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls"}
}

func (g grpcCreds) Clone() credentials.TransportCredentials { return g }

// OverrideServerName is deprecated in gRPC and unused here.
func (g grpcCreds) OverrideServerName(string) error { return nil }

// ServerConn runs the server side of the TLS handshake on an accepted
// connection, within timeout. Insecure, it returns c as it is.
func (s *Source) ServerConn(c net.Conn, timeout time.Duration) (net.Conn, error) {
	if s == nil {
		return c, nil
	}
	tc := tls.Server(c, s.ServerConfig())
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake with %s: %w", c.RemoteAddr(), err)
	}
	return tc, nil
}

// ClientConn runs the client side of the TLS handshake on a connection
// dialled to address (host:port, whose host the peer's certificate must
// name), within timeout. Insecure, it returns c as it is.
func (s *Source) ClientConn(c net.Conn, address string, timeout time.Duration) (net.Conn, error) {
	if s == nil {
		return c, nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	tc := tls.Client(c, s.ClientConfig(host))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake with %s: %w", address, err)
	}
	return tc, nil
}
