package e2e

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/test/proc"
)

// strangerCerts is a CA and node certificate of another cluster.
func strangerCerts(t *testing.T) *certs.Source {
	t.Helper()
	dir := t.TempDir()
	if err := certs.CreateCA(dir, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(dir, "", []string{"127.0.0.1"}, certs.Options{}); err != nil {
		t.Fatal(err)
	}
	src, err := certs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// grpcCall dials addr with src's credentials (nil: plain text) and runs
// call within a few seconds.
func grpcCall(t *testing.T, addr string, src *certs.Source, call func(context.Context, *grpc.ClientConn) error) error {
	t.Helper()
	cc, err := grpc.NewClient(addr, src.DialCredentials())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return call(ctx, cc)
}

func stateCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewConfigNodeClient(cc).State(ctx, &clusterpb.StateRequest{})
	return err
}

func matchCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewDataNodeClient(cc).MatchSeries(ctx, &clusterpb.MatchSeriesRequest{RegionId: 1, Pattern: "root.**"})
	return err
}

// The other calls the attacks of issue #14 made: commit a command, remove
// a ConfigNode, register a fake DataNode; propose and scan region data.
func applyCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewConfigNodeClient(cc).Apply(ctx, &clusterpb.ApplyRequest{Command: []byte{1, '{', '}'}})
	return err
}

func removeCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewConfigNodeClient(cc).RemoveConfigNode(ctx, &clusterpb.RemoveConfigNodeRequest{NodeId: 0})
	return err
}

func registerCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewConfigNodeClient(cc).RegisterDataNode(ctx, &clusterpb.RegisterDataNodeRequest{
		Internal: &clusterpb.Endpoint{Host: "10.9.9.9", Port: 1}, Rpc: &clusterpb.Endpoint{Host: "10.9.9.9", Port: 2}})
	return err
}

func proposeCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewDataNodeClient(cc).Propose(ctx, &clusterpb.ProposeRequest{RegionId: 1, Command: []byte{1}})
	return err
}

func stopPipeTasksCall(ctx context.Context, cc *grpc.ClientConn) error {
	_, err := clusterpb.NewDataNodeClient(cc).StopPipeTasks(ctx, &clusterpb.StopPipeTasksRequest{Pipe: "p", StateIndex: 1})
	return err
}

func scanCall(ctx context.Context, cc *grpc.ClientConn) error {
	st, err := clusterpb.NewDataNodeClient(cc).Scan(ctx, &clusterpb.ScanRequest{RegionId: 1, Path: "root.sec.d.s", Lo: 0, Hi: 10})
	if err != nil {
		return err
	}
	_, err = st.Recv()
	return err
}

// TestClusterInternalPortsRefuseStrangers: with certificates (the
// default of the test clusters, as of production ones) every internal port
// refuses a caller without a certificate of the cluster CA, and the
// cluster goes on working.
func TestClusterInternalPortsRefuseStrangers(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec("CREATE DATABASE root.sec", "INSERT INTO root.sec.d(time, s) VALUES (1, 1.5)")
	cn, dn := cl.ConfigNodes[0], cl.DataNodes[1]
	own, err := certs.Open(cl.CertsDir)
	if err != nil {
		t.Fatal(err)
	}
	stranger := strangerCerts(t)

	// What a node of the cluster may do, the same calls without its
	// certificate may not.
	if err := grpcCall(t, cn.InternalAddr(), own, stateCall); err != nil {
		t.Fatalf("ConfigNode State with the cluster's certificate: %v", err)
	}
	type attack struct {
		name string
		addr string
		call func(context.Context, *grpc.ClientConn) error
	}
	attacks := []attack{
		{"ConfigNode State", cn.InternalAddr(), stateCall},
		{"ConfigNode Apply", cn.InternalAddr(), applyCall},
		{"ConfigNode RemoveConfigNode", cn.InternalAddr(), removeCall},
		{"ConfigNode RegisterDataNode", cn.InternalAddr(), registerCall},
		{"DataNode MatchSeries", dn.InternalAddr(), matchCall},
		{"DataNode Propose", dn.InternalAddr(), proposeCall},
		{"DataNode Scan", dn.InternalAddr(), scanCall},
		{"DataNode StopPipeTasks", dn.InternalAddr(), stopPipeTasksCall},
	}
	for _, a := range attacks {
		for who, src := range map[string]*certs.Source{"in plain text": nil, "with another cluster's certificate": stranger} {
			if err := grpcCall(t, a.addr, src, a.call); err == nil {
				t.Errorf("%s %s succeeded", a.name, who)
			}
		}
	}
	if rows := mustShow(t, c, "SHOW DATANODES"); len(rows) != len(cl.DataNodes) {
		t.Errorf("after the attempts SHOW DATANODES lists %d nodes, want %d", len(rows), len(cl.DataNodes))
	}
	if rows := mustShow(t, c, "SHOW CONFIGNODES"); len(rows) != 1 {
		t.Errorf("after the attempts SHOW CONFIGNODES lists %d nodes, want 1", len(rows))
	}

	// A forged Raft header and AppendEntries in plain text: the
	// consensus ports hang up without answering.
	for _, node := range []*proc.Node{cn, dn} {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(node.ConsensusPort))
		conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = conn.Write([]byte("SLMX\x01\x0aconfignode" + strings.Repeat("\x01", 128)))
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := conn.Read(make([]byte, 64)); err == nil || n > 0 {
			t.Errorf("%s's consensus port answered a plain-text peer (%d bytes)", node.Name, n)
		}
		conn.Close()
	}
	if !strings.Contains(cn.Log()+dn.Log(), "raft mux refused a connection") {
		t.Error("no node logged the refused Raft connection")
	}

	c.mustExec("INSERT INTO root.sec.d(time, s) VALUES (2, 2.5)")
	if got := countOf(t, sessionTo(t, cl.DataNodes[2]), "root.sec.d.s"); got != 2 {
		t.Fatalf("after the attempts the cluster holds %d points, want 2", got)
	}
}

// TestClusterNodeSecuritySettings: a node with neither certificates nor
// cluster_insecure does not start and says what to do; an insecure one
// starts and warns.
func TestClusterNodeSecuritySettings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cluster processes")
	}
	cl := proc.NewCluster(t, proc.ClusterConfig{})
	n := cl.NewConfigNode()
	delete(n.Props, "cluster_certs_dir")
	n.Launch()
	if code, exited := n.WaitExit(30 * time.Second); !exited || code == 0 {
		t.Fatalf("a ConfigNode without certificates: exited %v with %d", exited, code)
	}
	if !strings.Contains(n.Log(), "cluster_certs_dir") || !strings.Contains(n.Log(), "cluster_insecure=true") {
		t.Fatalf("the refusal does not name the keys:\n%s", n.Log())
	}

	insecure := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 1, DataNodes: 1, Insecure: true})
	for _, n := range insecure.Nodes() {
		if !strings.Contains(n.Log(), "neither authenticated nor encrypted") {
			t.Errorf("%s started insecure without a warning:\n%s", n.Name, n.Log())
		}
	}
}

// TestClusterCertificateRotationUnderLoad rolls out a new CA and new node
// certificates while a client writes, restarts a DataNode onto them, and
// checks that every acknowledged point is there.
func TestClusterCertificateRotationUnderLoad(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	c := sqlTo(t, cl.DataNodes[0])
	c.mustExec("CREATE DATABASE " + writerDB)
	w := startClusterWriter(t, cl.RPCAddrs())
	w.waitAcks(t, 40, 30*time.Second)

	// Step 1: the new CA joins the bundle; step 2: new node certificates
	// from it. Nodes pick both up within a second, without a restart.
	if err := certs.CreateCA(cl.CertsDir, certs.Options{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if err := certs.CreateNode(cl.CertsDir, "", []string{"127.0.0.1", "localhost"}, certs.Options{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	before := w.ackCount()
	w.waitAcks(t, before+40, 30*time.Second)

	// A restarted node connects to its peers with the new certificate only.
	victim := cl.DataNodes[2]
	victim.Stop()
	victim.Start()
	before = w.ackCount()
	w.waitAcks(t, before+40, 30*time.Second)
	waitAllRunning(t, c, cl, 30*time.Second)
	acked, _ := w.stop(t)
	for _, dn := range cl.DataNodes {
		checkAcked(t, "through "+dn.Name, sessionTo(t, dn), acked)
	}
}

// TestClusterSealsSinkPasswords: a pipe's sink password is stored sealed
// with the cluster key (the ConfigNode's metadata and files hold no
// plaintext), and the sink still logs in with it; the metadata sent to
// nodes carries the users' password hashes sealed too.
func TestClusterSealsSinkPasswords(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	cb := newPipeClient(t, b)
	const password = "Pipe-Secret-4711"
	cb.mustExec("CREATE USER piper '"+password+"'", "GRANT WRITE_DATA ON root.** TO USER piper",
		"GRANT WRITE_SCHEMA ON root.** TO USER piper")
	ca := sqlTo(t, cl.DataNodes[0])
	ca.mustExec("CREATE PIPE sealed WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='"+
		strconv.Itoa(b.Port)+"', 'sink.user'='piper', 'sink.password'='"+password+"')",
		"INSERT INTO root.seal.d(time, s) VALUES (1, 1.5)")
	pipeWaitData(t, cb, "root.seal", pipeData{"root.seal.d.s": {1: "1.5"}}, 60*time.Second)

	own, err := certs.Open(cl.CertsDir)
	if err != nil {
		t.Fatal(err)
	}
	var state []byte
	err = grpcCall(t, cl.ConfigNodes[0].InternalAddr(), own, func(ctx context.Context, cc *grpc.ClientConn) error {
		resp, err := clusterpb.NewConfigNodeClient(cc).State(ctx, &clusterpb.StateRequest{})
		state = resp.GetState()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(state), password) || !strings.Contains(string(state), "sealed:v1:") {
		t.Fatalf("the metadata holds the sink password in the clear or not sealed:\n%s", state)
	}
	// Nor does any password hash leave the ConfigNode unsealed, while
	// DataNodes still check logins (this test's sessions log in as root).
	if strings.Contains(string(state), "$2a$") {
		t.Fatalf("the metadata sent to nodes holds a bcrypt hash in the clear:\n%s", state)
	}
	if _, err := sqlTo(t, cl.DataNodes[2]).exec("SHOW DATABASES"); err != nil {
		t.Fatalf("a DataNode no longer checks logins: %v", err)
	}
	cl.ConfigNodes[0].Stop() // flush what it holds to its files
	err = filepath.WalkDir(cl.ConfigNodes[0].DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(password)) {
			t.Errorf("%s holds the sink password in the clear", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
