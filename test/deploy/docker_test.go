package deploy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// TestDockerCluster builds the image with `make image`, brings up
// deploy/compose/cluster-3c3d.yml under its own project name on free host
// ports, plus a receiver container on the project's network, and uses the
// cluster as a client on the host would, with the official Go client:
// SHOW DATANODES and write redirects name the published endpoints, which
// answer; a DataNode container killed and started again rejoins; a pipe
// to the receiver shows a 'retrying:' ExceptionMessage within 10 s of the
// receiver leaving the network, and once it is back the receiver holds
// every acknowledged point. Every container passes its health check
// (`sluice health`) and the nodes talk mutual TLS. Containers, networks and volumes are removed at
// cleanup.
func TestDockerCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image and runs a compose cluster")
	}
	needDocker(t)
	t.Parallel()
	image := builtImage(t)

	ports := []int{proc.FreePort(t), proc.FreePort(t), proc.FreePort(t)}
	recvPort := proc.FreePort(t)
	p := &composeProject{t: t, name: uniqueName("sluicedeploy"), file: repoPath(t, "deploy", "compose", "cluster-3c3d.yml"), env: []string{
		"SLUICE_IMAGE=" + image, "SLUICE_PUBLISH_IP=127.0.0.1", "SLUICE_ADVERTISED_HOST=127.0.0.1",
		"SLUICE_DN1_PORT=" + strconv.Itoa(ports[0]), "SLUICE_DN2_PORT=" + strconv.Itoa(ports[1]), "SLUICE_DN3_PORT=" + strconv.Itoa(ports[2]),
	}}
	t.Cleanup(p.down)
	p.mustCompose(4*time.Minute, "up", "-d")
	receiver := p.name + "-receiver"
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := command(30*time.Second, "", nil, "docker", "logs", "--tail", "40", receiver)
			t.Logf("receiver log:\n%s", out)
		}
		if out, err := command(60*time.Second, "", nil, "docker", "rm", "-f", "-v", receiver); err != nil {
			t.Errorf("remove the receiver: %v\n%s", err, out)
		}
	})
	mustCommand(t, time.Minute, "", nil, "docker", "run", "-d", "--name", receiver, "--network", p.network(),
		"--network-alias", "receiver", "-p", "127.0.0.1:"+strconv.Itoa(recvPort)+":6667", image)

	// Every node, and the receiver, passes its health check; the cluster
	// serves on the published ports and names them.
	nodes := []string{"confignode-1", "confignode-2", "confignode-3", "datanode-1", "datanode-2", "datanode-3"}
	ids := p.containers(nodes...)
	if len(ids) != len(nodes) {
		t.Fatalf("%d containers for the services %v: %v", len(ids), nodes, ids)
	}
	waitHealthy(t, 90*time.Second, append(ids, receiver)...)
	p.usesTLS(nodes...)
	dn1 := openSession(t, ports[0], 90*time.Second)
	waitFor(t, 90*time.Second, time.Second, "SHOW DATANODES: the three DataNodes Running at their published endpoints", func() string {
		return checkDataNodes(dn1, ports)
	})
	dn1.exec("CREATE DATABASE root.dock")

	// Write every device through every DataNode: the two that do not lead
	// a device's region answer with a redirect to the one that does.
	want := points{}
	devices := []string{"root.dock.d1", "root.dock.d2", "root.dock.d3", "root.dock.d4", "root.dock.d5", "root.dock.d6"}
	redirects := 0
	for i, port := range ports {
		s := dn1
		if i > 0 {
			s = openSession(t, port, 30*time.Second)
		}
		for _, dev := range devices {
			from := int64(i*100 + 1)
			st, err := s.insert(want, dev, from, from+49)
			if err != nil {
				t.Fatalf("insert %s through port %d: %v", dev, port, err)
			}
			if st.Code != client.RedirectionRecommend {
				continue
			}
			redirects++
			n := st.GetRedirectNode()
			if n == nil || n.IP != "127.0.0.1" || !slices.Contains(ports, int(n.Port)) || int(n.Port) == port {
				t.Errorf("insert %s through port %d redirected to %+v, want 127.0.0.1 and another published port of %v", dev, port, n, ports)
			} else if err := dialable(n.IP, n.Port); err != nil {
				t.Errorf("redirect target %s:%d does not answer: %v", n.IP, n.Port, err)
			}
		}
		if i > 0 {
			s.close()
		}
	}
	if redirects == 0 {
		t.Errorf("no write through a DataNode that does not lead the device's region was redirected")
	}

	// Kill a DataNode container; the other two keep the regions (RF=3)
	// writable; started again, it rejoins and serves.
	p.mustCompose(time.Minute, "kill", "datanode-2")
	next := int64(1000)
	for _, dev := range devices {
		waitFor(t, 60*time.Second, time.Second, "a write to "+dev+" with datanode-2 down", func() string {
			_, err := dn1.insert(want, dev, next, next+9)
			if err != nil {
				return err.Error()
			}
			return ""
		})
	}
	next += 10
	p.mustCompose(time.Minute, "start", "datanode-2")
	waitFor(t, 90*time.Second, time.Second, "datanode-2 Running again", func() string {
		return checkDataNodes(dn1, ports)
	})
	dn2 := openSession(t, ports[1], 60*time.Second)
	if rows := dn2.mustQuery("SELECT count(v) FROM root.dock.d1"); len(rows) != 1 {
		t.Errorf("count through the restarted datanode-2: %v", rows)
	}
	dn2.close()

	// A pipe to the receiver, by its name on the project's network.
	dn1.exec("CREATE PIPE dock2r WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='receiver', 'sink.port'='6667')")
	waitReceiver(t, recvPort, want, 90*time.Second)

	// The receiver leaves the network for 20 s: the pipe says it retries
	// within 10 s; writes go on being acknowledged.
	waitFor(t, 30*time.Second, time.Second, "dock2r without an ExceptionMessage while the receiver is reachable", func() string {
		return pipeException(t, dn1, "dock2r")
	})
	mustCommand(t, 30*time.Second, "", nil, "docker", "network", "disconnect", p.network(), receiver)
	cut := time.Now()
	retrying, shown := time.Duration(0), ""
	for time.Since(cut) < 20*time.Second {
		for _, dev := range devices {
			if _, err := dn1.insert(want, dev, next, next); err != nil {
				t.Fatalf("write with the receiver away: %v", err)
			}
		}
		next++
		if msg := pipeException(t, dn1, "dock2r"); retrying == 0 && strings.HasPrefix(msg, "retrying: ") {
			retrying, shown = time.Since(cut), msg
		}
		time.Sleep(250 * time.Millisecond)
	}
	if retrying == 0 || retrying > 10*time.Second {
		t.Errorf("SHOW PIPES ExceptionMessage of dock2r did not start with 'retrying' within 10s of the receiver leaving the network (seen after %v; now %q)", retrying, pipeException(t, dn1, "dock2r"))
	} else {
		t.Logf("%q shown %v after the receiver left the network", shown, retrying.Round(100*time.Millisecond))
	}
	mustCommand(t, 30*time.Second, "", nil, "docker", "network", "connect", "--alias", "receiver", p.network(), receiver)
	waitReceiver(t, recvPort, want, 120*time.Second)
	waitFor(t, 30*time.Second, time.Second, "dock2r's ExceptionMessage cleared", func() string {
		return pipeException(t, dn1, "dock2r")
	})
	t.Logf("the receiver holds all %d acknowledged points", want.count())
}

// checkDataNodes checks SHOW DATANODES through s: one Running DataNode
// advertised at 127.0.0.1 for each published port. It returns what is
// wrong, "" when nothing is.
func checkDataNodes(s *session, ports []int) string {
	rows, err := s.query("SHOW DATANODES")
	if err != nil {
		return err.Error()
	}
	var seen []int
	for _, r := range rows {
		port, _ := strconv.Atoi(r["RpcPort"])
		if r["RpcAddress"] != "127.0.0.1" || r["Status"] != "Running" || !slices.Contains(ports, port) {
			return fmt.Sprintf("rows %v, want every DataNode Running at 127.0.0.1 on one of %v", rows, ports)
		}
		seen = append(seen, port)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, slices.Sorted(slices.Values(ports))) {
		return fmt.Sprintf("advertised ports %v, want %v", seen, ports)
	}
	return ""
}

// waitReceiver waits until the receiver published on port holds want.
func waitReceiver(t testing.TB, port int, want points, timeout time.Duration) {
	t.Helper()
	var miss string
	waitFor(t, timeout, time.Second, fmt.Sprintf("the receiver holding the %d acknowledged points", want.count()), func() string {
		r := openSession(t, port, 30*time.Second)
		defer r.close()
		miss = r.missing(want)
		return miss
	})
}

// pipeException is pipe name's ExceptionMessage in SHOW PIPES through s.
func pipeException(t testing.TB, s *session, name string) string {
	t.Helper()
	for _, r := range s.mustQuery("SHOW PIPES") {
		if r["ID"] == name {
			return r["ExceptionMessage"]
		}
	}
	t.Fatalf("SHOW PIPES at %s does not list %s", s.addr, name)
	return ""
}
