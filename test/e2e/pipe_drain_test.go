package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// A graceful restart (SIGTERM, then start again) of a DataNode that leads
// regions, under continuous writes, sends nothing twice: before it shuts
// down the node drains its regions' pipe tasks, commits their frontiers
// and hands the leadership over, the new leaders resume from exactly those
// frontiers, and when the node is back and the leadership is handed back
// to it (its preferred regions) the same happens again. The receiver gets
// every written point, and counts as many as it holds.
func TestPipeGracefulRestartSendsNoDuplicates(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	const db = "root.drain"
	admin, cb := sqlTo(t, cl.DataNodes[0]), newPipeClient(t, b)
	admin.mustExec(fmt.Sprintf("CREATE PIPE drain WITH SOURCE ('source.pattern'='%s') %s", db, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	admin.insertRows(db+".d1.s", pipeRowsAt(0, 0))

	victim := dbLeader(t, admin, cl, db)
	entry := cl.DataNodes[0]
	if entry == victim {
		entry = cl.DataNodes[1]
	}
	w := startBatchLoad(t, cl.DataNodes, victim, db)
	pipeWaitFor(t, 60*time.Second, "points at the receiver", func() (bool, string) {
		got := cb.dump(db).points()
		return got > 2000, fmt.Sprintf("%d points", got)
	})

	victim.Stop()
	if !strings.Contains(victim.RunLog(), handedOverLine) {
		t.Errorf("%s shut down without handing its regions over (no %q in its log)", victim.Name, handedOverLine)
	}
	time.Sleep(2 * time.Second)
	victim.Start()
	ec := sqlTo(t, entry)
	pipeWaitFor(t, 60*time.Second, victim.Name+" leading a region of "+db+" again", func() (bool, string) {
		for _, replicas := range dataRegions(t, ec) {
			for _, r := range replicas {
				if r["Database"] == db && r["Role"] == "Leader" && nodeByID(t, ec, cl, r["DataNodeId"]) == victim {
					return true, ""
				}
			}
		}
		return false, "not yet"
	})
	time.Sleep(2 * time.Second)
	all := w.stop()
	pipeWaitData(t, cb, db, all, 60*time.Second)
	received := metricSum(scrape(t, b), "sluice_pipe_receiver_points_total")
	held := cb.dump(db).points()
	dups := int(received) - held
	t.Logf("%s restarted gracefully: %d points written, %v received, %d duplicates", victim.Name, all.points()+1, received, dups)
	if dups != 0 {
		t.Errorf("the receiver got %d points twice (received %v, holds %d)", dups, received, held)
	}
}

// handedOverLine is what a DataNode logs once it has handed its regions
// over before shutting down.
const handedOverLine = "region leadership handed over before shutdown"

// dbLeader waits until a region of db is led by its preferred replica
// (SHOW REGIONS lists a region's replicas preferred first) and returns that
// DataNode: the one the region's leadership goes back to after a restart.
func dbLeader(t *testing.T, c *pipeClient, cl *proc.Cluster, db string) *proc.Node {
	t.Helper()
	var found *proc.Node
	pipeWaitFor(t, 60*time.Second, "a region of "+db+" led by its preferred replica", func() (bool, string) {
		for _, replicas := range dataRegions(t, c) {
			if len(replicas) > 0 && replicas[0]["Database"] == db && replicas[0]["Role"] == "Leader" {
				found = nodeByID(t, c, cl, replicas[0]["DataNodeId"])
				return true, ""
			}
		}
		return false, "leaders not on their preferred replicas yet"
	})
	return found
}

// batchLoad writes batches of rows, each writer to its own device through
// its own DataNode, fast enough that a second of progress is thousands of
// points.
type batchLoad struct {
	t    *testing.T
	done chan struct{}
	wg   sync.WaitGroup

	mu  sync.Mutex
	all pipeData
	err error
}

// startBatchLoad starts one writer per DataNode of nodes other than not,
// two per node, on devices of db.
func startBatchLoad(t *testing.T, nodes []*proc.Node, not *proc.Node, db string) *batchLoad {
	const rowsPerInsert = 100
	l := &batchLoad{t: t, done: make(chan struct{}), all: pipeData{}}
	w := 0
	for _, n := range nodes {
		if n == not {
			continue
		}
		for range 2 {
			c, path := sqlTo(t, n), fmt.Sprintf("%s.w%d.s", db, w)
			w++
			l.wg.Go(func() {
				for from := int64(1); ; from += rowsPerInsert {
					select {
					case <-l.done:
						return
					default:
					}
					rows := pipeRowsRange(from, from+rowsPerInsert-1, 0)
					if got := retryExecInsert(t, c, path, rows, 30*time.Second); got != "" {
						l.mu.Lock()
						l.err = fmt.Errorf("insert into %s: %s", path, got)
						l.mu.Unlock()
						return
					}
					l.mu.Lock()
					l.all.add(path, rows)
					l.mu.Unlock()
				}
			})
		}
	}
	t.Cleanup(func() { l.stop() })
	return l
}

// stop ends the load and returns every row written; a failed write fails
// the test.
func (l *batchLoad) stop() pipeData {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		l.t.Fatalf("load: %v", l.err)
	}
	return l.all
}
