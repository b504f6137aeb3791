package config

import (
	"errors"
	"fmt"
	"net"
	"os"
)

// Every listener has a bind address (which may be a wildcard such as
// 0.0.0.0, to listen on every interface) and, where other processes are
// told where to connect, an advertised address (which may not). The
// methods below give the values in effect once the empty defaults are
// resolved; Validate has refused a configuration they cannot resolve.

// loopback is the bind and advertised address when nothing says otherwise:
// a node on a laptop is reachable from that laptop only.
const loopback = "127.0.0.1"

// hostname names this machine for an advertised address derived from a
// wildcard bind; tests replace it.
var hostname = os.Hostname

// isWildcard reports whether host is an unspecified address, which binds
// every interface and cannot be dialled from elsewhere.
func isWildcard(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// DNRPCAdvertised is the client endpoint the DataNode registers with the
// ConfigNodes, that SHOW DATANODES and SHOW REGIONS show and that redirects
// name: dn_rpc_advertised_address (default dn_rpc_address, or the host name
// when that is a wildcard) and dn_rpc_advertised_port (default dn_rpc_port).
func (c Config) DNRPCAdvertised() (host string, port int) {
	host, _ = c.dnRPCAdvertisedHost()
	port = c.DNRPCAdvertisedPort
	if port == 0 {
		port = c.DNRPCPort
	}
	return host, port
}

func (c Config) dnRPCAdvertisedHost() (string, error) {
	if c.DNRPCAdvertisedAddress != "" {
		return c.DNRPCAdvertisedAddress, nil
	}
	if !isWildcard(c.DNRPCAddress) {
		return c.DNRPCAddress, nil
	}
	return hostOf("dn_rpc_advertised_address", "dn_rpc_address", c.DNRPCAddress)
}

// DNInternalBind is the address the DataNode's internal RPC and
// data-region consensus listeners bind: dn_internal_bind_address, default
// dn_internal_address, default 127.0.0.1.
func (c Config) DNInternalBind() string {
	return bindOf(c.DNInternalBindAddress, c.DNInternalAddress)
}

// DNInternalAdvertised is the address other nodes dial for the DataNode's
// internal RPC and data-region consensus: dn_internal_address, default
// dn_internal_bind_address when that is a specific address, the host name
// when it is a wildcard, 127.0.0.1 when it is empty.
func (c Config) DNInternalAdvertised() string {
	h, _ := advertisedOf("dn_internal_address", c.DNInternalAddress, "dn_internal_bind_address", c.DNInternalBindAddress)
	return h
}

// CNInternalBind is the address the ConfigNode's internal RPC and consensus
// listeners bind: cn_internal_bind_address, default cn_internal_address,
// default 127.0.0.1.
func (c Config) CNInternalBind() string {
	return bindOf(c.CNInternalBindAddress, c.CNInternalAddress)
}

// CNInternalAdvertised is the address other nodes dial for the
// ConfigNode's internal RPC and consensus, resolved like
// DNInternalAdvertised from cn_internal_address and
// cn_internal_bind_address.
func (c Config) CNInternalAdvertised() string {
	h, _ := advertisedOf("cn_internal_address", c.CNInternalAddress, "cn_internal_bind_address", c.CNInternalBindAddress)
	return h
}

// DNMetricsBind is the address a DataNode's or standalone process's
// metrics and health listener binds: dn_metrics_address, default
// dn_rpc_address.
func (c Config) DNMetricsBind() string {
	if c.DNMetricsAddress != "" {
		return c.DNMetricsAddress
	}
	return c.DNRPCAddress
}

// CNMetricsBind is the address a ConfigNode's metrics and health listener
// binds: cn_metrics_address, default CNInternalBind.
func (c Config) CNMetricsBind() string {
	if c.CNMetricsAddress != "" {
		return c.CNMetricsAddress
	}
	return c.CNInternalBind()
}

// ProbeHost is where a process on this machine reaches a listener bound to
// bind: the bind address itself, or 127.0.0.1 for a wildcard.
func ProbeHost(bind string) string {
	if bind == "" || isWildcard(bind) {
		return loopback
	}
	return bind
}

func bindOf(bind, advertised string) string {
	switch {
	case bind != "":
		return bind
	case advertised != "":
		return advertised
	}
	return loopback
}

func advertisedOf(key, advertised, bindKey, bind string) (string, error) {
	switch {
	case advertised != "":
		return advertised, nil
	case bind == "":
		return loopback, nil
	case !isWildcard(bind):
		return bind, nil
	}
	return hostOf(key, bindKey, bind)
}

// hostOf is the host name advertised for a wildcard bind address.
func hostOf(key, bindKey, bind string) (string, error) {
	h, err := hostname()
	if err == nil && h == "" {
		err = errors.New("empty host name")
	}
	if err != nil {
		return "", fmt.Errorf("%s is unset and %s=%s is a wildcard, but the host name is unknown (%v): set %s", key, bindKey, bind, err, key)
	}
	return h, nil
}

// checkAdvertisedHosts refuses a configuration whose advertised addresses
// cannot be derived.
func (c Config) checkAdvertisedHosts() error {
	_, err1 := c.dnRPCAdvertisedHost()
	_, err2 := advertisedOf("dn_internal_address", c.DNInternalAddress, "dn_internal_bind_address", c.DNInternalBindAddress)
	_, err3 := advertisedOf("cn_internal_address", c.CNInternalAddress, "cn_internal_bind_address", c.CNInternalBindAddress)
	return errors.Join(err1, err2, err3)
}
