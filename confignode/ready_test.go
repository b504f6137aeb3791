package confignode

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/consensus"
)

// A ConfigNode bound to the wildcard joins under its advertised address;
// Ready follows the node's life: starting, serving, without a quorum once
// the other voter of two is gone, shutting down.
func TestConfigNodeReadyAndWildcardBind(t *testing.T) {
	seed := newTestCN(t)
	seed.start(t)
	n := newTestCN(t, seed.cfg.Internal.String())
	n.cfg.BindHost = "0.0.0.0"
	reg := prometheus.NewRegistry()
	if err := New(n.cfg, slog.New(slog.DiscardHandler), reg, consensus.NewMetrics(reg)).Ready(); err == nil || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("Ready before Start = %v, want starting", err)
	}
	n.start(t)
	for _, c := range []*testCN{seed, n} {
		if err := c.Ready(); err != nil {
			t.Fatalf("Ready of a started ConfigNode: %v", err)
		}
	}
	for _, v := range seed.voters() {
		if strings.Contains(v, "0.0.0.0") || !strings.Contains(v, "@127.0.0.1:") {
			t.Fatalf("voters %v: want every address advertised on 127.0.0.1", seed.voters())
		}
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}
	if err := seed.Ready(); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Fatalf("Ready of a closed ConfigNode = %v, want shutting down", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := n.Ready()
		if err != nil && strings.Contains(err.Error(), "no ConfigNode leader") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ready of a ConfigNode without quorum = %v, want no ConfigNode leader", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
