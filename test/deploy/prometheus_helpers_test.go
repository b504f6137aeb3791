package deploy

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// promTarget is one node Prometheus scrapes: its metrics address and the
// cluster label of its target group.
type promTarget struct {
	addr    string // host:port of /metrics
	cluster string
}

// prometheusServer is a Prometheus process run by a test on a temp dir.
type prometheusServer struct {
	t    testing.TB
	addr string
	log  *lockedBuffer
}

// startPrometheus runs Prometheus with the repository's prometheus.yml and
// rules.yml retargeted for a test: the given nodes as targets, scrapes and
// rule evaluations every second, and every alert's `for` cut to forSecs.
// promtool must accept the retargeted files. The process is killed at
// cleanup.
func startPrometheus(t testing.TB, confignodes, datanodes []promTarget, forSecs int) *prometheusServer {
	t.Helper()
	dir := t.TempDir()
	cfg := readRepoFile(t, "deploy", "prometheus", "prometheus.yml")
	for old, repl := range map[string]string{
		"scrape_interval: 10s": "scrape_interval: 1s", "scrape_timeout: 5s": "scrape_timeout: 1s",
		"evaluation_interval: 10s": "evaluation_interval: 1s",
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("prometheus.yml has no %q to retarget", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	writeFile(t, filepath.Join(dir, "prometheus.yml"), cfg)
	rules := regexp.MustCompile(`(?m)^(\s+for: )\S+$`).ReplaceAllString(readRepoFile(t, "deploy", "prometheus", "rules.yml"), "${1}"+strconv.Itoa(forSecs)+"s")
	writeFile(t, filepath.Join(dir, "rules.yml"), rules)
	writeFile(t, filepath.Join(dir, "targets", "confignodes.yml"), targetGroups(confignodes))
	writeFile(t, filepath.Join(dir, "targets", "datanodes.yml"), targetGroups(datanodes))
	mustCommand(t, 30*time.Second, dir, nil, "promtool", "check", "config", "prometheus.yml")

	p := &prometheusServer{t: t, addr: fmt.Sprintf("127.0.0.1:%d", proc.FreePort(t)), log: &lockedBuffer{}}
	cmd := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+p.addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("prometheus log:\n%s", p.log.String())
		}
	})
	waitFor(t, 30*time.Second, 100*time.Millisecond, "prometheus ready", func() string {
		select {
		case <-done:
			t.Fatalf("prometheus exited during start:\n%s", p.log.String())
		default:
		}
		if _, err := httpGet("http://" + p.addr + "/-/ready"); err != nil {
			return err.Error()
		}
		return ""
	})
	return p
}

// targetGroups renders a file_sd file: one group per cluster label.
func targetGroups(targets []promTarget) string {
	var b strings.Builder
	for _, tg := range targets {
		fmt.Fprintf(&b, "- targets: [%q]\n  labels:\n    cluster: %s\n", tg.addr, tg.cluster)
	}
	return b.String()
}

// sample is one series of an instant query's answer.
type sample struct {
	labels map[string]string
	value  float64
}

// query runs an instant PromQL query and returns its samples.
func (p *prometheusServer) query(expr string) ([]sample, error) {
	body, err := httpGet("http://" + p.addr + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, body)
	}
	var resp struct {
		Data struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		return nil, fmt.Errorf("query %q: %v", expr, err)
	}
	if resp.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: result type %q, want vector", expr, resp.Data.ResultType)
	}
	var out []sample
	for _, r := range resp.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %v", expr, r.Value[1])
		}
		out = append(out, sample{r.Metric, v})
	}
	return out, nil
}

// scalar runs a query expected to answer one sample and returns its value;
// ok is false when it answers none.
func (p *prometheusServer) scalar(expr string) (v float64, ok bool, err error) {
	s, err := p.query(expr)
	if err != nil || len(s) == 0 {
		return 0, false, err
	}
	if len(s) > 1 {
		return 0, false, fmt.Errorf("query %q: %d samples, want one", expr, len(s))
	}
	return s[0].value, true, nil
}

// alert is one alert as /api/v1/alerts lists it.
type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

// alerts lists the pending and firing alerts.
func (p *prometheusServer) alerts() ([]alert, error) {
	body, err := httpGet("http://" + p.addr + "/api/v1/alerts")
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data struct {
			Alerts []alert `json:"alerts"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		return nil, err
	}
	return resp.Data.Alerts, nil
}

// firing reports whether alert name fires with (at least) labels.
func (p *prometheusServer) firing(name string, labels map[string]string) (bool, string) {
	as, err := p.alerts()
	if err != nil {
		return false, err.Error()
	}
	var seen []string
outer:
	for _, a := range as {
		seen = append(seen, fmt.Sprintf("%s%v %s", a.Labels["alertname"], a.Labels, a.State))
		if a.Labels["alertname"] != name || a.State != "firing" {
			continue
		}
		for k, v := range labels {
			if a.Labels[k] != v {
				continue outer
			}
		}
		return true, ""
	}
	return false, fmt.Sprintf("alerts: %v", seen)
}

// waitFiring waits until alert name fires with labels.
func (p *prometheusServer) waitFiring(name string, labels map[string]string, timeout time.Duration) {
	p.t.Helper()
	waitFor(p.t, timeout, 250*time.Millisecond, fmt.Sprintf("alert %s%v firing", name, labels), func() string {
		_, msg := p.firing(name, labels)
		return msg
	})
}

// expandGrafanaVars turns a dashboard query into PromQL: every template
// variable selects all values, $__rate_interval spans a few test scrapes.
func expandGrafanaVars(expr string) string {
	return strings.NewReplacer(`"$cluster"`, `".*"`, `"$pipe"`, `".*"`,
		"$__rate_interval", "10s", "$__interval", "2s", "$__range", "5m").Replace(expr)
}

func readRepoFile(t testing.TB, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(repoPath(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer collects a child process's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
