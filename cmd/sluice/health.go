package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/standalone"
)

// runHealth is `sluice health [KIND] [--config FILE] [--addr host:port]
// [--timeout 5s]`: it GETs the node's /ready and exits 0 when it answers
// 200, 1 otherwise, 2 on a usage error. It needs neither a shell nor curl,
// so that an image built FROM scratch can run it as its health check.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	kind := "standalone"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "the node's properties file (its environment variables apply too)")
	addr := fs.String("addr", "", "host:port of the node's metrics listener (default: derived from the node's configuration)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sluice health: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case kind != "standalone" && kind != "confignode" && kind != "datanode":
		return usageErr("unknown node kind %q: want confignode, datanode or standalone", kind)
	case *timeout <= 0:
		return usageErr("invalid timeout %s: want a positive duration", *timeout)
	}
	target := *addr
	if target == "" {
		cfg, _, err := config.Load(*file, os.Environ(), nil)
		if err != nil {
			return usageErr("%v", err)
		}
		if target, err = probeAddr(kind, cfg); err != nil {
			return usageErr("%v", err)
		}
	} else if _, _, err := net.SplitHostPort(target); err != nil {
		return usageErr("invalid --addr %q: want host:port", target)
	}
	if err := probeReady(ctx, target, *timeout); err != nil {
		fmt.Fprintf(stderr, "sluice health: not ready: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s %s: ready\n", kind, target)
	return 0
}

// probeAddr is where this machine reaches the metrics listener of a node
// of kind configured by cfg: its bind address, or 127.0.0.1 for a
// wildcard, on its metrics port.
func probeAddr(kind string, cfg config.Config) (string, error) {
	var host, key string
	var port int
	switch kind {
	case "confignode":
		host, port, key = cfg.CNMetricsBind(), cfg.CNMetricsPort, "cn_metrics_port"
	case "datanode":
		host, port, key = cfg.DNMetricsBind(), cfg.DNMetricsPort, "dn_metrics_port"
	default:
		h, p, err := net.SplitHostPort(standalone.MetricsAddr(cfg))
		if err != nil {
			return "", err
		}
		host, key = h, "dn_metrics_port"
		port, _ = strconv.Atoi(p)
	}
	if port == 0 {
		return "", fmt.Errorf("%s is 0 (a port picked at start): give --addr", key)
	}
	return net.JoinHostPort(config.ProbeHost(host), strconv.Itoa(port)), nil
}

// probeReady GETs http://addr/ready and returns nil on 200, else the
// node's reason or the failure to reach it.
func probeReady(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/ready", nil)
	if err != nil {
		return err
	}
	// No proxy: the node is probed directly, as from its own host.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	reason := strings.TrimSpace(string(body))
	if reason == "" {
		reason = resp.Status
	}
	return fmt.Errorf("%s (HTTP %d from %s)", reason, resp.StatusCode, addr)
}
