package datanode

import (
	"context"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/sink"
)

// taskStats are one running task's figures, reported to the ConfigNode
// leader with each heartbeat. The agent's mu guards them.
type taskStats struct {
	historyDone bool
	index       uint64 // acknowledged frontier
	known       bool   // index was reported by the task
	advanced    uint64 // entries drained since the last rate update
	rate        float64
	points      uint64
	retries     uint64
	// exception is the transient error being retried, "" once a transfer
	// succeeds again.
	exception string
}

// statsOf returns key's stats, creating them; a.mu is held.
func (a *pipeAgent) statsOf(key taskKey) *taskStats {
	s := a.stats[key]
	if s == nil {
		s = &taskStats{}
		a.stats[key] = s
	}
	return s
}

// updateRates folds the entries each task drained since the last call
// into its smoothed rate.
func (a *pipeAgent) updateRates() {
	a.mu.Lock()
	defer a.mu.Unlock()
	dt := time.Since(a.rateAt).Seconds()
	if dt <= 0 {
		return
	}
	a.rateAt = time.Now()
	for _, s := range a.stats {
		s.rate = 0.7*s.rate + 0.3*float64(s.advanced)/dt
		s.advanced = 0
	}
}

// localRate is the rate of a pipe's tasks on this node: the estimate's
// divisor when the ConfigNode leader cannot be asked.
func (a *pipeAgent) localRate(name string) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var rate float64
	for k, s := range a.stats {
		if k.pipe == name {
			rate += s.rate
		}
	}
	return rate
}

// report is this node's pipe report for its heartbeat: the applied index
// of every replica it hosts, and the figures of the tasks it runs. It also
// refreshes the per-task gauges.
func (a *pipeAgent) report() *confignode.PipeReport {
	if a == nil {
		return nil // not started yet
	}
	rep := &confignode.PipeReport{Applied: map[uint32]uint64{}}
	for _, r := range a.d.regions.all() {
		rep.Applied[r.id] = r.fsm.AppliedIndex()
	}
	pipes := map[string]*confignode.Pipe{}
	for _, p := range a.d.meta.Pipes() {
		pipes[p.Name] = &p
	}
	type row struct {
		key taskKey
		rt  *runningTask
		s   taskStats
	}
	a.mu.Lock()
	rows := make([]row, 0, len(a.tasks))
	for k, rt := range a.tasks {
		var s taskStats
		if st := a.stats[k]; st != nil {
			s = *st
		}
		rows = append(rows, row{k, rt, s})
	}
	a.mu.Unlock()
	now := time.Now()
	for _, t := range rows {
		p, r := pipes[t.key.pipe], a.d.regions.get(t.key.region)
		if p == nil || r == nil || p.CreationTime != t.key.created {
			continue
		}
		pr := a.startProgress(p, t.key.region)
		if t.s.known && (t.s.index > pr.Index || (t.s.historyDone && !pr.HistoryDone)) {
			pr.Index, pr.HistoryDone = t.s.index, t.s.historyDone
		}
		applied := r.fsm.AppliedIndex()
		var lag float64
		var pending uint64
		if applied > pr.Index {
			pending = applied - pr.Index
			lag = unackedAge(r, pr.Index, applied, now)
		}
		a.setTaskGauges(t.key, t.rt, pending, lag)
		rep.Tasks = append(rep.Tasks, confignode.PipeTaskStats{Pipe: t.key.pipe, Created: t.key.created, Region: t.key.region,
			HistoryDone: pr.HistoryDone, Index: pr.Index, EventsPerSecond: t.s.rate, PointsSent: t.s.points,
			Retries: t.s.retries, LagSeconds: lag, Exception: t.s.exception})
	}
	return rep
}

// unackedAge is how long ago the oldest write after frontier was
// appended to r's log: the age of the oldest write the sink has not
// acknowledged. Entries gone from the log start from the oldest left;
// entries without an append time (bootstrap, configuration) are skipped,
// up to lagScan of them.
func unackedAge(r *replica, frontier, applied uint64, now time.Time) float64 {
	logs := r.group.Logs()
	first, err := logs.FirstIndex()
	if err != nil {
		return 0
	}
	from := max(frontier+1, first)
	for i := from; i <= applied && i < from+lagScan; i++ {
		var l raft.Log
		if logs.GetLog(i, &l) != nil {
			return 0
		}
		if l.Type == raft.LogCommand && !l.AppendedAt.IsZero() {
			return max(0, now.Sub(l.AppendedAt).Seconds())
		}
	}
	return 0
}

// lagScan bounds the entries unackedAge reads looking for a write.
const lagScan = 256

// setTaskGauges sets the gauges of task key, run by rt, unless it has
// stopped since: its series are forgotten once it leaves the table, and
// setting them after that would bring them back for good.
func (a *pipeAgent) setTaskGauges(key taskKey, rt *runningTask, pending uint64, lag float64) {
	conns := 0
	if rt.sink != nil {
		conns = sink.Connections(rt.sink)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tasks[key] != rt {
		return
	}
	a.metrics.setPending(key.pipe, key.region, pending)
	a.metrics.setLag(key.pipe, key.region, lag)
	a.metrics.setConnections(key.pipe, key.region, conns)
}

// pipeStatistics returns every pipe's cluster-wide figures after sending
// this node's latest report, so that its own tasks are counted fresh.
func (d *DataNode) pipeStatistics(ctx context.Context) ([]confignode.PipeStats, error) {
	if _, err := d.meta.Heartbeat(ctx, d.cfg.NodeID, d.ledRegions(), d.pipes.report()); err != nil {
		return nil, err
	}
	return d.meta.PipeStatistics(ctx)
}
