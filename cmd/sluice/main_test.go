package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunCommandLine(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{args: nil, code: 2, err: "usage:"},
		{args: []string{"version"}, code: 0, out: "sluice "},
		{args: []string{"help"}, code: 0, out: "sluice standalone"},
		{args: []string{"frobnicate"}, code: 2, err: `unknown command "frobnicate"`},
		{args: []string{"datanode", "--config", "/nonexistent/dn.properties"}, code: 2, err: "dn.properties"},
		{args: []string{"confignode", "--rpc-port", "6668"}, code: 2, err: "flag provided but not defined"},
		{args: []string{"standalone", "--no-such-flag"}, code: 2, err: "flag provided but not defined"},
		{args: []string{"standalone", "--rpc-port", "99999"}, code: 2, err: "dn_rpc_port"},
		{args: []string{"standalone", "--config", "/nonexistent/sluice.properties"}, code: 2, err: "sluice.properties"},
		{args: []string{"top", "--interval", "0s"}, code: 2, err: "invalid interval"},
		{args: []string{"top", "-p", "1", "-n", "1"}, code: 1, err: "cannot connect to 127.0.0.1:1"},
		{args: []string{"cli", "-usessl", "maybe"}, code: 2, err: `invalid -usessl "maybe": want true or false`},
		{args: []string{"top", "-ts", "ca.pem"}, code: 2, err: "-ts is given without -usessl true"},
		{args: []string{"cli", "-usessl", "true", "-ts", "/nonexistent/ca.pem"}, code: 2, err: "-ts: open /nonexistent/ca.pem"},
		{args: []string{"top", "-usessl", "true", "-p", "1", "-n", "1"}, code: 1, err: "cannot connect to 127.0.0.1:1"},
		{args: []string{"bench", "--pipe", "--progress-interval", "-1s"}, code: 2, err: "--progress-interval must not be negative, got -1s"},
		{args: []string{"bench", "--pin"}, code: 2, err: "--pin needs --pipe, --pipe-cost or --source-cluster"},
		{args: []string{"bench", "--pipe-cost", "--source-cluster"}, code: 2, err: "give one"},
		{args: []string{"bench", "--pipe", "--target-cluster"}, code: 2, err: "--target-cluster does not go with --pipe: it applies to --source-cluster"},
		{args: []string{"bench", "--pipe-cost", "--cost-runs", "0"}, code: 2, err: "--cost-runs must be at least 1, got 0"},
		{args: []string{"bench", "--pipe-cost", "--cost-warmup", "-1"}, code: 2, err: "--cost-warmup must be 0 or more, got -1"},
		{args: []string{"bench", "--pipe", "--cost-warmup", "2"}, code: 2, err: "--cost-warmup does not go with --pipe: it applies to --pipe-cost"},
		{args: []string{"bench", "--pipe", "--pin", "--pin-sender", "0", "--pin-receiver", "0"}, code: 2, err: "core 0 is both a sender core"},
		{args: []string{"bench", "--pipe-cost", "--pin", "--pin-sender", "x"}, code: 2, err: "sender cores: \"x\": want a core number"},
		{args: []string{"bench", "--pipe", "--pin", "--pin-receiver", "1000"}, code: 2, err: "core 1000 is not one this process may run on"},
		{args: []string{"bench", "--pipe", "--processes", "--sluice-binary", "/nonexistent/sluice"}, code: 1, err: "sluice binary: stat /nonexistent/sluice"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &out, &errOut)
			if code != tt.code || !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.err) {
				t.Fatalf("run(%q) = %d\nstdout: %s\nstderr: %s", tt.args, code, out.String(), errOut.String())
			}
		})
	}
}
