package confignode

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/status"
)

// peers caches gRPC connections to other ConfigNodes by address.
type peers struct {
	certs *certs.Source // nil: plain TCP (cluster_insecure)

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

func newPeers(src *certs.Source) *peers {
	return &peers{certs: src, conns: map[string]*grpc.ClientConn{}}
}

// configNode returns a client of the ConfigNode at addr.
func (p *peers) configNode(addr string) (clusterpb.ConfigNodeClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cc, ok := p.conns[addr]; ok {
		return clusterpb.NewConfigNodeClient(cc), nil
	}
	cc, err := grpc.NewClient(addr, p.certs.DialCredentials(),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 5 * time.Second, PermitWithoutStream: true}))
	if err != nil {
		return nil, fmt.Errorf("ConfigNode address %q: %w", addr, err)
	}
	p.conns[addr] = cc
	return clusterpb.NewConfigNodeClient(cc), nil
}

func (p *peers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, cc := range p.conns {
		cc.Close()
		delete(p.conns, addr)
	}
}

// serverOptions admit the clients' keepalive pings and, with
// certificates, only callers that present one of the cluster CA.
func serverOptions(src *certs.Source) []grpc.ServerOption {
	return append(src.ServerCredentials(),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}))
}

// errUnreachable marks a call that did not reach its ConfigNode.
var errUnreachable = errors.New("ConfigNode unreachable")

func unreachable(err error) error {
	return status.Errorf(status.CanNotConnectConfigNode, "%w", fmt.Errorf("%w: %v", errUnreachable, err))
}

// retryable reports whether a failed call may succeed on another attempt:
// the leader changed or could not be reached.
func retryable(err error) bool {
	switch status.CodeOf(err) {
	case status.RedirectionRecommend, status.ConsensusNotInitialized, status.CanNotConnectConfigNode:
		return true
	}
	return false
}

// leaderChangeBudget bounds how long a call retries while leadership moves.
const leaderChangeBudget = 15 * time.Second

// retryOnLeaderChange runs fn until it succeeds, fails for good, or the
// budget (or ctx) runs out.
func retryOnLeaderChange[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	deadline := time.Now().Add(leaderChangeBudget)
	backoff := 20 * time.Millisecond
	for {
		v, err := fn()
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

func endpointPB(e Endpoint) *clusterpb.Endpoint {
	return &clusterpb.Endpoint{Host: e.Host, Port: int32(e.Port)}
}

func endpointOf(e *clusterpb.Endpoint) Endpoint {
	if e == nil {
		return Endpoint{}
	}
	return Endpoint{Host: e.Host, Port: int(e.Port)}
}
