package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// dashboard is the part of a Grafana dashboard JSON model the tests read.
type dashboard struct {
	file       string
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
}

// panel is a dashboard panel; a collapsed row holds its panels.
type panel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	Targets    []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// panelQuery is one query of one panel.
type panelQuery struct {
	where string // dashboard file, panel title and refId, for messages
	expr  string
}

// loadDashboards reads every dashboard under deploy/grafana/dashboards.
func loadDashboards(t testing.TB) []dashboard {
	t.Helper()
	files, err := filepath.Glob(repoPath(t, "deploy", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards under deploy/grafana/dashboards (%v)", err)
	}
	var out []dashboard
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		d.file = filepath.Base(f)
		out = append(out, d)
	}
	return out
}

// queries lists every query of every non-row panel, failing the test for
// a panel without one.
func (d dashboard) queries(t testing.TB) []panelQuery {
	t.Helper()
	var out []panelQuery
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			n := 0
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					continue
				}
				n++
				out = append(out, panelQuery{fmt.Sprintf("%s panel %q query %s", d.file, p.Title, tg.RefID), tg.Expr})
			}
			if n == 0 {
				t.Errorf("%s: panel %q (id %d) has no query", d.file, p.Title, p.ID)
			}
		}
	}
	walk(d.Panels)
	return out
}

var (
	stringLit    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	labelMatch   = regexp.MustCompile(`\{[^}]*\}`)
	rangeSel     = regexp.MustCompile(`\[[^\]]*\]`)
	labelClauses = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	identifier   = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	grafanaVar   = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

// promqlWords are PromQL's functions, aggregations and keywords used in
// the repository's queries and rules: identifiers that are no metric.
var promqlWords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "topk": true, "bottomk": true,
	"rate": true, "irate": true, "increase": true, "deriv": true, "delta": true, "idelta": true,
	"abs": true, "clamp_min": true, "clamp_max": true, "histogram_quantile": true, "label_replace": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "time": true, "vector": true,
	"absent": true, "changes": true, "resets": true, "max_over_time": true, "min_over_time": true,
	"avg_over_time": true, "last_over_time": true,
}

// metricNames returns the metric names a PromQL expression selects: what
// is left once strings, label matchers, ranges, grouping clauses, Grafana
// variables, numbers and PromQL's own words are taken out.
func metricNames(expr string) []string {
	s := stringLit.ReplaceAllString(expr, `""`)
	s = grafanaVar.ReplaceAllString(s, "1m")
	s = labelMatch.ReplaceAllString(s, " ")
	s = rangeSel.ReplaceAllString(s, " ")
	s = labelClauses.ReplaceAllString(s, " ")
	seen := map[string]bool{}
	for _, loc := range identifier.FindAllStringIndex(s, -1) {
		w := s[loc[0]:loc[1]]
		// A number's exponent or unit (1e3, 5m) is no identifier.
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue
		}
		if !promqlWords[w] {
			seen[w] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// contractMetrics are the series the nodes export by the operability
// contract (issue #8), on top of what a bare standalone process shows:
// the per-pipe and per-region ones appear once a pipe runs, the
// cluster-wide pipe view on the ConfigNode leader.
var contractMetrics = []string{
	"sluice_build_info", "sluice_confignode_leader",
	"sluice_cluster_node_up", "sluice_cluster_nodes", "sluice_cluster_regions", "sluice_cluster_regions_without_leader",
	"sluice_datanode_regions", "sluice_datanode_write_requests_total",
	"sluice_pipe_points_sent_total", "sluice_pipe_tablets_sent_total", "sluice_pipe_retries_total",
	"sluice_pipe_commit_frontier", "sluice_pipe_pending_events",
	"sluice_pipe_state", "sluice_pipe_remaining_events", "sluice_pipe_events_per_second",
	"sluice_pipe_estimated_remaining_seconds", "sluice_pipe_exception",
	"sluice_pipe_lag_seconds", "sluice_pipe_sink_errors_total", "sluice_pipe_sink_connections",
	"sluice_region_pinned_log_bytes", "sluice_region_pinned_log_limit_bytes", "sluice_region_pinned_log_releases_total",
	"sluice_pipe_progress_snapshot_age_seconds",
}

// exposedNames lists the series names on a /metrics page (a summary's
// quantile series under the family's own name, and its _sum and _count).
func exposedNames(page string) map[string]bool {
	names := map[string]bool{}
	for _, l := range strings.Split(page, "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		if i := strings.IndexAny(l, "{ "); i > 0 {
			names[l[:i]] = true
		}
	}
	return names
}

// TestDashboardsWellFormed parses every dashboard: each has a uid, a title
// and the datasource and cluster variables; every panel has a query, uses
// the datasource variable, and selects only metrics that exist: those a
// running standalone process exports, those of the operability contract,
// or Prometheus' own `up`. The alert rules are held to the same names.
func TestDashboardsWellFormed(t *testing.T) {
	port := proc.FreePort(t)
	s := proc.StartStandalone(t, "dn_metrics_port="+strconv.Itoa(port))
	// Some series appear with their first event: give it a write, a query
	// and its Raft elections.
	cli(t, s.Addr(), "INSERT INTO root.dash.d(time, v) VALUES (1, 1.5)", "SELECT v FROM root.dash.d")
	var page string
	waitFor(t, 10*time.Second, 100*time.Millisecond, "the standalone's Raft and RPC series", func() string {
		var err error
		if page, err = httpGet("http://127.0.0.1:" + strconv.Itoa(port) + "/metrics"); err != nil {
			return err.Error()
		}
		for _, n := range []string{"sluice_raft_leader_changes_total", "sluice_rpc_requests_total", "sluice_datanode_points_written_total"} {
			if !exposedNames(page)[n] {
				return "no " + n
			}
		}
		return ""
	})
	known := exposedNames(page)
	for _, n := range contractMetrics {
		known[n] = true
	}
	known["up"] = true // made by Prometheus for every target

	uids := map[string]string{}
	for _, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: uid %q, title %q: both must be set", d.file, d.UID, d.Title)
		}
		if prev, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share uid %q", prev, d.file, d.UID)
		}
		uids[d.UID] = d.file
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			vars[v.Name] = v.Type
		}
		if vars["datasource"] != "datasource" || vars["cluster"] != "query" {
			t.Errorf("%s: variables %v, want a datasource variable \"datasource\" and a query variable \"cluster\"", d.file, vars)
		}
		checkPanelDatasources(t, d.file, d.Panels)
		qs := d.queries(t)
		if len(qs) == 0 {
			t.Errorf("%s: no queries", d.file)
		}
		for _, q := range qs {
			names := metricNames(q.expr)
			if len(names) == 0 {
				t.Errorf("%s: %q selects no metric", q.where, q.expr)
			}
			for _, n := range names {
				if !known[n] {
					t.Errorf("%s: metric %s is neither exported by a standalone process nor in the contract (expr %q)", q.where, n, q.expr)
				}
			}
		}
	}
	for _, r := range alertRules(t) {
		for _, n := range metricNames(r.expr) {
			if !known[n] {
				t.Errorf("rules.yml alert %s: metric %s is neither exported by a standalone process nor in the contract", r.name, n)
			}
		}
	}
}

// checkPanelDatasources fails for a panel not bound to the dashboard's
// datasource variable, which would tie it to one Grafana's datasource.
func checkPanelDatasources(t *testing.T, file string, ps []panel) {
	t.Helper()
	for _, p := range ps {
		if p.Type == "row" {
			checkPanelDatasources(t, file, p.Panels)
			continue
		}
		var ds struct{ Type, UID string }
		if err := json.Unmarshal(p.Datasource, &ds); err != nil || ds.Type != "prometheus" || ds.UID != "${datasource}" {
			t.Errorf("%s: panel %q datasource %s, want {type: prometheus, uid: ${datasource}}", file, p.Title, p.Datasource)
		}
	}
}

// TestMetricNames pins the PromQL name extraction the dashboard and rule
// checks rely on.
func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum by (cluster, instance) (rate(sluice_datanode_points_written_total{cluster=~"$cluster"}[$__rate_interval]))`, []string{"sluice_datanode_points_written_total"}},
		{`sluice_pipe_state{state="STOPPED"} == 1 and ignoring(state) sluice_pipe_exception == 1`, []string{"sluice_pipe_exception", "sluice_pipe_state"}},
		{`sluice_region_pinned_log_bytes / sluice_region_pinned_log_limit_bytes > 0.8e0`, []string{"sluice_region_pinned_log_bytes", "sluice_region_pinned_log_limit_bytes"}},
		{`up{job=~"sluice-.*"} == 0`, []string{"up"}},
		{`count by (instance) (sluice_raft_state{job="a b"} == 2) offset 5m`, []string{"sluice_raft_state"}},
	} {
		if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
