package deploy

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestDockerSync brings up deploy/compose/sync-2clusters.yml on free host
// ports with mutual TLS between nodes, its certificates made in the
// project's "certs" volume with the image as docs/operations.md shows: the
// one-shot service creates the pipe A -> B once both clusters are healthy,
// and points written to either DataNode of A reach B.
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
	p.mustCompose(time.Minute, "up", "--no-start")
	certs := p.name + "_certs:/data"
	mustCommand(t, time.Minute, "", nil, "docker", "run", "--rm", "-v", certs, image, "cert", "create-ca", "--certs-dir", "/data")
	mustCommand(t, time.Minute, "", nil, "docker", "run", "--rm", "-v", certs, image, "cert", "create-node", "--certs-dir", "/data",
		"a-confignode-1", "a-datanode-1", "a-datanode-2", "b-confignode-1", "b-datanode-1")
	p.env = append(p.env, "SLUICE_CLUSTER_INSECURE=false", "SLUICE_CERTS_DIR=/certs")
	p.mustCompose(4*time.Minute, "up", "-d")
	for _, svc := range []string{"a-confignode-1", "a-datanode-2", "b-datanode-1"} {
		if logs := p.mustCompose(30*time.Second, "logs", "--no-color", svc); !strings.Contains(logs, "node-to-node traffic uses mutual TLS") {
			t.Errorf("%s does not log that it uses mutual TLS:\n%s", svc, logs)
		}
	}

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
	if rows := openSession(t, a1, 30*time.Second).mustQuery("SHOW PIPES"); len(rows) != 1 || rows[0]["ID"] != "a2b" || rows[0]["State"] != "RUNNING" {
		t.Errorf("SHOW PIPES on cluster A: %v, want a2b RUNNING", rows)
	}
}
