package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/certs"
)

// connFlags are the connection flags `sluice cli` and `sluice top` share,
// with IoTDB's CLI names: -h -p -u -pw, and -usessl true -ts FILE for a
// server that serves its client port over TLS (enable_thrift_ssl). Where
// IoTDB's -ts names a Java trust store, ours names a PEM file of CA
// certificates.
type connFlags struct {
	port   int
	useSSL string
	trust  string
}

// register adds the flags to fs, writing into c and f.
func (f *connFlags) register(fs *flag.FlagSet, c *connConfig) {
	fs.StringVar(&c.host, "h", defaultHost, "server `host`")
	fs.IntVar(&f.port, "p", defaultPort, "server client-RPC `port`")
	fs.StringVar(&c.user, "u", defaultUser, "user `name`")
	fs.StringVar(&c.password, "pw", defaultPassword, "`password`")
	fs.StringVar(&f.useSSL, "usessl", "false", "connect over TLS: true or false")
	fs.StringVar(&f.trust, "ts", "", "PEM `file` of the CA certificates to trust with -usessl (default: the system's)")
}

// apply checks the flags and completes c.
func (f *connFlags) apply(c *connConfig) error {
	if f.port <= 0 || f.port > 65535 {
		return fmt.Errorf("invalid port %d", f.port)
	}
	c.port = strconv.Itoa(f.port)
	use, err := strconv.ParseBool(strings.TrimSpace(f.useSSL))
	if err != nil {
		return fmt.Errorf("invalid -usessl %q: want true or false", f.useSSL)
	}
	if !use {
		if f.trust != "" {
			return fmt.Errorf("-ts is given without -usessl true")
		}
		return nil
	}
	cfg, err := certs.ClientConfig(c.host, f.trust)
	if err != nil {
		return fmt.Errorf("-ts: %w", err)
	}
	c.tls = cfg
	return nil
}
