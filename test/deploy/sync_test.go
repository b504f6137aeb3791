package deploy

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestDockerSync brings up deploy/compose/sync-2clusters.yml on free host
// ports: the nodes of each cluster talk mutual TLS with certificates the
// file's one-shot services make, the one-shot CLI creates the pipe A -> B
// once both clusters are healthy, and points written to either DataNode of
// A reach B, also after the whole deployment is stopped and brought up
// again.
func TestDockerSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two compose clusters")
	}
	needDocker(t)
	// Not parallel with TestDockerCluster: the official client keeps every
	// session's endpoint in one process-wide list without a lock.
	image := builtImage(t)
	a1, a2, b1 := proc.FreePort(t), proc.FreePort(t), proc.FreePort(t)
	p := &composeProject{t: t, name: uniqueName("sluicesync"), file: repoPath(t, "deploy", "compose", "sync-2clusters.yml"), env: []string{
		"SLUICE_IMAGE=" + image, "SLUICE_PUBLISH_IP=127.0.0.1", "SLUICE_ADVERTISED_HOST=127.0.0.1",
		"SLUICE_A1_PORT=" + strconv.Itoa(a1), "SLUICE_A2_PORT=" + strconv.Itoa(a2), "SLUICE_B1_PORT=" + strconv.Itoa(b1),
	}}
	t.Cleanup(p.down)
	p.mustCompose(4*time.Minute, "up", "-d")
	p.usesTLS("a-confignode-1", "a-datanode-1", "a-datanode-2", "b-confignode-1", "b-datanode-1")

	want := points{}
	for i, port := range []int{a1, a2} {
		s := openSession(t, port, 90*time.Second)
		for _, dev := range []string{"root.edge.d1", "root.edge.d2", "root.edge.d3"} {
			from := int64(i*100 + 1)
			if _, err := s.insert(want, dev, from, from+19); err != nil {
				t.Fatalf("insert %s through port %d: %v", dev, port, err)
			}
		}
		s.close()
	}
	waitReceiver(t, b1, want, 90*time.Second)
	sa := openSession(t, a1, 30*time.Second)
	if rows := sa.mustQuery("SHOW PIPES"); len(rows) != 1 || rows[0]["ID"] != "a2b" || rows[0]["State"] != "RUNNING" {
		t.Errorf("SHOW PIPES on cluster A: %v, want a2b RUNNING", rows)
	}
	sa.close()

	// Stopped and brought up again over the same volumes: the certificates
	// are kept, the pipe goes on, nothing is lost.
	p.mustCompose(2*time.Minute, "stop", "-t", "10")
	p.mustCompose(4*time.Minute, "up", "-d")
	sa = openSession(t, a1, 90*time.Second)
	if _, err := sa.insert(want, "root.edge.d1", 1000, 1019); err != nil {
		t.Fatalf("insert after the restart: %v", err)
	}
	waitReceiver(t, b1, want, 90*time.Second)
	// The one-shot pipe service ran again and found the pipe there.
	for _, c := range p.containers("create-pipe") {
		deadline := time.Now().Add(time.Minute)
		for {
			out, err := exec.Command("docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", c).Output()
			if err != nil {
				t.Fatalf("docker inspect %s: %v", c, err)
			}
			if st := strings.TrimSpace(string(out)); st == "exited 0" {
				break
			} else if strings.HasPrefix(st, "exited") || time.Now().After(deadline) {
				t.Fatalf("create-pipe on the second up: %s (want exited 0: CREATE PIPE IF NOT EXISTS)", st)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}
