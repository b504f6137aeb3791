package standalone

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

// Version is the product version; the build may override it.
var Version = "0.1.0"

// raftTimeout suits single-voter groups, which never wait for peers.
const raftTimeout = 150 * time.Millisecond

// defaultRPCPort and defaultMetricsPort anchor derived ports: a second
// instance started with --rpc-port 6668 serves metrics on 9093.
const (
	defaultRPCPort     = 6667
	defaultMetricsPort = 9092
)

// Node is a running standalone process.
type Node struct {
	cn      *confignode.ConfigNode
	dn      *datanode.DataNode
	metrics *telemetry.Server
	logger  *slog.Logger
}

// Start opens the node's state under cfg.DataDir and serves clients on
// cfg.DNRPCAddress:cfg.DNRPCPort.
func Start(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Node, error) {
	reg := telemetry.NewRegistry()
	telemetry.RegisterBuildInfo(reg, Version, telemetry.RoleStandalone)
	raftMetrics := consensus.NewMetrics(reg)
	n := &Node{logger: logger}
	n.cn = confignode.New(confignode.Config{
		Dir: filepath.Join(cfg.DataDir, "confignode"), SlotNum: cfg.SeriesSlotNum,
		RegionsPerDatabase: cfg.DataRegionGroupNum, ReplicationFactor: 1, Timeout: raftTimeout, Version: Version,
	}, logger, reg, raftMetrics)
	if err := n.cn.Start(ctx); err != nil {
		n.Close()
		return nil, fmt.Errorf("start confignode: %w", err)
	}
	dc := datanode.ConfigFrom(cfg, Version)
	dc.NodeID, dc.DataDir, dc.RaftTimeout = 1, filepath.Join(cfg.DataDir, "datanode"), raftTimeout
	clientTLS, err := datanode.ClientTLS(cfg)
	if err != nil {
		n.Close()
		return nil, err
	}
	dc.ClientTLS = clientTLS
	n.dn = datanode.New(dc, n.cn, logger, reg, raftMetrics)
	if err := n.dn.Start(ctx); err != nil {
		n.Close()
		return nil, fmt.Errorf("start datanode: %w", err)
	}
	ms, err := telemetry.Listen(MetricsAddr(cfg), reg, n.Ready, telemetry.Options{Pprof: cfg.EnablePprof}, logger)
	if err != nil {
		logger.Warn("metrics port busy, picking a free one", "err", err)
		ms, err = telemetry.Listen(net.JoinHostPort(cfg.DNMetricsBind(), "0"), reg, n.Ready, telemetry.Options{Pprof: cfg.EnablePprof}, logger)
		if err != nil {
			n.Close()
			return nil, err
		}
	}
	n.metrics = ms
	logger.Info("sluice standalone started", "version", Version, "rpc", n.dn.RPCAddr().String(), "air_gap", n.dn.AirGapAddr(),
		"metrics", "http://"+ms.Addr().String()+"/metrics", "data_dir", cfg.DataDir)
	return n, nil
}

// MetricsAddr is where a standalone process's metrics and health listener
// binds: dn_metrics_address (DNMetricsBind) on dn_metrics_port, a port
// derived from the RPC port unless the metrics port was configured away
// from its default. (When that port is busy, Start picks a free one.)
func MetricsAddr(cfg config.Config) string {
	port := cfg.DNMetricsPort
	if port == defaultMetricsPort && cfg.DNRPCPort != defaultRPCPort && cfg.DNRPCPort != 0 {
		port = defaultMetricsPort + cfg.DNRPCPort - defaultRPCPort
		if port <= 0 || port > 65535 {
			port = 0
		}
	}
	return net.JoinHostPort(cfg.DNMetricsBind(), strconv.Itoa(port))
}

// Ready reports whether the process serves: its ConfigNode and its
// DataNode are both ready. Otherwise it gives the first reason.
func (n *Node) Ready() error {
	if err := n.cn.Ready(); err != nil {
		return err
	}
	return n.dn.Ready()
}

// RPCAddr is the client service's address.
func (n *Node) RPCAddr() net.Addr { return n.dn.RPCAddr() }

// MetricsAddr is the metrics endpoint's address.
func (n *Node) MetricsAddr() net.Addr { return n.metrics.Addr() }

// Close drains clients and closes the DataNode, then the ConfigNode.
func (n *Node) Close() error {
	var errs []error
	if n.metrics != nil {
		errs = append(errs, n.metrics.Close())
	}
	if n.dn != nil {
		errs = append(errs, n.dn.Close())
	}
	if n.cn != nil {
		errs = append(errs, n.cn.Close())
	}
	return errors.Join(errs...)
}
