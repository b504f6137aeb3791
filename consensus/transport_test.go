package consensus

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/test/netfault"
)

// A leadership transfer to a peer that accepts connections and answers
// nothing (a paused process) holds the leader's writes until TimeoutNow
// returns: the transport bounds it by TimeoutNowLimit, not by its I/O
// timeout, with or without TLS (a handshake the peer never completes), and
// closing the transport does not wait for what it gave up on.
func TestTransportTimeoutNowBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  func(*testing.T) *certs.Source
	}{
		{"plain", func(*testing.T) *certs.Source { return nil }},
		{"tls", testCerts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			silent := netfault.StartSilentPeer(t)
			mux := startMuxesWith(t, 1, time.Second, tc.src(t))[0]
			const ioTimeout = 20 * time.Second
			tr, err := mux.Transport("region-1", ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = tr.TimeoutNow("dn9", raft.ServerAddress(silent.Addr()), &raft.TimeoutNowRequest{}, &raft.TimeoutNowResponse{})
			took := time.Since(start)
			if err == nil {
				t.Fatal("TimeoutNow to a silent peer succeeded")
			}
			if took < TimeoutNowLimit || took > TimeoutNowLimit+time.Second {
				t.Errorf("TimeoutNow to a silent peer returned after %s (%v), want about %s", took, err, TimeoutNowLimit)
			}
			start = time.Now()
			closeTransport(t, tr)
			if took := time.Since(start); took > time.Second {
				t.Errorf("closing the transport took %s, want it to abandon the call to the silent peer at once", took)
			}
		})
	}
}
