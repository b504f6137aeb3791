package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/test/proc"
)

var metricsURL = regexp.MustCompile(`metrics=(http://[0-9.:]+/metrics)`)

// scrape fetches a node's /metrics page, found from its start-up log line.
func scrape(t *testing.T, s *proc.Standalone) string {
	t.Helper()
	m := metricsURL.FindStringSubmatch(s.Log())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.Log())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", m[1], resp.StatusCode, err)
	}
	return string(b)
}

// TestTwoInstancesSideBySide runs two standalone servers that differ only
// in data dir and RPC port, with the default metrics port for both: each
// serves its own data and its own metrics.
func TestTwoInstancesSideBySide(t *testing.T) {
	a := proc.StartStandalone(t, "dn_metrics_port=9092")
	b := proc.StartStandalone(t, "dn_metrics_port=9092")
	sa, sb := connect(t, a), connect(t, b)
	if _, err := sa.ExecuteNonQueryStatement("insert into root.side.a(time, s) values (1, 1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ExecuteNonQueryStatement("insert into root.side.b(time, s) values (1, 1), (2, 2)"); err != nil {
		t.Fatal(err)
	}
	if n := queryInt64(t, sa, "select count(s) from root.side.a"); n != 1 {
		t.Fatalf("instance A counts %d", n)
	}
	if n := queryInt64(t, sb, "select count(s) from root.side.b"); n != 2 {
		t.Fatalf("instance B counts %d", n)
	}
	ma, mb := scrape(t, a), scrape(t, b)
	if metricsURL.FindString(a.Log()) == metricsURL.FindString(b.Log()) {
		t.Fatal("both instances report the same metrics address")
	}
	for _, name := range []string{
		"sluice_rpc_requests_total", "sluice_ingest_points_total", "sluice_storage_points_written_total",
		"sluice_raft_state", "sluice_raft_apply_duration_seconds", "sluice_storage_flushes_total",
		`role="standalone"`, "sluice_confignode_leader 1", "sluice_raft_commitTime",
	} {
		if !strings.Contains(ma, name) || !strings.Contains(mb, name) {
			t.Errorf("metric %s missing", name)
		}
	}
	if !strings.Contains(mb, "sluice_ingest_points_total 2") {
		t.Errorf("instance B does not count its 2 ingested points:\n%s", grep(mb, "sluice_ingest"))
	}
	a.Stop()
	b.Stop()
}

func grep(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCorruptLogTailRecovers kills the server, appends garbage to the end
// of every log file it keeps (the storage WAL and the regions' Raft logs),
// and checks that it restarts with every acknowledged point.
func TestCorruptLogTailRecovers(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := connect(t, s)
	if _, err := sess.ExecuteNonQueryStatement("insert into root.tail.d(time, a, b) values (1, 1, 'x'), (2, 2, 'y')"); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.ExecuteNonQueryStatement("flush"); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.ExecuteNonQueryStatement("insert into root.tail.d(time, a, b) values (3, 3, 'z')"); err != nil {
		t.Fatal(err)
	}
	s.Kill()

	var logs []string
	for _, pattern := range []string{"datanode/storage/*.log", "datanode/regions/*/wal/*.wal"} {
		m, _ := filepath.Glob(filepath.Join(s.DataDir, pattern))
		sort.Strings(m)
		if len(m) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		logs = append(logs, m[len(m)-1])
	}
	for _, p := range logs {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("\x13\x37torn-write-garbage\xff\xfe\x00\x01")); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	s.Start()
	sess = connect(t, s)
	if n := queryInt64(t, sess, "select count(a) from root.tail.d"); n != 3 {
		t.Fatalf("after a corrupt tail, %d of 3 acknowledged rows remain\n%s", n, s.Log())
	}
	if n := queryInt64(t, sess, "select count(b) from root.tail.d"); n != 3 {
		t.Fatalf("after a corrupt tail, %d of 3 text rows remain", n)
	}
	if _, err := sess.ExecuteNonQueryStatement("insert into root.tail.d(time, a) values (4, 4)"); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
	s.Stop()
}
