package confignode

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// startNode starts a single-node ConfigNode over dir, closed when the test
// ends.
func startNode(t *testing.T, dir string) *ConfigNode {
	t.Helper()
	c := New(Config{Dir: dir, SlotNum: 16, RegionsPerDatabase: 2, Timeout: 100 * time.Millisecond},
		slog.New(slog.DiscardHandler), nil, consensus.NewMetrics(prometheus.NewRegistry()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Close is idempotent: tests that close the node themselves may.
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMetadataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := startNode(t, dir)
	if _, _, err := c.RegisterDataNode(ctx, NodeInfo{ID: 1}, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "root.sg"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "root.sg"); status.CodeOf(err) != status.DatabaseAlreadyExists {
		t.Fatalf("duplicate database: %v", err)
	}
	if err := c.CreateDatabase(ctx, "root.sg.inner"); status.CodeOf(err) != status.DatabaseAlreadyExists {
		t.Fatalf("overlapping database: %v", err)
	}
	if err := c.SetTTL(ctx, "root.sg", 3600000); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateUser(ctx, "alice", "secret123"); err != nil {
		t.Fatal(err)
	}
	if err := c.Grant(ctx, "alice", []string{"READ_DATA"}, []model.Path{{"root", "sg", "**"}}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c = startNode(t, dir)
	defer c.Close()
	dbs := c.Databases()
	if len(dbs) != 1 || dbs[0].Name != "root.sg" || dbs[0].TTL != 3600000 || len(dbs[0].Regions) != 2 || dbs[0].SlotNum != 16 {
		t.Fatalf("databases after restart = %+v", dbs)
	}
	if regions := c.Regions(); len(regions) != 2 || regions[0].Database != "root.sg" || regions[0].Replicas[0] != 1 {
		t.Fatalf("regions after restart = %+v", regions)
	}
	if err := c.Authenticate("alice", "secret123"); err != nil {
		t.Fatalf("alice cannot log in after restart: %v", err)
	}
	if err := c.Authenticate("alice", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if !c.Allowed("alice", "READ_DATA", model.Path{"root", "sg", "d", "s"}) {
		t.Fatal("grant lost across restart")
	}
	if c.Allowed("alice", "READ_DATA", model.Path{"root", "other", "d", "s"}) {
		t.Fatal("grant covers a path outside it")
	}
	if c.Allowed("alice", "READ_DATA", model.Path{"root", "**"}) {
		t.Fatal("grant on root.sg.** covers the pattern root.**")
	}
	if err := c.DropDatabase(ctx, "root.sg"); err != nil {
		t.Fatal(err)
	}
	if len(c.Databases()) != 0 || len(c.Regions()) != 0 {
		t.Fatal("drop database left metadata behind")
	}
	if err := c.DropDatabase(ctx, "root.sg"); status.CodeOf(err) != status.DatabaseNotExist {
		t.Fatalf("dropping a missing database: %v", err)
	}
}
