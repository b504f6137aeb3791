// Package cluster starts the processes of a Sluice cluster: a ConfigNode
// (`sluice confignode`) or a DataNode (`sluice datanode`), each with its
// metrics endpoint, from a node's configuration.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode"
	"github.com/sluicedb/sluice/telemetry"
)

// raftTimeout bounds heartbeats and elections of replicated groups: a
// failed leader is replaced within a few seconds.
const raftTimeout = time.Second

// Process is a running cluster node.
type Process struct {
	closers []func() error
	metrics *telemetry.Server
}

// MetricsAddr is the node's metrics endpoint.
func (p *Process) MetricsAddr() net.Addr { return p.metrics.Addr() }

// Close stops the node. It is idempotent.
func (p *Process) Close() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	p.closers = nil
	return errors.Join(errs...)
}

// StartConfigNode starts a ConfigNode: the first one (its seed is itself)
// bootstraps the cluster, others join it, a restarted one resumes. It waits
// as long as ctx allows for a quorum.
func StartConfigNode(ctx context.Context, cfg config.Config, version string, logger *slog.Logger) (*Process, error) {
	reg := telemetry.NewRegistry()
	telemetry.RegisterBuildInfo(reg, version, telemetry.RoleConfigNode)
	p := &Process{}
	src, err := nodeCerts(cfg, logger)
	if err != nil {
		return nil, err
	}
	key, err := clusterKey(src, logger)
	if err != nil {
		return nil, err
	}
	host := cfg.CNInternalAdvertised()
	cn := confignode.New(confignode.Config{
		Certs: src, SealKey: key,
		Dir: filepath.Join(cfg.DataDir, "confignode"), SlotNum: cfg.SeriesSlotNum, RegionsPerDatabase: cfg.DataRegionGroupNum,
		ReplicationFactor: cfg.DataReplicationFactor, Timeout: raftTimeout, Version: version,
		Internal:  confignode.Endpoint{Host: host, Port: cfg.CNInternalPort},
		Consensus: confignode.Endpoint{Host: host, Port: cfg.CNConsensusPort},
		BindHost:  cfg.CNInternalBind(),
		Seeds:     cfg.CNSeeds(),
	}, logger, reg, consensus.NewMetrics(reg))
	ms, err := telemetry.Listen(net.JoinHostPort(cfg.CNMetricsBind(), strconv.Itoa(cfg.CNMetricsPort)), reg, cn.Ready, telemetry.Options{Pprof: cfg.EnablePprof}, logger)
	if err != nil {
		return nil, fmt.Errorf("serve metrics on cn_metrics_port: %w", err)
	}
	p.metrics = ms
	p.closers = append(p.closers, ms.Close, cn.Close)
	if err := cn.Start(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// StartDataNode starts a DataNode: it fetches the metadata from the
// ConfigNodes named by dn_seed_config_node (waiting for one to answer),
// registers, opens the regions placed on it, and serves clients.
func StartDataNode(ctx context.Context, cfg config.Config, version string, logger *slog.Logger) (*Process, error) {
	reg := telemetry.NewRegistry()
	telemetry.RegisterBuildInfo(reg, version, telemetry.RoleDataNode)
	p := &Process{}
	src, err := nodeCerts(cfg, logger)
	if err != nil {
		return nil, err
	}
	key, err := clusterKey(src, logger)
	if err != nil {
		return nil, err
	}
	meta := confignode.NewClient(cfg.DNSeeds(), src, key, logger)
	dc := datanode.ConfigFrom(cfg, version)
	dc.Certs, dc.SealKey = src, key
	if dc.ClientTLS, err = datanode.ClientTLS(cfg); err != nil {
		return nil, err
	}
	dc.DataDir, dc.Cluster, dc.RaftTimeout = filepath.Join(cfg.DataDir, "datanode"), true, raftTimeout
	dn := datanode.New(dc, meta, logger, reg, consensus.NewMetrics(reg))
	ms, err := telemetry.Listen(net.JoinHostPort(cfg.DNMetricsBind(), strconv.Itoa(cfg.DNMetricsPort)), reg, dn.Ready, telemetry.Options{Pprof: cfg.EnablePprof}, logger)
	if err != nil {
		return nil, fmt.Errorf("serve metrics on dn_metrics_port: %w", err)
	}
	p.metrics = ms
	p.closers = append(p.closers, ms.Close, meta.Close)
	if err := meta.Start(ctx); err != nil {
		p.Close()
		return nil, err
	}
	p.closers = append(p.closers, dn.Close)
	if err := dn.Start(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
