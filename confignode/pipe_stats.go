package confignode

import (
	"context"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sluicedb/sluice/pipe/plugin"
	"github.com/sluicedb/sluice/proto/clusterpb"
)

// PipeTaskStats is one pipe task (a pipe on one region) as the DataNode
// running it reports it in its heartbeat.
type PipeTaskStats struct {
	Pipe    string
	Created int64 // the pipe's creation time, telling incarnations apart
	Region  uint32
	// HistoryDone and Index are the task's acknowledged frontier, which may
	// be ahead of the committed progress.
	HistoryDone bool
	Index       uint64
	// EventsPerSecond is how fast the frontier moves, smoothed.
	EventsPerSecond float64
	PointsSent      uint64
	Retries         uint64
	// LagSeconds is the age of the oldest write not yet acknowledged.
	LagSeconds float64
	// Exception is the transient error being retried, if any.
	Exception string
}

// PipeReport is what a DataNode's heartbeat carries for pipe statistics:
// the applied index of every region replica it hosts and its pipe tasks.
type PipeReport struct {
	Applied map[uint32]uint64
	Tasks   []PipeTaskStats
}

// PipeStats is a pipe's cluster-wide figures, aggregated by the ConfigNode
// leader.
type PipeStats struct {
	Name  string
	State string
	// Remaining counts the log entries of all the pipe's regions past its
	// frontier, whether or not a task runs (a stopped pipe, a region
	// without a leader).
	Remaining       int64
	EventsPerSecond float64
	// LagSeconds is the oldest unacknowledged write's age over all tasks.
	LagSeconds float64
	// EstimatedSeconds is Remaining over EventsPerSecond: 0 with nothing
	// left, negative when unknown (no rate).
	EstimatedSeconds float64
	Exception        string
	PointsSent       uint64
	Retries          uint64
	// SnapshotAgeSeconds is the time since the pipe's progress was last
	// committed, 0 while it has nothing left to send.
	SnapshotAgeSeconds float64
}

// pipeReports are the leader's latest report of each DataNode. Reports of
// a node silent for longer than the liveness deadline are ignored.
type pipeReports struct {
	mu       sync.Mutex
	deadline time.Duration
	nodes    map[uint32]nodeReport
}

type nodeReport struct {
	at time.Time
	PipeReport
}

func newPipeReports(deadline time.Duration) *pipeReports {
	return &pipeReports{deadline: deadline, nodes: map[uint32]nodeReport{}}
}

func (r *pipeReports) record(node uint32, rep PipeReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes[node] = nodeReport{at: time.Now(), PipeReport: rep}
}

// fresh returns the reports heard within the deadline.
func (r *pipeReports) fresh() []PipeReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PipeReport, 0, len(r.nodes))
	for id, n := range r.nodes {
		if time.Since(n.at) >= r.deadline {
			delete(r.nodes, id)
			continue
		}
		out = append(out, n.PipeReport)
	}
	return out
}

// aggregate computes every pipe's figures from the state and the reports.
// A region's last index is the highest any replica reports; its frontier
// the highest of the committed progress and what its task reports.
// A pipe without a commit in progressAt is aged from known: the later of
// its creation and when this node started keeping track.
func aggregate(s *State, reports []PipeReport, progressAt map[string]time.Time, known, now time.Time) []PipeStats {
	last := map[uint32]uint64{}
	type taskKey struct {
		pipe    string
		created int64
		region  uint32
	}
	tasks := map[taskKey]PipeTaskStats{}
	for _, rep := range reports {
		for region, idx := range rep.Applied {
			last[region] = max(last[region], idx)
		}
		for _, t := range rep.Tasks {
			k := taskKey{t.Pipe, t.Created, t.Region}
			// Two nodes may both run a task while leadership moves: keep
			// the one further ahead.
			if old, ok := tasks[k]; !ok || t.Index > old.Index || (t.HistoryDone && !old.HistoryDone) {
				tasks[k] = t
			}
		}
	}
	out := make([]PipeStats, 0, len(s.Pipes))
	for _, p := range s.Pipes {
		ps := PipeStats{Name: p.Name, State: p.State, Exception: p.Exception}
		realtime := true
		if spec, err := plugin.Parse(p.Source, p.Processor, p.Sink, time.Local); err == nil {
			realtime = spec.Source.RealtimeEnabled
		}
		// Regions in id order: when several tasks report an exception, the
		// lowest region's is shown, the same one on every call.
		for _, id := range slices.Sorted(maps.Keys(s.Regions)) {
			pr, committed := p.Progress[id]
			if !committed && id >= p.FirstNewRegion {
				pr = Progress{HistoryDone: true}
			}
			if t, ok := tasks[taskKey{p.Name, p.CreationTime, id}]; ok {
				if t.HistoryDone && (!pr.HistoryDone || t.Index > pr.Index) {
					pr = Progress{HistoryDone: true, Index: t.Index}
				}
				if p.State == PipeRunning {
					ps.EventsPerSecond += t.EventsPerSecond
					ps.LagSeconds = max(ps.LagSeconds, t.LagSeconds)
				}
				ps.PointsSent += t.PointsSent
				ps.Retries += t.Retries
				if ps.Exception == "" {
					ps.Exception = t.Exception
				}
			}
			if pr.HistoryDone && !realtime {
				continue
			}
			if l := last[id]; l > pr.Index {
				ps.Remaining += int64(l - pr.Index)
			}
		}
		ps.EstimatedSeconds = EstimateSeconds(ps.Remaining, ps.EventsPerSecond)
		if ps.Remaining > 0 {
			since, ok := progressAt[p.Name]
			if !ok {
				since = time.UnixMilli(p.CreationTime)
				if known.After(since) {
					since = known
				}
			}
			ps.SnapshotAgeSeconds = math.Max(0, now.Sub(since).Seconds())
		}
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// EstimateSeconds is remaining over perSecond: 0 with nothing left, -1 when
// there is no rate to divide by.
func EstimateSeconds(remaining int64, perSecond float64) float64 {
	switch {
	case remaining == 0:
		return 0
	case perSecond <= 0:
		return -1
	}
	return float64(remaining) / perSecond
}

// PipeStatistics returns every pipe's cluster-wide figures, as the leader
// aggregates them.
func (c *ConfigNode) PipeStatistics(ctx context.Context) ([]PipeStats, error) {
	var out []PipeStats
	err := c.onLeader(ctx, func() error {
		out = c.localPipeStats()
		return nil
	}, func(cl clusterpb.ConfigNodeClient) error {
		var err error
		out, err = callPipeStatistics(ctx, cl)
		return err
	})
	return out, err
}

// localPipeStats aggregates on the leader.
func (c *ConfigNode) localPipeStats() []PipeStats {
	reports := c.reports.fresh()
	var out []PipeStats
	c.fsm.read(func(s *State) {
		out = aggregate(s, reports, c.fsm.progressAt, c.fsm.started, time.Now())
	})
	return out
}

func callPipeStatistics(ctx context.Context, cl clusterpb.ConfigNodeClient) ([]PipeStats, error) {
	r, err := cl.PipeStatistics(ctx, &clusterpb.PipeStatisticsRequest{})
	if err != nil {
		return nil, unreachable(err)
	}
	if err := r.Status.Err(); err != nil {
		return nil, err
	}
	out := make([]PipeStats, 0, len(r.Pipes))
	for _, p := range r.Pipes {
		out = append(out, PipeStats{Name: p.Name, State: p.State, Remaining: p.RemainingEvents, EventsPerSecond: p.EventsPerSecond,
			LagSeconds: p.LagSeconds, EstimatedSeconds: p.EstimatedRemainingSeconds, Exception: p.Exception,
			PointsSent: p.PointsSent, Retries: p.Retries, SnapshotAgeSeconds: p.ProgressSnapshotAgeSeconds})
	}
	return out, nil
}

func pipeStatsPB(stats []PipeStats) []*clusterpb.PipeStatistics {
	out := make([]*clusterpb.PipeStatistics, 0, len(stats))
	for _, p := range stats {
		out = append(out, &clusterpb.PipeStatistics{Name: p.Name, State: p.State, RemainingEvents: p.Remaining,
			EventsPerSecond: p.EventsPerSecond, LagSeconds: p.LagSeconds, EstimatedRemainingSeconds: p.EstimatedSeconds,
			Exception: p.Exception, PointsSent: p.PointsSent, Retries: p.Retries, ProgressSnapshotAgeSeconds: p.SnapshotAgeSeconds})
	}
	return out
}

func pipeReportPB(rep *PipeReport) (map[uint32]uint64, []*clusterpb.PipeTaskStats) {
	if rep == nil {
		return nil, nil
	}
	tasks := make([]*clusterpb.PipeTaskStats, 0, len(rep.Tasks))
	for _, t := range rep.Tasks {
		tasks = append(tasks, &clusterpb.PipeTaskStats{Pipe: t.Pipe, Created: t.Created, Region: t.Region,
			HistoryDone: t.HistoryDone, Index: t.Index, EventsPerSecond: t.EventsPerSecond, PointsSent: t.PointsSent,
			Retries: t.Retries, LagSeconds: t.LagSeconds, Exception: t.Exception})
	}
	return rep.Applied, tasks
}

func pipeReportOf(req *clusterpb.HeartbeatRequest) *PipeReport {
	rep := &PipeReport{Applied: req.AppliedIndexes}
	for _, t := range req.PipeTasks {
		rep.Tasks = append(rep.Tasks, PipeTaskStats{Pipe: t.Pipe, Created: t.Created, Region: t.Region,
			HistoryDone: t.HistoryDone, Index: t.Index, EventsPerSecond: t.EventsPerSecond, PointsSent: t.PointsSent,
			Retries: t.Retries, LagSeconds: t.LagSeconds, Exception: t.Exception})
	}
	return rep
}
