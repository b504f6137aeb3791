package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// wildcardEnv binds every listener of every node to the wildcard and
// advertises 127.0.0.1, through environment variables as a container's
// would be set.
var wildcardEnv = []string{
	"cn_internal_bind_address=0.0.0.0",
	"cn_internal_address=127.0.0.1",
	"dn_rpc_address=0.0.0.0",
	"dn_rpc_advertised_address=127.0.0.1",
	"dn_internal_bind_address=0.0.0.0",
	"dn_internal_address=127.0.0.1",
}

// TestClusterWildcardBind runs a ConfigNode and two DataNodes (replication
// factor 2) bound to 0.0.0.0 and advertising 127.0.0.1; the second DataNode
// advertises another client port, served by a forwarder as a published
// container port would be. SHOW statements and write redirects name the
// advertised endpoints, which a client dials; `sluice health` finds every
// node ready from its configuration; an advertised wildcard stops a node.
func TestClusterWildcardBind(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := proc.NewCluster(t, proc.ClusterConfig{Env: wildcardEnv, Props: map[string]string{
		"data_replication_factor":                    "2",
		"default_data_region_group_num_per_database": "2",
	}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs:\n%s", cl.LogTails(60))
		}
	})
	cl.AddConfigNode()
	dn1 := cl.AddDataNode()
	dn2 := cl.NewDataNode()
	published := forward(t, dn2)
	dn2.Props["dn_rpc_advertised_port"] = strconv.Itoa(published)
	dn2.Start()
	cl.DataNodes = append(cl.DataNodes, dn2)
	advertised := map[*proc.Node]int{dn1: dn1.RPCPort, dn2: published}

	t.Run("listeners bind the wildcard", func(t *testing.T) {
		// 127.0.0.2 is another loopback address: only a wildcard listener
		// (or one bound to it) answers there.
		for _, n := range cl.Nodes() {
			for _, port := range []int{n.InternalPort, n.ConsensusPort, n.MetricsPort, n.RPCPort} {
				if port == 0 {
					continue
				}
				c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)), 2*time.Second)
				if err != nil {
					t.Errorf("%s port %d not bound to the wildcard: %v", n.Name, port, err)
					continue
				}
				c.Close()
			}
		}
	})

	c := sqlTo(t, dn1)
	st, err := sessionTo(t, dn1).SetStorageGroup("root.wild")
	mustOK(t, "SetStorageGroup root.wild", st, err)
	waitPreferredLeaders(t, c, 30*time.Second)

	t.Run("SHOW statements name the advertised endpoints", func(t *testing.T) {
		rows := mustShow(t, c, "SHOW DATANODES")
		if len(rows) != 2 {
			t.Fatalf("SHOW DATANODES = %v, want 2 rows", rows)
		}
		for n, port := range advertised {
			found := false
			for _, r := range rows {
				found = found || (r["RpcAddress"] == "127.0.0.1" && r["RpcPort"] == strconv.Itoa(port))
			}
			if !found {
				t.Errorf("SHOW DATANODES %v: no row for %s at 127.0.0.1:%d", rows, n.Name, port)
			}
		}
		for _, r := range mustShow(t, c, "SHOW REGIONS") {
			if r["RpcAddress"] != "127.0.0.1" || (r["RpcPort"] != strconv.Itoa(dn1.RPCPort) && r["RpcPort"] != strconv.Itoa(published)) {
				t.Errorf("SHOW REGIONS row %v: not an advertised client endpoint", r)
			}
		}
		for _, r := range mustShow(t, c, "SHOW CLUSTER") {
			if r["InternalAddress"] != "127.0.0.1" {
				t.Errorf("SHOW CLUSTER row %v: internal address not the advertised 127.0.0.1", r)
			}
		}
	})

	t.Run("redirects name a dialable endpoint", func(t *testing.T) {
		w := sessionTo(t, dn1)
		redirected := 0
		for d := range 16 {
			dev := fmt.Sprintf("root.wild.d%d", d)
			st, err := w.InsertRecord(dev, []string{"s"}, []client.TSDataType{client.INT64}, []any{int64(d)}, 1)
			if !acknowledged(st, err) {
				t.Fatalf("InsertRecord %s through %s: %v %s", dev, dn1.Name, err, statusString(st))
			}
			if st.Code != client.RedirectionRecommend {
				continue
			}
			redirected++
			to := st.GetRedirectNode()
			if to == nil || to.IP != "127.0.0.1" || int(to.Port) != published {
				t.Fatalf("InsertRecord %s: redirected to %+v, want %s's advertised 127.0.0.1:%d", dev, to, dn2.Name, published)
			}
			// The client follows the redirect: the leader answers plainly.
			leader := rootSession(t, &proc.Standalone{Port: int(to.Port)})
			st, err = leader.InsertRecord(dev, []string{"s"}, []client.TSDataType{client.INT64}, []any{int64(d)}, 2)
			if !acknowledged(st, err) || st.Code == client.RedirectionRecommend {
				t.Fatalf("InsertRecord %s through the redirect endpoint 127.0.0.1:%d: %v %s", dev, to.Port, err, statusString(st))
			}
		}
		if redirected == 0 {
			t.Errorf("no write through %s was redirected to its region's leader", dn1.Name)
		}
	})

	t.Run("sluice health", func(t *testing.T) {
		for _, n := range cl.Nodes() {
			cmd := exec.Command(proc.Binary(t), "health", string(n.Role), "--config", n.DataDir+".properties")
			cmd.Env = append(os.Environ(), wildcardEnv...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("sluice health %s (%s): %v\n%s", n.Role, n.Name, err, out)
			}
			for path, want := range map[string]string{"/ready": "ready\n", "/health": "ok\n"} {
				code, body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d%s", n.MetricsPort, path))
				if code != http.StatusOK || body != want {
					t.Errorf("%s %s = %d %q, want 200 %q", n.Name, path, code, body, want)
				}
			}
		}
	})

	t.Run("sluice health of a node still starting", func(t *testing.T) {
		// A DataNode whose seed never answers serves /health but is not
		// ready, and says why.
		n := cl.NewDataNode()
		n.Props["dn_seed_config_node"] = net.JoinHostPort("127.0.0.1", strconv.Itoa(proc.FreePort(t)))
		n.Launch()
		defer n.Kill()
		health := fmt.Sprintf("http://127.0.0.1:%d/health", n.MetricsPort)
		pipeWaitFor(t, 30*time.Second, n.Name+" serving /health", func() (bool, string) {
			resp, err := http.Get(health)
			if err != nil {
				return false, err.Error()
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, resp.Status
		})
		cmd := exec.Command(proc.Binary(t), "health", "datanode", "--config", n.DataDir+".properties")
		cmd.Env = append(os.Environ(), wildcardEnv...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "sluice health: not ready: the DataNode is starting: fetching the metadata") {
			t.Errorf("sluice health of a starting DataNode: %v\n%s", err, out)
		}
	})

	t.Run("an advertised wildcard stops the node", func(t *testing.T) {
		for key, n := range map[string]*proc.Node{"dn_rpc_advertised_address": cl.NewDataNode(), "cn_internal_address": cl.NewConfigNode()} {
			n.Env = append(append([]string(nil), wildcardEnv...), key+"=0.0.0.0")
			n.Launch()
			code, exited := n.WaitExit(30 * time.Second)
			if !exited || code == 0 {
				t.Fatalf("%s with %s=0.0.0.0: exited %v with %d, want a failed start", n.Name, key, exited, code)
			}
			if log := n.RunLog(); !strings.Contains(log, key) || !strings.Contains(log, "not a wildcard") {
				t.Errorf("%s refused to start without naming %s:\n%s", n.Name, key, log)
			}
		}
	})
}

// forward accepts on a fresh loopback port and relays each connection to
// n's client port, as a published container port does; it returns the
// port and stops at test cleanup.
func forward(t *testing.T, n *proc.Node) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", n.Addr())
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			wg.Add(2)
			relay := func(dst, src net.Conn) {
				defer wg.Done()
				io.Copy(dst, src)
				dst.Close()
			}
			go relay(out, in)
			go relay(in, out)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}
