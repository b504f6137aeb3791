package e2e

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// In a cluster of three DataNodes (RF=3), STOP PIPE and DROP PIPE return
// only once no DataNode sends for the pipe any more: under a continuous
// write load, not one point written after the statement returned reaches
// the receiver, whichever DataNodes lead the regions. After STOP, START
// resumes and everything written meanwhile arrives. Each round uses its own
// database so that a new pipe's history does not resend an earlier round's
// writes.
func TestPipeStopAndDropInClusterSendNothingAfter(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	entry := cl.DataNodes[0]
	ca, cb := sqlTo(t, entry), newPipeClient(t, b)

	const rounds = 3
	for round := 1; round <= rounds; round++ {
		for _, stmt := range []string{"DROP", "STOP"} {
			db := fmt.Sprintf("root.sd%s%d", stmt, round)
			name := fmt.Sprintf("sd%s%d", stmt, round)
			ca.mustExec(fmt.Sprintf("CREATE PIPE %s WITH SOURCE ('source.pattern'='%s') %s", name, db, pipeSinkClause("iotdb-thrift-sink", b.Port)))

			w := startLoad(t, sqlTo(t, entry), db)
			// The pipe runs: data flows before the statement.
			pipeWaitFor(t, 60*time.Second, "points of "+db+" at the receiver", func() (bool, string) {
				got := cb.dump(db).points()
				return got > 50, fmt.Sprintf("%d points", got)
			})
			start := time.Now()
			ca.mustExec(fmt.Sprintf("%s PIPE %s", stmt, name))
			took := time.Since(start)
			w.mark() // every write started from now on was made after the statement returned
			time.Sleep(2 * time.Second)
			all, after := w.stop()
			t.Logf("round %d: %s PIPE took %v; %d points written, %d after it returned", round, stmt, took.Round(time.Millisecond), all.points(), after.points())
			if after.points() == 0 {
				t.Fatalf("round %d: no write after %s PIPE returned: the load stalled", round, stmt)
			}
			// Longer than a reconcile round and a heartbeat: a task left
			// running would have sent by now.
			time.Sleep(3 * time.Second)
			if leaked := pipePresent(after, cb.dump(db)); leaked != "" {
				t.Fatalf("round %d: points written after %s PIPE returned reached the receiver: %s", round, stmt, leaked)
			}
			if stmt == "STOP" {
				ca.mustExec("START PIPE " + name)
				pipeWaitData(t, cb, db, all, 60*time.Second)
				ca.mustExec("DROP PIPE " + name)
			}
		}
	}
}

// load writes to several devices of a database without pause, one row per
// device per round, and remembers which rows it wrote after mark.
type load struct {
	c    *pipeClient
	db   string
	done chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	marked bool
	all    pipeData
	after  pipeData
	err    error
}

func startLoad(t *testing.T, c *pipeClient, db string) *load {
	l := &load{c: c, db: db, done: make(chan struct{}), all: pipeData{}, after: pipeData{}}
	devices := []string{db + ".d1.s", db + ".d2.s", db + ".d3.s", db + ".d4.s", db + ".d5.s", db + ".d6.s"}
	l.wg.Go(func() {
		for ts := int64(1); ; ts++ {
			select {
			case <-l.done:
				return
			default:
			}
			for i, d := range devices {
				l.mu.Lock()
				marked := l.marked
				l.mu.Unlock()
				rows := pipeRowsAt(int64(i)*1000, ts)
				if err := c.insertRowsErr(d, rows); err != nil {
					l.mu.Lock()
					l.err = fmt.Errorf("insert into %s: %w", d, err)
					l.mu.Unlock()
					return
				}
				l.mu.Lock()
				l.all.add(d, rows)
				if marked {
					l.after.add(d, rows)
				}
				l.mu.Unlock()
			}
		}
	})
	t.Cleanup(func() { l.stop() })
	return l
}

// mark starts counting the writes made from now on as "after".
func (l *load) mark() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.marked = true
}

// stop ends the load and returns every row written, and those written
// after mark. A failed write fails the test.
func (l *load) stop() (all, after pipeData) {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		l.c.t.Fatalf("load on %s: %v", l.db, l.err)
	}
	return l.all, l.after
}

// DROP PIPE does not wait for a DataNode that is dead (a dead node sends
// nothing): with one of three DataNodes killed just before, it returns
// without error once the ConfigNode leader sees that node gone, where a
// node that is running but does not answer fails it after 30 s. When the node comes back it reads the metadata before it
// starts any task, so it sends nothing of the dropped pipe either.
func TestPipeDropWithADeadDataNode(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	b := proc.StartStandalone(t)
	entry := cl.DataNodes[0]
	ca, cb := sqlTo(t, entry), newPipeClient(t, b)
	const db = "root.dd"
	ca.mustExec(fmt.Sprintf("CREATE PIPE dd WITH SOURCE ('source.pattern'='%s') %s", db, pipeSinkClause("iotdb-thrift-sink", b.Port)))
	w := startLoad(t, sqlTo(t, entry), db)
	pipeWaitFor(t, 60*time.Second, "points of "+db+" at the receiver", func() (bool, string) {
		got := cb.dump(db).points()
		return got > 50, fmt.Sprintf("%d points", got)
	})
	victim := cl.DataNodes[2]
	victim.Kill()
	start := time.Now()
	if err := ca.execErr("DROP PIPE dd"); err != nil {
		t.Fatalf("DROP PIPE with a dead DataNode: %v", err)
	}
	took := time.Since(start)
	w.mark()
	t.Logf("DROP PIPE with a dead DataNode took %v", took.Round(time.Millisecond))
	victim.Start()
	time.Sleep(5 * time.Second) // the node back, its regions open, past a reconcile round
	_, after := w.stop()
	if after.points() == 0 {
		t.Fatal("no write after DROP PIPE returned: the load stalled")
	}
	if leaked := pipePresent(after, cb.dump(db)); leaked != "" {
		t.Fatalf("points written after DROP PIPE returned reached the receiver: %s", leaked)
	}
}
