package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// The bounds TestClusterDataNodePaused asserts. A region led by a healthy
// DataNode keeps its quorum when another replica pauses, so its writes
// should not notice; the bound leaves room for a loaded 2-core machine
// (a few times the 1 s election timeout of the data regions). A region the
// paused node led needs an election (its followers notice the silence
// after a heartbeat timeout of 1-2 s, and a refused pre-vote costs another
// election timeout of 1-2 s) and its writers a new route to the new leader:
// 2.4-2.9 s measured, a quarter of the bound. Before the fix those writes
// waited until the node came back, and a new leader handing the region
// back to the paused node blocked its writes for 10 s.
const (
	pauseHealthyBound = 4 * time.Second
	pauseLedBound     = 10 * time.Second
	// pauseFor is how long the node stays paused: longer than
	// pauseLedBound, so that the paused leader's regions must fail over
	// rather than wait for it to come back.
	pauseFor = 12 * time.Second
)

// TestClusterDataNodePaused pauses (SIGSTOP) one of three DataNodes while
// clients connected to the other two write continuously, one device per
// client, to devices spread over the data regions. It measures each
// write's latency (retries of a refused write included) and checks that
// writes to regions that healthy DataNodes lead are not held up by the
// paused one for longer than pauseHealthyBound, and that writes to the
// regions it led resume within pauseLedBound, while it is still paused.
func TestClusterDataNodePaused(t *testing.T) {
	began := time.Now()
	cl := startTestCluster(t, 3, 3)
	t.Logf("cluster started in %s", time.Since(began).Round(time.Millisecond))
	c := sqlTo(t, cl.DataNodes[0])
	// Three databases of clusterRegionsPerDatabase regions each, every
	// region on the three DataNodes, leaders spread over them.
	const dbs, perDB = 3, 4
	for i := range dbs {
		c.mustExec(fmt.Sprintf("CREATE DATABASE root.pause%d", i))
	}
	waitPreferredLeaders(t, c, 30*time.Second)
	t.Logf("leaders in place %s after the start", time.Since(began).Round(time.Millisecond))

	// Which DataNode leads each device's region, as the redirection of a
	// first write through DataNode 1 names it.
	byPort := map[int]*proc.Node{}
	for _, dn := range cl.DataNodes {
		byPort[dn.RPCPort] = dn
	}
	probe := rawRoot(t, at(cl.DataNodes[0]))
	leaderOf := map[string]*proc.Node{}
	var devices []string
	for i := range dbs {
		for j := range perDB {
			dev := fmt.Sprintf("root.pause%d.d%d", i, j)
			st, err := probe.InsertRecord(context.Background(), pauseRecord(probe.sid, dev, 0))
			if err != nil {
				t.Fatalf("first write to %s: %v", dev, err)
			}
			leader := cl.DataNodes[0]
			if st.GetRedirectNode() != nil {
				leader = byPort[int(st.GetRedirectNode().GetPort())]
			} else if st.GetCode() != client.SuccessStatus {
				t.Fatalf("first write to %s: %s", dev, statusString(st))
			}
			if leader == nil {
				t.Fatalf("first write to %s redirects to %v, no DataNode of the cluster", dev, st.GetRedirectNode())
			}
			leaderOf[dev] = leader
			devices = append(devices, dev)
		}
	}
	// Pause the DataNode leading the most devices, so that both kinds of
	// region are written to.
	led := map[*proc.Node]int{}
	for _, n := range leaderOf {
		led[n]++
	}
	victim := slices.MaxFunc(cl.DataNodes, func(a, b *proc.Node) int { return led[a] - led[b] })
	if led[victim] == len(devices) {
		t.Fatalf("%s leads the regions of every device: no healthy-led region to measure", victim.Name)
	}
	var healthy []*proc.Node
	for _, dn := range cl.DataNodes {
		if dn != victim {
			healthy = append(healthy, dn)
		}
	}

	var writers []*pauseWriter
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for k, h := range healthy {
		for _, dev := range devices {
			w := &pauseWriter{via: h, base: int64(k+1) * 1_000_000_000, device: dev, pausedLeader: leaderOf[dev] == victim, raw: rawRoot(t, at(h))}
			writers = append(writers, w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(ctx)
			}()
		}
	}
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	time.Sleep(2 * time.Second)

	victim.Pause()
	paused := time.Now()
	t.Logf("%s paused; it led the regions of %d of %d devices", victim.Name, led[victim], len(devices))
	time.Sleep(pauseFor)
	victim.Resume()
	resumed := time.Now()
	time.Sleep(time.Second)
	stop()
	wg.Wait()

	var worstHealthy, worstLed pauseStall
	acked := map[string]int64{}
	for _, w := range writers {
		s := w.longestSince(paused, resumed)
		if w.pausedLeader {
			worstLed = worse(worstLed, s)
		} else {
			worstHealthy = worse(worstHealthy, s)
		}
		acked[w.device] += w.acked
		if w.errs > 0 {
			t.Logf("%s through %s: %d refusals, last: %s", w.device, w.via.Name, w.errs, w.lastErr)
		}
	}
	t.Logf("longest write stall after the pause: %s to regions led by healthy DataNodes, %s to regions %s led",
		worstHealthy, worstLed, victim.Name)
	if worstHealthy.d > pauseHealthyBound {
		t.Errorf("a write to a region led by a healthy DataNode waited %s (%s), want at most %s", worstHealthy.d, worstHealthy, pauseHealthyBound)
	}
	if worstLed.d > pauseLedBound {
		t.Errorf("a write to a region the paused DataNode led waited %s (%s), want at most %s", worstLed.d, worstLed, pauseLedBound)
	}

	// Every acknowledged write is there.
	for _, dev := range devices {
		if got := countOf(t, sessionTo(t, healthy[0]), dev+".v"); got < acked[dev] {
			t.Errorf("through %s: %s has %d points, %d writes to it were acknowledged", healthy[0].Name, dev, got, acked[dev])
		}
	}
}

// pauseWriter writes one row at a time to one device through one DataNode,
// retrying a refused write until it is acknowledged, and keeps each
// write's span (first attempt to acknowledgement).
type pauseWriter struct {
	via          *proc.Node
	base         int64 // the first write's time: writers of a device write distinct times
	device       string
	pausedLeader bool
	raw          *rawSession

	mu      sync.Mutex
	spans   [][2]time.Time
	acked   int64
	errs    int
	lastErr string
}

func (w *pauseWriter) run(ctx context.Context) {
	for i := int64(1); ctx.Err() == nil; i++ {
		start := time.Now()
		w.mu.Lock()
		w.spans = append(w.spans, [2]time.Time{start})
		w.mu.Unlock()
		for ctx.Err() == nil {
			st, err := w.raw.InsertRecord(context.Background(), pauseRecord(w.raw.sid, w.device, w.base+i))
			if err == nil && (st.GetCode() == client.SuccessStatus || st.GetRedirectNode() != nil) {
				w.mu.Lock()
				w.spans[len(w.spans)-1][1] = time.Now()
				w.acked++
				w.mu.Unlock()
				break
			}
			w.mu.Lock()
			w.errs++
			if err != nil {
				w.lastErr = err.Error()
			} else {
				w.lastErr = statusString(st)
			}
			w.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// pauseStall is a write's span.
type pauseStall struct {
	d     time.Duration
	start time.Time
	what  string
}

func (s pauseStall) String() string {
	if s.d == 0 {
		return "none"
	}
	return fmt.Sprintf("%s, started %s, %s", s.d.Round(time.Millisecond), s.start.Format("15:04:05.000"), s.what)
}

func worse(a, b pauseStall) pauseStall {
	if b.d > a.d {
		return b
	}
	return a
}

// longestSince is the longest span of the writes in flight at or started
// after from; one unacknowledged when the writer stopped counts until
// then, one still waiting at the resume is marked so.
func (w *pauseWriter) longestSince(from, resumed time.Time) pauseStall {
	w.mu.Lock()
	defer w.mu.Unlock()
	var worst pauseStall
	for _, sp := range w.spans {
		end := sp[1]
		what := fmt.Sprintf("%s through %s", w.device, w.via.Name)
		if end.IsZero() {
			end = time.Now()
			what += " (never acknowledged)"
		}
		if end.Before(from) {
			continue
		}
		if end.After(resumed) && sp[0].Before(resumed) {
			what += " (acknowledged after the resume)"
		}
		worst = worse(worst, pauseStall{d: end.Sub(sp[0]), start: sp[0], what: what})
	}
	return worst
}

// pauseRecord is an insertRecord of v (INT64) = t at time t.
func pauseRecord(sid int64, device string, t int64) *rpc.TSInsertRecordReq {
	values := binary.BigEndian.AppendUint64([]byte{byte(client.INT64)}, uint64(t))
	return &rpc.TSInsertRecordReq{SessionId: sid, PrefixPath: device, Measurements: []string{"v"}, Values: values, Timestamp: t}
}
