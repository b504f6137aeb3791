package datanode

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/confignode"
)

// ConfigFrom derives a DataNode's configuration from the node's keys. The
// caller sets what depends on the process: NodeID and DataDir, and Cluster
// with its RaftTimeout.
func ConfigFrom(c config.Config, version string) Config {
	host, port := c.DNRPCAdvertised()
	return Config{
		RPCAddr:         net.JoinHostPort(c.DNRPCAddress, strconv.Itoa(c.DNRPCPort)),
		RPCAdvertised:   confignode.Endpoint{Host: host, Port: port},
		InternalAddress: c.DNInternalAdvertised(), InternalBindAddress: c.DNInternalBind(),
		InternalPort: c.DNInternalPort, ConfigNodePort: c.CNInternalPort,
		ConsensusPort:    c.DNDataRegionConsensusPort,
		MemtableBytes:    c.MemtableBytes,
		DiskReserveBytes: c.DataDirReserveBytes,
		AutoCreateSchema: c.EnableAutoCreateSchema,
		MaxRequestBytes:  int(c.MaxRequestBytes),
		MaxConnections:   c.DNRPCMaxConcurrentClientNum,
		PreLoginMaxBytes: int(c.DNRPCPreLoginMaxFrameSize),
		LoginTimeout:     time.Duration(c.DNRPCLoginTimeoutMS) * time.Millisecond,
		Version:          version,

		PipeSinkTimeout:       time.Duration(c.PipeSinkTimeoutMS) * time.Millisecond,
		PipeSinkMaxClients:    c.PipeSinkMaxClientNumber,
		PipeSinkSelectors:     c.PipeSinkSelectorNumber,
		PipeProgressInterval:  time.Duration(c.PipeProgressSnapshotIntervalMS) * time.Millisecond,
		PipeExecutorThreads:   c.PipeSubtaskExecutorThreads(),
		PipePinnedLogMaxBytes: c.PipePinnedLogMaxBytes,
		PipeReceiverMaxBytes:  c.PipeReceiverMaxDecompressedBytes,
		PipeAirGapAddr:        airGapAddr(c),
	}
}

// airGapAddr is where the air-gap receiver listens: dn_rpc_address on
// pipe_air_gap_receiver_port, or "" when pipe_air_gap_receiver_enabled is
// false.
func airGapAddr(c config.Config) string {
	if !c.PipeAirGapReceiverEnabled {
		return ""
	}
	return net.JoinHostPort(c.DNRPCAddress, strconv.Itoa(c.PipeAirGapReceiverPort))
}

// ClientTLS loads the client port's certificate when enable_thrift_ssl is
// set (nil otherwise), for Config.ClientTLS.
func ClientTLS(c config.Config) (*tls.Config, error) {
	if !c.EnableThriftSSL {
		return nil, nil
	}
	kp, err := certs.OpenKeyPair(c.ThriftSSLCertFile, c.ThriftSSLKeyFile)
	if err != nil {
		return nil, fmt.Errorf("enable_thrift_ssl: %w", err)
	}
	return kp.ServerConfig(), nil
}
