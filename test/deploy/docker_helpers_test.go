package deploy

import (
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
)

var (
	imageOnce sync.Once
	imageErr  error
	imageOut  string
)

// builtImage builds the image with `make image`, once per test process,
// and returns its tag.
func builtImage(t testing.TB) string {
	t.Helper()
	imageOnce.Do(func() {
		prev, _ := command(30*time.Second, "", nil, "docker", "images", "-q", "sluice:latest")
		imageOut, imageErr = command(5*time.Minute, repoRoot(t), nil, "make", "image")
		// Remove the build it replaced if that is left without a tag and
		// unused (docker refuses to remove an image a container uses).
		prev = strings.TrimSpace(prev)
		cur, _ := command(30*time.Second, "", nil, "docker", "images", "-q", "sluice:latest")
		if imageErr == nil && prev != "" && strings.TrimSpace(cur) != prev {
			if tags, err := command(30*time.Second, "", nil, "docker", "image", "inspect", "-f", "{{len .RepoTags}}", prev); err == nil && strings.TrimSpace(tags) == "0" {
				_, _ = command(30*time.Second, "", nil, "docker", "rmi", prev)
			}
		}
	})
	if imageErr != nil {
		t.Fatalf("make image: %v\n%s", imageErr, imageOut)
	}
	return "sluice:latest"
}

// composeProject is a compose deployment brought up by a test under its
// own project name, torn down with its volumes at cleanup.
type composeProject struct {
	t    testing.TB
	name string
	file string   // absolute path of the compose file
	env  []string // variables the file reads
}

// compose runs docker-compose on the project.
func (p *composeProject) compose(timeout time.Duration, args ...string) (string, error) {
	return command(timeout, "", p.env, "docker-compose", append([]string{"-p", p.name, "-f", p.file}, args...)...)
}

// mustCompose is compose failing the test, with the services' logs, on an
// error.
func (p *composeProject) mustCompose(timeout time.Duration, args ...string) string {
	p.t.Helper()
	out, err := p.compose(timeout, args...)
	if err != nil {
		logs, _ := p.compose(30*time.Second, "logs", "--no-color", "--tail", "30")
		p.t.Fatalf("docker-compose %s: %v\n%s\nlogs:\n%s", strings.Join(args, " "), err, out, logs)
	}
	return out
}

// network is the project's default network.
func (p *composeProject) network() string { return p.name + "_default" }

// down removes the project's containers, networks and volumes.
func (p *composeProject) down() {
	if p.t.Failed() {
		logs, _ := p.compose(30*time.Second, "logs", "--no-color", "--tail", "60")
		p.t.Logf("compose logs:\n%s", logs)
	}
	if out, err := p.compose(120*time.Second, "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		p.t.Errorf("docker-compose down: %v\n%s", err, out)
	}
}

// waitHealthy waits until docker reports every given container healthy
// by its image's or service's health check (`sluice health`).
func waitHealthy(t testing.TB, timeout time.Duration, containers ...string) {
	t.Helper()
	waitFor(t, timeout, time.Second, "containers healthy", func() string {
		out, err := command(30*time.Second, "", nil, "docker", append([]string{"inspect", "-f", "{{.Name}} {{.State.Health.Status}}"}, containers...)...)
		if err != nil {
			return fmt.Sprintf("%v: %s", err, out)
		}
		var sick []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasSuffix(l, " healthy") {
				sick = append(sick, l)
			}
		}
		return strings.Join(sick, ", ")
	})
}

// containers lists the container ids of the given services.
func (p *composeProject) containers(services ...string) []string {
	p.t.Helper()
	return strings.Fields(p.mustCompose(30*time.Second, append([]string{"ps", "-q"}, services...)...))
}

// usesTLS fails the test unless each service logged that its node-to-node
// traffic uses mutual TLS.
func (p *composeProject) usesTLS(services ...string) {
	p.t.Helper()
	for _, svc := range services {
		if logs := p.mustCompose(30*time.Second, "logs", "--no-color", svc); !strings.Contains(logs, "node-to-node traffic uses mutual TLS") {
			p.t.Errorf("%s does not log that it uses mutual TLS:\n%s", svc, logs)
		}
	}
}

// session is an official client session to a published port, closed at
// cleanup.
type session struct {
	t      testing.TB
	addr   string
	s      client.Session
	closed bool
}

// openSession opens a root session to 127.0.0.1:port, retrying while the
// node is not yet serving, until timeout.
func openSession(t testing.TB, port int, timeout time.Duration) *session {
	t.Helper()
	cs := &session{t: t, addr: "127.0.0.1:" + strconv.Itoa(port)}
	waitFor(t, timeout, 500*time.Millisecond, "a session to "+cs.addr, func() string {
		cs.s = client.NewSession(&client.Config{Host: "127.0.0.1", Port: strconv.Itoa(port), UserName: "root", Password: "root"})
		if err := cs.s.Open(false, 5000); err != nil {
			return err.Error()
		}
		// Open does not look at the login's status: prove the session works.
		if _, err := cs.query("SHOW DATABASES"); err != nil {
			cs.s.Close()
			return err.Error()
		}
		return ""
	})
	t.Cleanup(cs.close)
	return cs
}

// close ends the session; later calls do nothing.
func (cs *session) close() {
	if !cs.closed {
		cs.closed = true
		_, _ = cs.s.Close()
	}
}

// query runs a statement with a result and returns its rows as text keyed
// by column name, with the timestamp under "Time" when there is one.
func (cs *session) query(sql string) (rows []map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil { // the client panics on some broken connections
			rows, err = nil, fmt.Errorf("client panicked on %q: %v", sql, r)
		}
	}()
	ds, err := cs.s.ExecuteQueryStatement(sql, nil)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		return nil, fmt.Errorf("%s: no data set and no error", sql)
	}
	defer ds.Close()
	cols := ds.GetColumnNames()
	for {
		ok, err := ds.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return rows, nil
		}
		rec, err := ds.GetRowRecord()
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if !ds.IsIgnoreTimeStamp() {
			m["Time"] = strconv.FormatInt(rec.GetTimestamp(), 10)
		}
		for i, f := range rec.GetFields() {
			if i < len(cols) && !f.IsNull() {
				m[cols[i]] = fmt.Sprint(f.GetValue())
			}
		}
		rows = append(rows, m)
	}
}

// mustQuery is query failing the test.
func (cs *session) mustQuery(sql string) []map[string]string {
	cs.t.Helper()
	rows, err := cs.query(sql)
	if err != nil {
		cs.t.Fatalf("%s at %s: %v", sql, cs.addr, err)
	}
	return rows
}

// exec runs a statement without a result, which must succeed.
func (cs *session) exec(sql string) {
	cs.t.Helper()
	st, err := cs.s.ExecuteNonQueryStatement(sql)
	if err != nil || st == nil || st.Code != client.SuccessStatus {
		cs.t.Fatalf("%s at %s: %v %s", sql, cs.addr, err, statusText(st))
	}
}

// points is what a test wrote and had acknowledged: device -> time -> value.
type points map[string]map[int64]float64

// count is the number of points.
func (p points) count() int {
	n := 0
	for _, m := range p {
		n += len(m)
	}
	return n
}

// insert writes rows [from, to] of device (measurement v, DOUBLE) as one
// tablet and records them when acknowledged (200, or 400: written, with
// the leader's endpoint as a hint). It returns the status, nil on a
// transport error.
func (cs *session) insert(p points, device string, from, to int64) (*rpc.TSStatus, error) {
	n := int(to - from + 1)
	tb, err := client.NewTablet(device, []*client.MeasurementSchema{{Measurement: "v", DataType: client.DOUBLE}}, n)
	if err != nil {
		cs.t.Fatal(err)
	}
	for i := range n {
		ts := from + int64(i)
		tb.SetTimestamp(ts, i)
		if err := tb.SetValueAt(float64(ts)+0.25, 0, i); err != nil {
			cs.t.Fatal(err)
		}
	}
	tb.RowSize = n
	st, err := cs.s.InsertTablet(tb, true)
	if err == nil && st != nil && (st.Code == client.SuccessStatus || st.Code == client.RedirectionRecommend) {
		if p[device] == nil {
			p[device] = map[int64]float64{}
		}
		for ts := from; ts <= to; ts++ {
			p[device][ts] = float64(ts) + 0.25
		}
		return st, nil
	}
	if err == nil {
		err = fmt.Errorf("status %s", statusText(st))
	}
	return st, err
}

// missing describes the points of want the node behind cs does not hold,
// "" when it holds them all.
func (cs *session) missing(want points) string {
	var miss []string
	for _, dev := range slices.Sorted(maps.Keys(want)) {
		rows, err := cs.query("SELECT v FROM " + dev)
		if err != nil {
			return err.Error()
		}
		have := map[int64]string{}
		for _, r := range rows {
			ts, _ := strconv.ParseInt(r["Time"], 10, 64)
			have[ts] = r[dev+".v"]
		}
		n := 0
		for ts, v := range want[dev] {
			if have[ts] != fmt.Sprint(v) {
				n++
			}
		}
		if n > 0 {
			miss = append(miss, fmt.Sprintf("%s: %d of %d missing or different", dev, n, len(want[dev])))
		}
	}
	return strings.Join(miss, "; ")
}

// statusText renders a status for messages.
func statusText(st *rpc.TSStatus) string {
	if st == nil {
		return "<no status>"
	}
	return fmt.Sprintf("%d %s", st.Code, st.GetMessage())
}

// dialable reports an error unless host:port accepts a TCP connection.
func dialable(host string, port int32) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))), 3*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// uniqueName is a name for the test's docker objects, unique on the host.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, os.Getpid(), time.Now().UnixNano()%100000)
}
