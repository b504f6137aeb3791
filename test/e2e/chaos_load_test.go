package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/test/validator"
)

// The chaos test's load and measurements (chaos_test.go). The writers and
// the probes dial their own Thrift connections with timeouts and return
// errors instead of failing the test: they run while nodes are killed,
// paused and restarted, and the writers run outside the test goroutine.

const (
	chaosDB      = "root.chaos"
	chaosWriters = 4
	chaosRows    = 10                     // rows per insert
	chaosPace    = 100 * time.Millisecond // between a writer's acknowledged inserts
	// chaosGiveUp is how long a writer tries to reach a DataNode before
	// skipping a batch.
	chaosGiveUp = 5 * time.Second
	// chaosCallTimeout bounds one client call, so that a write to a paused
	// DataNode ends as a maybe write.
	chaosCallTimeout = 10 * time.Second
)

// chaosSeries is the series writer w writes.
func chaosSeries(w int) string { return fmt.Sprintf("%s.w%d.s", chaosDB, w) }

// chaosValue is the value every write of writer w gives time ts: distinct
// per series and time, so a point moved to another time or series shows.
func chaosValue(w int, ts int64) int64 { return ts*10 + int64(w) }

// chaosDial opens a root session on addr with a connect and a per-call
// timeout.
func chaosDial(addr string, timeout time.Duration) (*rawSession, error) {
	cfg := &thrift.TConfiguration{ConnectTimeout: 2 * time.Second, SocketTimeout: timeout}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(addr, cfg), cfg)
	if err := trans.Open(); err != nil {
		return nil, err
	}
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	r := &rawSession{TSIServiceClient: rpc.NewTSIServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans))), trans: trans}
	resp, err := r.login("root", "root", "UTC")
	if err == nil && resp.GetStatus().GetCode() != client.SuccessStatus {
		err = fmt.Errorf("login: %s", statusString(resp.GetStatus()))
	}
	if err != nil {
		trans.Close()
		return nil, err
	}
	return r, nil
}

// chaosExec runs one statement on r; an error unless acknowledged.
func chaosExec(r *rawSession, sql string) error {
	resp, err := r.ExecuteStatement(context.Background(), &rpc.TSExecuteStatementReq{SessionId: r.sid, Statement: sql, StatementId: r.stmtID})
	if err != nil {
		return err
	}
	if resp.GetStatus() == nil {
		return fmt.Errorf("no status")
	}
	return client.VerifySuccess(resp.GetStatus())
}

// chaosQuery runs a query on a new session to addr and returns its rows,
// each keyed by column name.
func chaosQuery(addr, sql string) ([]map[string]any, error) {
	r, err := chaosDial(addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer r.trans.Close()
	fs := int32(pipeFetchSize)
	resp, err := r.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{SessionId: r.sid, Statement: sql, StatementId: r.stmtID, FetchSize: &fs})
	if err != nil {
		return nil, err
	}
	if err := client.VerifySuccess(resp.GetStatus()); err != nil {
		return nil, err
	}
	ds := r.dataSet(resp, fs)
	defer ds.Close()
	var rows []map[string]any
	for {
		ok, err := ds.Next()
		if err != nil || !ok {
			return rows, err
		}
		rec, err := ds.GetRowRecord()
		if err != nil {
			return nil, err
		}
		row := map[string]any{}
		for _, f := range rec.GetFields() {
			row[f.GetName()] = f.GetValue()
		}
		rows = append(rows, row)
	}
}

// chaosShow runs a SHOW statement on addr and returns its rows as text.
func chaosShow(addr, sql string) ([]map[string]string, error) {
	rows, err := chaosQuery(addr, sql)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, len(rows))
	for i, r := range rows {
		out[i] = map[string]string{}
		for k, v := range r {
			out[i][k] = textOf(v)
		}
	}
	return out, nil
}

// chaosCount returns the number of points below chaosDB on addr.
func chaosCount(addr string) (int64, error) {
	rows, err := chaosQuery(addr, "SELECT count(s) FROM "+chaosDB+".**")
	var n int64
	for _, r := range rows {
		for _, v := range r {
			if x, ok := v.(int64); ok {
				n += x
			}
		}
	}
	return n, err
}

// chaosLoad is the writers: chaosWriters goroutines, each writing batches
// of chaosRows points at increasing times to its own series through the
// sender's DataNodes, recording each batch in rec as acknowledged or, when
// the insert failed or timed out, as a maybe write.
type chaosLoad struct {
	rec   *validator.Recorder
	addrs []string // the DataNodes' client addresses, which survive restarts
	stop  chan struct{}
	wg    sync.WaitGroup
	// started is when the load began.
	started time.Time

	// batches were acknowledged, abandoned failed (maybe writes) and
	// unsent never left, for want of a DataNode to take them.
	batches, abandoned, unsent, failures atomic.Int64
	mu                                   sync.Mutex
	lastErr                              string
}

// startChaosLoad starts the writers; stopChaosLoad ends them.
func startChaosLoad(rec *validator.Recorder, dns []*proc.Node) *chaosLoad {
	l := &chaosLoad{rec: rec, stop: make(chan struct{}), started: time.Now()}
	for _, n := range dns {
		l.addrs = append(l.addrs, n.Addr())
	}
	for w := range chaosWriters {
		l.wg.Go(func() { l.write(w) })
	}
	return l
}

// stopChaosLoad stops the writers and waits for them: a call under way
// ends within chaosCallTimeout.
func (l *chaosLoad) stopChaosLoad() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

func (l *chaosLoad) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// sleep waits d unless the load stops first.
func (l *chaosLoad) sleep(d time.Duration) {
	select {
	case <-l.stop:
	case <-time.After(d):
	}
}

func (l *chaosLoad) note(err error) {
	l.failures.Add(1)
	l.mu.Lock()
	l.lastErr = err.Error()
	l.mu.Unlock()
}

// describe summarises the load for the log.
func (l *chaosLoad) describe() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%d batches acknowledged, %d failed (maybe writes), %d never sent, %d errors (last %q)",
		l.batches.Load(), l.abandoned.Load(), l.unsent.Load(), l.failures.Load(), l.lastErr)
}

// write is writer w's loop. A batch is sent at most once: an insert that
// failed or timed out may have been applied, and sending its points again
// could apply them twice, which the pipe would then faithfully send twice
// and the run would count among the pipe's duplicates. So a failed
// insert leaves its batch a maybe write, and the writer goes on with new
// points through the next DataNode.
func (l *chaosLoad) write(w int) {
	series := chaosSeries(w)
	dev, m := series[:strings.LastIndexByte(series, '.')], series[strings.LastIndexByte(series, '.')+1:]
	node := w % len(l.addrs)
	var conn *rawSession
	defer func() {
		if conn != nil {
			conn.trans.Close()
		}
	}()
	for b := int64(0); !l.stopped(); b++ {
		if conn == nil {
			if conn = l.dial(&node); conn == nil {
				l.unsent.Add(1)
				continue
			}
		}
		pts := make([]validator.Point, chaosRows)
		vals := make([]string, chaosRows)
		for i := range pts {
			ts := b*chaosRows + int64(i)
			v := chaosValue(w, ts)
			pts[i] = validator.Point{Key: validator.Key{Series: series, Time: ts}, Value: strconv.FormatInt(v, 10)}
			vals[i] = fmt.Sprintf("(%d, %d)", ts, v)
		}
		err := chaosExec(conn, fmt.Sprintf("INSERT INTO %s(time, %s) VALUES %s", dev, m, strings.Join(vals, ", ")))
		if err != nil {
			l.rec.Maybe(pts...)
			l.abandoned.Add(1)
			l.note(err)
			conn.trans.Close()
			conn = nil
			node = (node + 1) % len(l.addrs)
		} else {
			l.rec.Ack(pts...)
			l.batches.Add(1)
		}
		l.sleep(chaosPace)
	}
}

// dial opens a session to the DataNode *node, going round the DataNodes
// with a growing pause until one answers, for up to chaosGiveUp; nil if
// none did or the load stopped.
func (l *chaosLoad) dial(node *int) *rawSession {
	start, backoff := time.Now(), 100*time.Millisecond
	for !l.stopped() && time.Since(start) <= chaosGiveUp {
		conn, err := chaosDial(l.addrs[*node], chaosCallTimeout)
		if err == nil {
			return conn
		}
		l.note(err)
		*node = (*node + 1) % len(l.addrs)
		l.sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
	return nil
}

// recvMeter follows the receiver's count of points received through pipe
// transfers (sluice_pipe_receiver_points_total), which starts from 0 at
// every start of the receiver: it adds up the last value scraped in each
// run. Points received between the last scrape of a run and the
// receiver's death are not counted, so received is a lower bound, short
// by what was in flight in the moment before a kill.
type recvMeter struct {
	s      *proc.Standalone
	http   *http.Client
	past   float64 // received in earlier runs
	cur    float64 // last scraped in this run
	scrape int
}

func newRecvMeter(s *proc.Standalone) *recvMeter {
	return &recvMeter{s: s, http: &http.Client{Timeout: 2 * time.Second}}
}

// poll scrapes the running receiver and returns the points received over
// all its runs.
func (m *recvMeter) poll() (float64, error) {
	u := metricsURL.FindStringSubmatch(m.s.Log())
	if u == nil {
		return m.received(), fmt.Errorf("no metrics address in the receiver's log yet")
	}
	resp, err := m.http.Get(u[1])
	if err != nil {
		return m.received(), err
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		return m.received(), err
	}
	m.cur = max(m.cur, metricSum(string(page), "sluice_pipe_receiver_points_total"))
	m.scrape++
	return m.received(), nil
}

// endRun is called once the receiver is down: its next run counts anew.
func (m *recvMeter) endRun() {
	m.past += m.cur
	m.cur = 0
}

// received is the total as of the last scrape.
func (m *recvMeter) received() float64 { return m.past + m.cur }
