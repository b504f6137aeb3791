package datanode

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
)

// A DataNode bound to the wildcard shows its advertised client endpoint;
// Ready follows its life from serving to shutting down.
func TestReadyAndAdvertisedEndpoint(t *testing.T) {
	n := startNode(t, t.TempDir(), func(c *Config) {
		c.RPCAddr = "0.0.0.0:0"
		c.RPCAdvertised = confignode.Endpoint{Host: "db.example.com", Port: 16667}
	})
	if err := n.dn.Ready(); err != nil {
		t.Fatalf("Ready of a started DataNode: %v", err)
	}
	n.mustExec("insert into root.sg.d1(time, s1) values (1, 1)")
	if got, want := flat(n.mustExec("show datanodes")), "1,Running,db.example.com,16667,2,0"; got != want {
		t.Errorf("show datanodes = %q, want %q", got, want)
	}
	for _, row := range n.mustExec("show regions") {
		if row[5] != "db.example.com" || row[6] != "16667" {
			t.Errorf("show regions row %v: want the advertised endpoint", row)
		}
	}
	dn := n.dn
	if err := dn.Close(); err != nil {
		t.Fatal(err)
	}
	n.dn = nil
	if err := dn.Ready(); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("Ready after Close = %v, want shutting down", err)
	}
}

// Before Start, Ready says what the node is waiting for.
func TestReadyBeforeStart(t *testing.T) {
	n := startNode(t, t.TempDir())
	reg := prometheus.NewRegistry()
	d := New(Config{RPCAddr: "127.0.0.1:0"}, n.cn, n.dn.logger, reg, consensus.NewMetrics(reg))
	if err := d.Ready(); err == nil || !strings.Contains(err.Error(), "starting") {
		t.Errorf("Ready before Start = %v, want starting", err)
	}
}
