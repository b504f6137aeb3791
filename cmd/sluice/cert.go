package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluicedb/sluice/certs"
)

const certUsage = `usage:
  sluice cert create-ca     --certs-dir DIR [--lifetime 87600h] [--overwrite]
  sluice cert create-node   --certs-dir DIR [--ca-dir DIR] [--lifetime 43800h] [--overwrite] HOST [HOST...]
  sluice cert create-client --certs-dir DIR [--ca-dir DIR] [--lifetime 43800h] [--overwrite] USER
  sluice cert init          --certs-dir DIR HOST [HOST...]
  sluice cert list          --certs-dir DIR
`

// runCert makes and lists the certificates of a cluster's mutual TLS.
func runCert(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, certUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("cert "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("certs-dir", "", "directory of the certificates (created if missing)")
	caDir := fs.String("ca-dir", "", "directory of ca.crt and ca.key, when not --certs-dir")
	lifetime := fs.Duration("lifetime", 0, "validity of the certificate (default 10 years for a CA, 5 for others)")
	overwrite := fs.Bool("overwrite", false, "replace existing files (create-ca adds the new CA to ca.crt)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintf(stderr, "sluice cert %s: --certs-dir is required\n%s", sub, certUsage)
		return 2
	}
	o := certs.Options{Lifetime: *lifetime, Overwrite: *overwrite}
	var (
		err     error
		written []string
	)
	switch sub {
	case "create-ca":
		err, written = certs.CreateCA(*dir, o), []string{certs.CACertFile, certs.CAKeyFile}
	case "create-node":
		err, written = certs.CreateNode(*dir, *caDir, fs.Args(), o), []string{certs.NodeCertFile, certs.NodeKeyFile}
	case "create-client":
		if fs.NArg() != 1 {
			fmt.Fprintf(stderr, "sluice cert create-client: name exactly one user\n%s", certUsage)
			return 2
		}
		user := fs.Arg(0)
		err, written = certs.CreateClient(*dir, *caDir, user, o), []string{certs.ClientCertFile(user), certs.ClientKeyFile(user)}
	case "init":
		written, err = initCerts(*dir, fs.Args(), o)
	case "list":
		err = listCerts(*dir, stdout)
	default:
		fmt.Fprintf(stderr, "sluice cert: unknown command %q\n%s", sub, certUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluice cert %s: %v\n", sub, err)
		return 1
	}
	for _, f := range written {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*dir, f))
	}
	return 0
}

// initCerts makes what is missing of a CA and a node certificate for
// hosts, and keeps what exists: a container started again finds its
// certificates as it left them. It is how a compose deployment fills its
// certificates volume; production nodes should each get their own
// certificate (create-node).
func initCerts(dir string, hosts []string, o certs.Options) ([]string, error) {
	if len(hosts) == 0 {
		return nil, errors.New("name the hosts the node certificate is for")
	}
	var written []string
	if _, err := os.Stat(filepath.Join(dir, certs.CACertFile)); errors.Is(err, os.ErrNotExist) {
		if err := certs.CreateCA(dir, o); err != nil {
			return nil, err
		}
		written = append(written, certs.CACertFile, certs.CAKeyFile)
	}
	if _, err := os.Stat(filepath.Join(dir, certs.NodeCertFile)); errors.Is(err, os.ErrNotExist) {
		if err := certs.CreateNode(dir, "", hosts, o); err != nil {
			return nil, err
		}
		written = append(written, certs.NodeCertFile, certs.NodeKeyFile)
	}
	if _, err := certs.Open(dir); err != nil {
		return nil, err
	}
	return written, nil
}

// listCerts prints every certificate of dir with what it is for and when
// it expires.
func listCerts(dir string, w io.Writer) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.crt"))
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no certificates in %s", dir)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%-22s %-20s %-25s %s\n", "File", "Expires", "Subject", "Hosts")
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		for rest := b; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			hosts := append([]string(nil), c.DNSNames...)
			for _, ip := range c.IPAddresses {
				hosts = append(hosts, ip.String())
			}
			expires := c.NotAfter.UTC().Format(time.DateOnly)
			if time.Now().After(c.NotAfter) {
				expires += " EXPIRED"
			}
			fmt.Fprintf(w, "%-22s %-20s %-25s %s\n", filepath.Base(name), expires, c.Subject.CommonName, strings.Join(hosts, ","))
		}
	}
	return nil
}
