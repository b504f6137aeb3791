package standalone

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/config"
)

// A standalone process is ready once both of its nodes are, says so on
// /ready, and stops being ready when closed.
func TestReady(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir, cfg.DNRPCPort, cfg.DNMetricsPort = t.TempDir(), 0, 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Ready(); err != nil {
		t.Fatalf("Ready of a started process: %v", err)
	}
	resp, err := http.Get("http://" + n.MetricsAddr().String() + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ready\n" {
		t.Fatalf("/ready = %d %q, want 200 ready", resp.StatusCode, body)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Ready(); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Fatalf("Ready after Close = %v, want shutting down", err)
	}
}

func TestMetricsAddr(t *testing.T) {
	tests := []struct {
		keys map[string]string
		want string
	}{
		{nil, "127.0.0.1:9092"},
		{map[string]string{"dn_rpc_port": "6668"}, "127.0.0.1:9093"},
		{map[string]string{"dn_rpc_port": "6668", "dn_metrics_port": "9500"}, "127.0.0.1:9500"},
		{map[string]string{"dn_rpc_address": "0.0.0.0"}, "0.0.0.0:9092"},
		{map[string]string{"dn_rpc_address": "0.0.0.0", "dn_metrics_address": "127.0.0.1"}, "127.0.0.1:9092"},
	}
	for _, tt := range tests {
		cfg, _, err := config.Load("", nil, tt.keys)
		if err != nil {
			t.Fatal(err)
		}
		if got := MetricsAddr(cfg); got != tt.want {
			t.Errorf("MetricsAddr(%v) = %s, want %s", tt.keys, got, tt.want)
		}
	}
}
