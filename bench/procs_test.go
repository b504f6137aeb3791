package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

func TestFreePortsAreDistinctAndNotReused(t *testing.T) {
	seen := map[int]bool{}
	for range 5 {
		ports, err := freePorts(4)
		if err != nil {
			t.Fatal(err)
		}
		if len(ports) != 4 {
			t.Fatalf("freePorts(4) = %v", ports)
		}
		for _, p := range ports {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
		}
	}
}

func TestSpread(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 0}, {[]float64{90, 100, 110}, 0.2}, {[]float64{2, 2}, 0}} {
		if got := spread(tt.xs); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("spread(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
}

// childTest builds the sluice binary once (test/proc) and gives the test
// a TMPDIR of its own, which childrenGone checks is left empty.
func childTest(t *testing.T) (binary, tmp string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts sluice child processes")
	}
	binary = proc.Binary(t)
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return binary, tmp
}

// childrenGone checks that no process runs binary and that the runs left
// nothing in tmp.
func childrenGone(t *testing.T, binary, tmp string) {
	t.Helper()
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), binary) {
			t.Errorf("a child is still running after the run: %s: %q", f, b)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the run left %d entries in its temp dir, e.g. %s", len(left), left[0].Name())
	}
}

func TestProcGroupPinsReportsAndCleansUp(t *testing.T) {
	binary, tmp := childTest(t)
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g, err := newProcGroup(binary)
	if err != nil {
		t.Fatal(err)
	}
	core := allowed[len(allowed)-1]
	p, err := g.standalone(ctx, "B", nil, []int{core})
	if err != nil {
		g.Close()
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		g.Close()
		t.Fatal(err)
	}
	if got := statusField(string(status), "Cpus_allowed_list"); got != strconv.Itoa(core) {
		t.Errorf("child pinned to %d may run on %q", core, got)
	}
	// A child that cannot start fails with its name and its log's tail.
	_, err = g.standalone(ctx, "broken", map[string]string{"pipe_sink_timeout_ms": "soon"}, nil)
	if err == nil || !strings.Contains(err.Error(), "broken exited before it was ready") || !strings.Contains(err.Error(), `invalid value "soon" for pipe_sink_timeout_ms`) {
		t.Errorf("a child refusing its config: %v", err)
	}
	err = g.failed(ctx, io.ErrUnexpectedEOF)
	if msg := err.Error(); !strings.Contains(msg, "==== B (running") || !strings.Contains(msg, "==== broken (exited") {
		t.Errorf("failed() lacks the children's logs: %s", msg)
	}
	g.Close()
	childrenGone(t, binary, tmp)
}

func TestCancelKillsChildren(t *testing.T) {
	binary, tmp := childTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	g, err := newProcGroup(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	p, err := g.standalone(ctx, "A", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the child still runs 30s after its context ended")
	}
	g.Close()
	childrenGone(t, binary, tmp)
}

func TestSinkClause(t *testing.T) {
	tests := []struct {
		ports []int
		attrs []string
		want  string
		err   string
	}{
		{ports: []int{7000}, want: "'sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='7000'"},
		{ports: []int{7000, 7001, 7002}, want: "'sink'='iotdb-thrift-sink', 'sink.node-urls'='127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002'"},
		{ports: []int{7000}, attrs: []string{"sink.compressor=lz4", "k'=v'"},
			want: "'sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='7000', 'sink.compressor'='lz4', 'k'''='v'''"},
		{ports: []int{7000}, attrs: []string{"novalue"}, err: `sink attribute "novalue" is not key=value`},
	}
	for _, tt := range tests {
		got, err := sinkClause(tt.ports, tt.attrs)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("sinkClause(%v, %q) = %q, %v; want error %q", tt.ports, tt.attrs, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sinkClause(%v, %q) = %q, %v\nwant %q", tt.ports, tt.attrs, got, err, tt.want)
		}
	}
}
