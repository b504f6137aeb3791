package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/pipe/airgap"
	"github.com/sluicedb/sluice/test/proc"
)

// airGapReceiver starts a standalone whose air-gap receiver listens on
// port.
func airGapReceiver(t *testing.T, port int) *proc.Standalone {
	t.Helper()
	return proc.StartStandalone(t, "pipe_air_gap_receiver_enabled=true", "pipe_air_gap_receiver_port="+strconv.Itoa(port))
}

// TestPipeAirGapSpecExample runs the documentation's prefix-less example
// verbatim, to a receiver whose air-gap port is the example's 6668: what A
// holds and what it is written later arrive at B, read back through the
// official client. SHOW PIPEPLUGINS lists the sink with IoTDB's class.
// Not parallel: the example's fixed port is shared by nobody else.
func TestPipeAirGapSpecExample(t *testing.T) {
	a := proc.StartStandalone(t)
	b := airGapReceiver(t, 6668)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	t.Cleanup(func() {
		if t.Failed() {
			pipeDiagnose(t, "A", a, ca)
			pipeDiagnose(t, "B", b, cb)
		}
	})
	if !strings.Contains(b.Log(), "pipe air-gap receiver listening") || !strings.Contains(b.Log(), "127.0.0.1:6668") {
		t.Fatalf("B does not log its air-gap listener on 6668:\n%s", pipeLogTail(b, 30))
	}

	w := ca.insertRows("root.ag.d.s", pipeRowsRange(1, 50, 0))
	ca.mustExec(`create pipe A2B
with sink (
'sink'='iotdb-air-gap-sink',
'ip'='127.0.0.1',
'port'='6668'
)`)
	w = mergeData(w, ca.insertRows("root.ag.d.s", pipeRowsRange(51, 100, 0)))
	w = mergeData(w, ca.insertRows("root.ag.e.t", pipeRowsRange(1, 10, 7)))

	sess := rootSession(t, b)
	pipeWaitFor(t, pipeDeadline, "A's rows at B", func() (bool, string) {
		n := countOf(t, sess, "root.ag.d.s")
		return n == 100, fmt.Sprintf("%d of 100 rows", n)
	})
	res := query(t, sess, "SELECT s FROM root.ag.d")
	if len(res.rows) != 100 {
		t.Fatalf("B has %d rows of root.ag.d.s, want 100", len(res.rows))
	}
	for _, rw := range res.rows {
		if want := w["root.ag.d.s"][rw.time]; textOf(rw.vals[res.col(t, "root.ag.d.s")]) != want {
			t.Errorf("root.ag.d.s at %d = %v, want %s", rw.time, rw.vals, want)
		}
	}
	pipeWaitData(t, cb, "root.ag", w, pipeDeadline)
	if r := ca.pipe("A2B"); r == nil || r["State"] != "RUNNING" || r["ExceptionMessage"] != "" ||
		!strings.Contains(r["PipeSink"], "iotdb-air-gap-sink") {
		t.Errorf("SHOW PIPES row of A2B: %v", r)
	}

	_, rows := ca.pipeRows("SHOW PIPEPLUGINS")
	var found map[string]string
	for _, r := range rows {
		if r["PluginName"] == "IOTDB-AIR-GAP-SINK" {
			found = r
		}
	}
	if found == nil || found["ClassName"] != "org.apache.iotdb.commons.pipe.plugin.builtin.connector.iotdb.airgap.IoTDBAirGapConnector" {
		t.Errorf("SHOW PIPEPLUGINS row of the air-gap sink: %v", found)
	}
	if m := airGapMetric(t, b, "sluice_pipe_air_gap_requests_total{result=\"ok\"}"); m < 2 {
		t.Errorf("B's air-gap requests answered OK: %v, want the handshake and the data", m)
	}
	// B's own air-gap port is B itself.
	if _, msg := cb.mustFail("create pipe self with sink ('sink'='iotdb-air-gap-sink','ip'='127.0.0.1','port'='6668')"); !strings.Contains(msg, "own air-gap receiver") {
		t.Errorf("a pipe from B to its own air-gap port: %q, want a refusal naming its own air-gap receiver", msg)
	}
}

// airGapMetric reads one sample of s's metrics page.
func airGapMetric(t *testing.T, s *proc.Standalone, series string) float64 {
	t.Helper()
	m := metricsURL.FindStringSubmatch(s.Log())
	if m == nil {
		t.Fatalf("no metrics address in the log")
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(page), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// TestPipeAirGapReceiverDisabled: a pipe to a receiver whose air-gap
// receiver is off stays RUNNING, retrying, and SHOW PIPES says what to
// switch on.
func TestPipeAirGapReceiverDisabled(t *testing.T) {
	t.Parallel()
	_, b, ca, _ := startPipePair(t)
	port := proc.FreePort(t) // B's air-gap port, were it on
	ca.mustExec(fmt.Sprintf("CREATE PIPE off WITH SINK ('sink'='iotdb-air-gap-sink', 'ip'='127.0.0.1', 'port'='%d')", port))
	ca.insertRows("root.off.d.s", pipeRowsRange(1, 5, 0))
	var r map[string]string
	pipeWaitFor(t, pipeDeadline, "the pipe's exception", func() (bool, string) {
		r = ca.pipe("off")
		return r != nil && r["ExceptionMessage"] != "", fmt.Sprint(r)
	})
	msg := r["ExceptionMessage"]
	for _, want := range []string{"iotdb-air-gap-sink", "127.0.0.1:" + strconv.Itoa(port), "connection refused", "pipe_air_gap_receiver_enabled"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ExceptionMessage %q does not contain %q", msg, want)
		}
	}
	if r["State"] != "RUNNING" {
		t.Errorf("state %s, want RUNNING (the sink retries until the receiver is on)", r["State"])
	}
	alive(t, b)
}

// TestPipeAirGapWrongCredentials: a sink whose password the receiver
// refuses stops the pipe with a message naming the cause; B writes nothing
// and logs the login failure.
func TestPipeAirGapWrongCredentials(t *testing.T) {
	t.Parallel()
	port := proc.FreePort(t)
	a := proc.StartStandalone(t)
	b := airGapReceiver(t, port)
	ca, cb := newPipeClient(t, a), newPipeClient(t, b)
	ca.insertRows("root.agcred.d.s", pipeRowsRange(1, 10, 0))
	ca.mustExec(fmt.Sprintf("CREATE PIPE agcred WITH SINK ('sink'='iotdb-air-gap-sink', 'ip'='127.0.0.1', 'port'='%d', 'user'='root', 'password'='wrong')", port))
	r := pipeWaitState(t, ca, "agcred", "STOPPED", pipeDeadline)
	msg := r["ExceptionMessage"]
	for _, want := range []string{"iotdb-air-gap-sink", "handshake refused for user root", "password"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ExceptionMessage %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(r["PipeSink"], "wrong") {
		t.Errorf("SHOW PIPES shows the password: %s", r["PipeSink"])
	}
	if d := cb.dump("root.agcred"); len(d) != 0 {
		t.Errorf("B has data from a sender it refused: %v", d)
	}
	pipeWaitFor(t, 5*time.Second, "B to log the refused login (801)", func() (bool, string) {
		lines := pipeLogLines(b, "pipe handshake refused")
		return strings.Contains(lines, "code=801"), lines
	})
}

// TestPipeAirGapIoTDBSender replays an IoTDB 1.3 sender's handshake and
// tablet, as its air-gap sink frames them (plain and in E-Language), and
// reads the rows back; a wrong password, a request before the handshake
// and a frame with a bad checksum get FAIL.
func TestPipeAirGapIoTDBSender(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(iotdbGoldenPipeDir); err != nil {
		t.Skipf("golden IoTDB requests not present: %v", err)
	}
	port := proc.FreePort(t)
	s := airGapReceiver(t, port)
	sess := rootSession(t, s)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	v2 := iotdbGoldenBody(t, "handshake_v2")
	tablet := iotdbGoldenBody(t, "tablet_raw_nonaligned")

	for _, eLanguage := range []bool{false, true} {
		c := dialAirGap(t, addr)
		c.want(t, 3, tablet, eLanguage, airgap.ResponseFail) // no handshake yet
		c.want(t, 51, v2, eLanguage, airgap.ResponseOK)
		c.want(t, 3, tablet, eLanguage, airgap.ResponseOK)
		checkIoTDBGoldenRows(t, sess, fmt.Sprintf("tablet over air-gap (E-Language %v)", eLanguage))
		execOK(t, sess, "DROP DATABASE root.sg")
	}

	bad := dialAirGap(t, addr)
	bad.want(t, 51, iotdbV2Body("clusterID", "other", "timestampPrecision", "ms", "username", "root", "password", "wrong"), false, airgap.ResponseFail)
	bad.want(t, 3, tablet, false, airgap.ResponseFail)

	corrupt := dialAirGap(t, addr)
	frame := airgap.Encode(1, 51, v2, false)
	frame[len(frame)-1] ^= 0xFF
	if got := corrupt.exchange(t, frame); got != airgap.ResponseFail {
		t.Fatalf("frame with a bad checksum: %#x, want FAIL", got)
	}
	_ = corrupt.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := corrupt.c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the connection stayed open after a bad checksum (read %d bytes)", n)
	}
	pipeWaitFor(t, 5*time.Second, "the receiver to log the bad checksum", func() (bool, string) {
		return pipeLogLines(s, "bad checksum") != "", pipeLogTail(s, 5)
	})
	if res := query(t, sess, "SHOW DATABASES"); len(res.rows) != 0 {
		t.Errorf("refused requests wrote: %v", res.rows)
	}
	alive(t, s)

	// A handshake without credentials (this golden one, or V1) is checked
	// as root/root: once root's password changed it is refused, and a
	// sender must name a user.
	execOK(t, sess, "CREATE USER edge 'edge_pw123'", "GRANT WRITE_DATA ON root.** TO USER edge",
		"GRANT WRITE_SCHEMA ON root.** TO USER edge", "ALTER USER root SET PASSWORD 'root_pw123'")
	anon := dialAirGap(t, addr)
	anon.want(t, 51, v2, false, airgap.ResponseFail)
	anon.want(t, 1, iotdbGoldenBody(t, "handshake_v1"), false, airgap.ResponseFail)
	anon.want(t, 3, tablet, false, airgap.ResponseFail)
	named := dialAirGap(t, addr)
	named.want(t, 51, iotdbV2Body("clusterID", "other", "timestampPrecision", "ms", "username", "edge", "password", "edge_pw123"), false, airgap.ResponseOK)
	named.want(t, 3, tablet, false, airgap.ResponseOK)
	checkIoTDBGoldenRows(t, sess, "tablet from a named user")
}

// airGapConn is a raw air-gap connection.
type airGapConn struct{ c net.Conn }

func dialAirGap(t *testing.T, addr string) *airGapConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &airGapConn{c: c}
}

// exchange writes frame and reads the one-byte answer.
func (a *airGapConn) exchange(t *testing.T, frame []byte) byte {
	t.Helper()
	_ = a.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := a.c.Write(frame); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := io.ReadFull(a.c, b[:]); err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return b[0]
}

// want sends one request and checks its answer.
func (a *airGapConn) want(t *testing.T, typ int16, body []byte, eLanguage bool, answer byte) {
	t.Helper()
	if got := a.exchange(t, airgap.Encode(1, typ, body, eLanguage)); got != answer {
		t.Fatalf("request type %d (E-Language %v): answer %#x, want %#x", typ, eLanguage, got, answer)
	}
}

// TestPipeAirGapReceiverDiskFull: a receiver refusing writes (its data
// directory under data_dir_reserve_bytes) answers FAIL and logs why; the
// pipe stays RUNNING, retrying, and catches up once the receiver takes
// writes again (restarted with the reserve lifted).
func TestPipeAirGapReceiverDiskFull(t *testing.T) {
	t.Parallel()
	port := proc.FreePort(t)
	on := []string{"pipe_air_gap_receiver_enabled=true", "pipe_air_gap_receiver_port=" + strconv.Itoa(port)}
	a := proc.StartStandalone(t)
	b := proc.NewStandalone(t, append(on, "data_dir_reserve_bytes=1152921504606846976")...) // 1 EiB: always full
	b.Start()
	ca := newPipeClient(t, a)
	w := ca.insertRows("root.agfull.d.s", pipeRowsRange(1, 20, 0))
	ca.mustExec(fmt.Sprintf("CREATE PIPE agfull WITH SINK ('sink'='iotdb-air-gap-sink', 'ip'='127.0.0.1', 'port'='%d')", port))
	var r map[string]string
	pipeWaitFor(t, pipeDeadline, "the refusal in SHOW PIPES", func() (bool, string) {
		r = ca.pipe("agfull")
		return r != nil && strings.Contains(r["ExceptionMessage"], "refused the transfer"), fmt.Sprint(r)
	})
	if r["State"] != "RUNNING" {
		t.Errorf("state %s while the receiver's disk is full, want RUNNING (retrying)", r["State"])
	}
	pipeWaitFor(t, 5*time.Second, "B to log the disk-full status (611) of the refusal", func() (bool, string) {
		lines := pipeLogLines(b, "air-gap request refused")
		return strings.Contains(lines, "code=611"), lines
	})

	b.Stop()
	b.Env = on
	b.Start()
	w = mergeData(w, ca.insertRows("root.agfull.d.s", pipeRowsRange(21, 30, 0)))
	pipeWaitData(t, newPipeClient(t, b), "root.agfull", w, 60*time.Second)
}
