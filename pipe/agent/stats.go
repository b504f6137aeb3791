package agent

import (
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/plugin"
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
func (a *Agent) statsOf(key taskKey) *taskStats {
	s := a.stats[key]
	if s == nil {
		s = &taskStats{}
		a.stats[key] = s
	}
	return s
}

// updateRates folds the entries each task drained since the last call
// into its smoothed rate.
func (a *Agent) updateRates() {
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

// LocalRate is the rate, in log entries per second, of a pipe's tasks on
// this node: the estimate's divisor when the ConfigNode leader cannot be
// asked.
func (a *Agent) LocalRate(name string) float64 {
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

// Report is this node's pipe report for its heartbeat: the applied index
// of every replica it hosts, and the figures of the tasks it runs. It also
// refreshes the per-task gauges. A nil agent (not started yet) reports
// nothing.
func (a *Agent) Report() *confignode.PipeReport {
	if a == nil {
		return nil
	}
	rep := &confignode.PipeReport{Applied: map[uint32]uint64{}}
	regions := map[uint32]Region{}
	for _, r := range a.regions.All() {
		rep.Applied[r.ID()] = r.AppliedIndex()
		regions[r.ID()] = r
	}
	pipes := map[string]*confignode.Pipe{}
	for _, p := range a.meta.Pipes() {
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
		p, r := pipes[t.key.pipe], regions[t.key.region]
		if p == nil || r == nil || p.CreationTime != t.key.created {
			continue
		}
		pr := a.frontiers.Resume(p, t.key.region)
		if t.s.known && (t.s.index > pr.Index || (t.s.historyDone && !pr.HistoryDone)) {
			pr.Index, pr.HistoryDone = t.s.index, t.s.historyDone
		}
		applied := r.AppliedIndex()
		var lag float64
		var pending uint64
		if applied > pr.Index {
			pending = applied - pr.Index
			lag = r.UnackedAge(pr.Index, applied, now)
		}
		a.setTaskGauges(t.key, t.rt, pending, lag)
		rep.Tasks = append(rep.Tasks, confignode.PipeTaskStats{Pipe: t.key.pipe, Created: t.key.created, Region: t.key.region,
			HistoryDone: pr.HistoryDone, Index: pr.Index, EventsPerSecond: t.s.rate, PointsSent: t.s.points,
			Retries: t.s.retries, LagSeconds: lag, Exception: t.s.exception})
	}
	return rep
}

// setTaskGauges sets the gauges of task key, run by rt, unless it has
// stopped since: its series are forgotten once it leaves the table, and
// setting them after that would bring them back for good.
func (a *Agent) setTaskGauges(key taskKey, rt *runningTask, pending uint64, lag float64) {
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

// PendingEntries is how many log entries of the hosted regions pipe p has
// not yet seen acknowledged, for SHOW PIPES' RemainingEventCount. A pipe
// without a realtime phase has nothing left once its history is sent.
func (a *Agent) PendingEntries(p *confignode.Pipe) int64 {
	realtime := true
	if spec, err := plugin.Parse(p.Source, p.Processor, p.Sink, time.Local); err == nil {
		realtime = spec.Source.RealtimeEnabled
	}
	var n int64
	for _, r := range a.regions.All() {
		pr := a.frontiers.Resume(p, r.ID())
		if pr.HistoryDone && !realtime {
			continue
		}
		if applied := r.AppliedIndex(); applied > pr.Index {
			n += int64(applied - pr.Index)
		}
	}
	return n
}
