package config

import (
	"errors"
	"strings"
	"testing"
)

// withHostname makes the machine's host name h (or unknown, with err) for
// one test.
func withHostname(t *testing.T, h string, err error) {
	t.Helper()
	prev := hostname
	hostname = func() (string, error) { return h, err }
	t.Cleanup(func() { hostname = prev })
}

func load(t *testing.T, env ...string) Config {
	t.Helper()
	c, _, err := Load("", env, nil)
	if err != nil {
		t.Fatalf("Load(%q): %v", env, err)
	}
	return c
}

func TestDNRPCAdvertised(t *testing.T) {
	withHostname(t, "box-1", nil)
	tests := []struct {
		name     string
		env      []string
		wantHost string
		wantPort int
	}{
		{"defaults", nil, "127.0.0.1", 6667},
		{"bind address is advertised", []string{"dn_rpc_address=10.0.0.5"}, "10.0.0.5", 6667},
		{"wildcard bind advertises the host name", []string{"dn_rpc_address=0.0.0.0"}, "box-1", 6667},
		{"ipv6 wildcard bind advertises the host name", []string{"dn_rpc_address=::"}, "box-1", 6667},
		{"advertised address wins", []string{"dn_rpc_address=0.0.0.0", "dn_rpc_advertised_address=db.example.com"}, "db.example.com", 6667},
		{"advertised port follows dn_rpc_port", []string{"dn_rpc_port=7000"}, "127.0.0.1", 7000},
		{"advertised port override", []string{"dn_rpc_port=6667", "dn_rpc_advertised_port=16667"}, "127.0.0.1", 16667},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port := load(t, tt.env...).DNRPCAdvertised()
			if host != tt.wantHost || port != tt.wantPort {
				t.Errorf("DNRPCAdvertised = %s, %d; want %s, %d", host, port, tt.wantHost, tt.wantPort)
			}
		})
	}
}

// TestInternalAddresses checks the bind/advertised pair of both node
// kinds, which resolve by the same rules.
func TestInternalAddresses(t *testing.T) {
	withHostname(t, "box-1", nil)
	tests := []struct {
		name                    string
		advertised, bind        string // values of X_internal_address, X_internal_bind_address
		wantBind, wantAdvertise string
	}{
		{"both empty: loopback", "", "", "127.0.0.1", "127.0.0.1"},
		{"advertised only: bound too", "10.0.0.5", "", "10.0.0.5", "10.0.0.5"},
		{"host name only: bound too", "cn-1", "", "cn-1", "cn-1"},
		{"specific bind only: advertised too", "", "10.0.0.6", "10.0.0.6", "10.0.0.6"},
		{"wildcard bind only: host name advertised", "", "0.0.0.0", "0.0.0.0", "box-1"},
		{"wildcard bind and advertised", "node-3", "0.0.0.0", "0.0.0.0", "node-3"},
		{"distinct bind and advertised", "203.0.113.7", "10.0.0.6", "10.0.0.6", "203.0.113.7"},
	}
	for _, tt := range tests {
		for _, kind := range []string{"dn", "cn"} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				var env []string
				if tt.advertised != "" {
					env = append(env, kind+"_internal_address="+tt.advertised)
				}
				if tt.bind != "" {
					env = append(env, kind+"_internal_bind_address="+tt.bind)
				}
				c := load(t, env...)
				bind, adv := c.DNInternalBind(), c.DNInternalAdvertised()
				if kind == "cn" {
					bind, adv = c.CNInternalBind(), c.CNInternalAdvertised()
				}
				if bind != tt.wantBind || adv != tt.wantAdvertise {
					t.Errorf("bind, advertised = %s, %s; want %s, %s", bind, adv, tt.wantBind, tt.wantAdvertise)
				}
			})
		}
	}
}

func TestMetricsBind(t *testing.T) {
	tests := []struct {
		name         string
		env          []string
		wantDN, want string // DNMetricsBind, CNMetricsBind
	}{
		{"defaults", nil, "127.0.0.1", "127.0.0.1"},
		{"follow the client and internal binds", []string{"dn_rpc_address=0.0.0.0", "cn_internal_bind_address=::"}, "0.0.0.0", "::"},
		{"cn follows its advertised address when no bind is set", []string{"cn_internal_address=10.0.0.5"}, "127.0.0.1", "10.0.0.5"},
		{"own keys win", []string{"dn_rpc_address=10.0.0.5", "dn_metrics_address=0.0.0.0", "cn_internal_bind_address=10.0.0.5", "cn_metrics_address=0.0.0.0"}, "0.0.0.0", "0.0.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.env...)
			if got := c.DNMetricsBind(); got != tt.wantDN {
				t.Errorf("DNMetricsBind = %s, want %s", got, tt.wantDN)
			}
			if got := c.CNMetricsBind(); got != tt.want {
				t.Errorf("CNMetricsBind = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAdvertisedWildcardRefused checks that no advertised key takes a
// wildcard, and that the error names the key and its source.
func TestAdvertisedWildcardRefused(t *testing.T) {
	for _, key := range []string{"dn_rpc_advertised_address", "dn_internal_address", "cn_internal_address"} {
		for _, v := range []string{"0.0.0.0", "::", "[::]"} {
			_, _, err := Load("", []string{key + "=" + v}, nil)
			if v == "[::]" {
				// Not an IP in this form, and not a host name either.
				if err == nil {
					t.Errorf("%s=%s accepted", key, v)
				}
				continue
			}
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Key != key || ve.Source != "env" || !strings.Contains(err.Error(), "not a wildcard") {
				t.Errorf("%s=%s: err = %v, want a ValueError for %s refusing the wildcard", key, v, err, key)
			}
		}
	}
}

func TestBindWildcardsAccepted(t *testing.T) {
	withHostname(t, "box-1", nil)
	for _, key := range []string{"dn_rpc_address", "dn_internal_bind_address", "cn_internal_bind_address", "dn_metrics_address", "cn_metrics_address"} {
		for _, v := range []string{"0.0.0.0", "::"} {
			if _, _, err := Load("", []string{key + "=" + v}, nil); err != nil {
				t.Errorf("%s=%s: %v", key, v, err)
			}
		}
	}
}

func TestBadAddressesRefused(t *testing.T) {
	for _, kv := range []string{"dn_rpc_advertised_address=a b", "dn_internal_bind_address=x,y", "cn_metrics_address=a/b", "dn_rpc_advertised_port=70000", "dn_rpc_advertised_port=-1"} {
		key, _, _ := strings.Cut(kv, "=")
		_, _, err := Load("", []string{kv}, nil)
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Key != key {
			t.Errorf("%s: err = %v, want a ValueError naming %s", kv, err, key)
		}
	}
}

// TestUnknownHostnameRefused checks that a wildcard bind with nothing to
// advertise and no host name fails validation, naming the key to set.
func TestUnknownHostnameRefused(t *testing.T) {
	withHostname(t, "", errors.New("no uts namespace"))
	tests := []struct{ env, wantKey string }{
		{"dn_rpc_address=0.0.0.0", "set dn_rpc_advertised_address"},
		{"dn_internal_bind_address=0.0.0.0", "set dn_internal_address"},
		{"cn_internal_bind_address=::", "set cn_internal_address"},
	}
	for _, tt := range tests {
		_, _, err := Load("", []string{tt.env}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.wantKey) || !strings.Contains(err.Error(), "no uts namespace") {
			t.Errorf("%s: err = %v, want one saying %q", tt.env, err, tt.wantKey)
		}
	}
	// An explicit advertised address needs no host name.
	if _, _, err := Load("", []string{"dn_rpc_address=0.0.0.0", "dn_rpc_advertised_address=10.0.0.5"}, nil); err != nil {
		t.Errorf("advertised address given: %v", err)
	}
}

func TestProbeHost(t *testing.T) {
	for bind, want := range map[string]string{"0.0.0.0": "127.0.0.1", "::": "127.0.0.1", "": "127.0.0.1", "10.0.0.5": "10.0.0.5", "node-1": "node-1"} {
		if got := ProbeHost(bind); got != want {
			t.Errorf("ProbeHost(%q) = %q, want %q", bind, got, want)
		}
	}
}
