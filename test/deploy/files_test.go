package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// composeFiles are the deployments under deploy/compose, with the
// directory of Prometheus targets each mounts.
var composeFiles = map[string]string{
	"cluster-3c3d.yml":   "cluster-3c3d",
	"sync-2clusters.yml": "sync-2clusters",
}

// TestComposeFilesValid renders each compose file with every compose CLI
// there is (docker-compose, and Compose v2's `docker compose` when
// installed), with and without the monitoring profile and with the host
// ports overridden as TestDockerCluster does; checks the Compose
// Specification form (no version key) and that every host the Prometheus
// targets name is a service of the file.
func TestComposeFilesValid(t *testing.T) {
	needTools(t, "docker-compose")
	dir := repoPath(t, "deploy", "compose")
	clis := [][]string{{"docker-compose"}}
	if out, err := command(10*time.Second, "", nil, "docker", "compose", "version"); err == nil {
		clis = append(clis, []string{"docker", "compose"})
	} else {
		t.Logf("no Compose v2 (`docker compose version`: %v %s): checking with docker-compose only", err, strings.TrimSpace(out))
	}
	for file, targets := range composeFiles {
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^version:`).Match(src) {
			t.Errorf("%s has a version key: the Compose Specification has none", file)
		}
		services := composeServices(string(src))
		for _, host := range targetHosts(t, targets) {
			if !slices.Contains(services, host) {
				t.Errorf("deploy/prometheus/targets/%s names %s, not a service of %s (%v)", targets, host, file, services)
			}
		}
		for _, cli := range clis {
			t.Run(strings.Join(cli, " ")+" "+file, func(t *testing.T) {
				compose := func(env []string, args ...string) string {
					t.Helper()
					return mustCommand(t, 30*time.Second, dir, env, cli[0], append(append(cli[1:], "-f", file), args...)...)
				}
				compose(nil, "config", "-q")
				compose(nil, "--profile", "monitoring", "config", "-q")
				env := []string{"SLUICE_IMAGE=sluice-probe:1", "SLUICE_DN1_PORT=16001", "SLUICE_A1_PORT=16001", "SLUICE_PUBLISH_IP=127.0.0.2"}
				out := compose(env, "config")
				// docker-compose 1.29 renders ports short, Compose v2 long.
				published := strings.Contains(out, "127.0.0.2:16001:6667") ||
					strings.Contains(out, "host_ip: 127.0.0.2") && strings.Contains(out, `published: "16001"`)
				if !published || !strings.Contains(out, "image: sluice-probe:1") || !regexp.MustCompile(`dn_rpc_advertised_port: '?"?16001`).MatchString(out) {
					t.Errorf("rendered with %v, it does not use the image, publish 127.0.0.2:16001 and advertise port 16001:\n%s", env, out)
				}
			})
		}
	}
}

// composeServices lists the service names of a compose file: the keys
// indented by two spaces below "services:".
func composeServices(src string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(src, "\n") {
		switch {
		case l == "services:":
			in = true
		case in && len(l) > 0 && l[0] != ' ' && l[0] != '#':
			in = false
		case in && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && strings.HasSuffix(l, ":"):
			out = append(out, strings.TrimSuffix(strings.TrimSpace(l), ":"))
		}
	}
	return out
}

var targetRE = regexp.MustCompile(`"([A-Za-z0-9.-]+):\d+"`)

// targetHosts lists the hosts of the targets under
// deploy/prometheus/targets/<dir>.
func targetHosts(t testing.TB, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(repoPath(t, "deploy", "prometheus", "targets", dir, "*.yml"))
	if len(files) == 0 {
		t.Fatalf("no target files under deploy/prometheus/targets/%s", dir)
	}
	var hosts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range targetRE.FindAllStringSubmatch(string(b), -1) {
			hosts = append(hosts, m[1])
		}
	}
	return hosts
}

// TestPrometheusFiles runs promtool over the repository's Prometheus
// files: the config with each deployment's targets, the rules, and the
// rules' unit tests.
func TestPrometheusFiles(t *testing.T) {
	needTools(t, "promtool")
	dir := repoPath(t, "deploy", "prometheus")
	for _, targets := range composeFiles {
		t.Run("config with targets/"+targets, func(t *testing.T) {
			tmp := t.TempDir()
			copyFile(t, filepath.Join(dir, "prometheus.yml"), filepath.Join(tmp, "prometheus.yml"))
			copyFile(t, filepath.Join(dir, "rules.yml"), filepath.Join(tmp, "rules.yml"))
			if err := os.CopyFS(filepath.Join(tmp, "targets"), os.DirFS(filepath.Join(dir, "targets", targets))); err != nil {
				t.Fatal(err)
			}
			out := mustCommand(t, 30*time.Second, tmp, nil, "promtool", "check", "config", "prometheus.yml")
			if strings.Contains(out, "WARNING") {
				t.Errorf("promtool check config warns:\n%s", out)
			}
		})
	}
	mustCommand(t, 30*time.Second, dir, nil, "promtool", "check", "rules", "rules.yml")
	out := mustCommand(t, 60*time.Second, dir, nil, "promtool", "test", "rules", "rules_test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
	tested := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(dir, "rules_test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`alertname: (\S+)`).FindAllStringSubmatch(string(b), -1) {
		tested[m[1]] = true
	}
	for _, r := range alertRules(t) {
		if !tested[r.name] {
			t.Errorf("alert %s has no test in rules_test.yml", r.name)
		}
	}
}

// alertRule is one alerting rule of deploy/prometheus/rules.yml.
type alertRule struct{ name, expr string }

var (
	alertLine = regexp.MustCompile(`^\s*- alert: (\S+)\s*$`)
	exprLine  = regexp.MustCompile(`^\s*expr: (.+)$`)
)

// alertRules reads the alerting rules: each "- alert:" line and the
// one-line expr that follows it.
func alertRules(t testing.TB) []alertRule {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, "deploy", "prometheus", "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []alertRule
	for _, l := range strings.Split(string(b), "\n") {
		if m := alertLine.FindStringSubmatch(l); m != nil {
			out = append(out, alertRule{name: m[1]})
		} else if m := exprLine.FindStringSubmatch(l); m != nil && len(out) > 0 && out[len(out)-1].expr == "" {
			out[len(out)-1].expr = m[1]
		}
	}
	if len(out) == 0 {
		t.Fatal("rules.yml has no alerting rules")
	}
	for _, r := range out {
		if r.expr == "" {
			t.Errorf("rules.yml alert %s: no one-line expr found", r.name)
		}
	}
	return out
}

// copyFile copies src to dst.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
