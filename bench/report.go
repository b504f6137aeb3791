package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything a pipe run measured, with the machine, the setup
// and the command it ran on: what `sluice bench --json FILE` writes for
// every pipe mode, in one schema (docs/benchmarks.md describes it). The
// comparison and the cluster modes fill Runs; the pipe-cost mode fills
// PipeCost.
type Report struct {
	Machine Machine  `json:"machine"`
	Command []string `json:"command"`
	// Mode is the run: ModePipe, ModePipeCost or ModeCluster.
	Mode     string       `json:"mode"`
	Workload Workload     `json:"workload"`
	Setup    Setup        `json:"setup"`
	Runs     []SizeRun    `json:"runs,omitempty"`
	PipeCost *CostFigures `json:"pipe_cost,omitempty"`
}

// The modes a Report comes from.
const (
	ModePipe     = "pipe"           // sync A -> B, with the PostgreSQL baseline when asked
	ModePipeCost = "pipe-cost"      // the pipe's cost to the sender's ingest
	ModeCluster  = "source-cluster" // a pipe out of a 3+3 cluster
)

// Setup is how the servers ran.
type Setup struct {
	// Processes is true when the Sluice servers ran as child processes.
	Processes bool `json:"processes"`
	// SenderCores and ReceiverCores are the cores the sender (and the
	// bench's client) and the receiver were pinned to; empty: not pinned.
	SenderCores   []int `json:"sender_cores,omitempty"`
	ReceiverCores []int `json:"receiver_cores,omitempty"`
	// SinkAttributes are the extra key=value of the pipe's SINK clause.
	SinkAttributes []string `json:"sink_attributes,omitempty"`
	// PostgresStream is the baseline subscription's format (binary or
	// text), when the baseline ran.
	PostgresStream string `json:"postgres_stream,omitempty"`
	// Receiver is the cluster mode's receiver: "standalone" or "cluster".
	Receiver string `json:"receiver,omitempty"`
}

// setupOf is how cfg runs its servers.
func setupOf(cfg Config) Setup {
	s := Setup{Processes: cfg.Procs.children(), SinkAttributes: cfg.SinkAttributes}
	if pin := cfg.Procs.Pin; pin != nil {
		s.SenderCores, s.ReceiverCores = pin.Sender, pin.Receiver
	}
	return s
}

// newReport starts the report of a run of cfg in mode.
func newReport(mode string, cfg Config, command []string) Report {
	return Report{Machine: ThisMachine(), Command: command, Mode: mode, Workload: workloadOf(cfg), Setup: setupOf(cfg)}
}

// Machine describes where the figures come from.
type Machine struct {
	Cores     int       `json:"cores"`
	CPUModel  string    `json:"cpu_model"`
	GoVersion string    `json:"go_version"`
	OS        string    `json:"os"`
	Arch      string    `json:"arch"`
	Date      time.Time `json:"date"`
}

// ThisMachine describes the machine the process runs on; the CPU model
// comes from /proc/cpuinfo (empty where there is none).
func ThisMachine() Machine {
	return Machine{
		Cores: runtime.NumCPU(), CPUModel: cpuModel("/proc/cpuinfo"), GoVersion: runtime.Version(),
		OS: runtime.GOOS, Arch: runtime.GOARCH, Date: time.Now().UTC().Truncate(time.Second),
	}
}

// cpuModel is the first "model name" of a cpuinfo file.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Workload is the shape of the rows every run writes.
type Workload struct {
	Devices      int `json:"devices"`
	Measurements int `json:"measurements"`
	TabletRows   int `json:"tablet_rows"`
	Sessions     int `json:"sessions"`
}

func workloadOf(cfg Config) Workload {
	return Workload{Devices: cfg.Devices, Measurements: cfg.Measurements, TabletRows: cfg.Rows, Sessions: cfg.Workers}
}

// SizeRun is one size and kind of values, measured on Sluice and, when
// asked, on PostgreSQL.
type SizeRun struct {
	Points   int64    `json:"points"`
	Values   Values   `json:"values"`
	Sluice   Figures  `json:"sluice"`
	Postgres *Figures `json:"postgres,omitempty"`
	// SyncRatio is Sluice's sync points/s over PostgreSQL's.
	SyncRatio float64 `json:"sync_ratio,omitempty"`
}

// Figures are one system's measurements of one run, in the units their
// names give.
type Figures struct {
	// DirectIngestPointsPerSecond is the workload written straight into B
	// (Sluice only).
	DirectIngestPointsPerSecond float64 `json:"direct_ingest_points_per_second,omitempty"`
	IngestPointsPerSecond       float64 `json:"ingest_points_per_second"`
	SyncPointsPerSecond         float64 `json:"sync_points_per_second"`
	SyncSeconds                 float64 `json:"sync_seconds"`
	TailLagSeconds              float64 `json:"tail_lag_seconds"`
	LatencyLoadPointsPerSecond  float64 `json:"latency_load_points_per_second"`
	LatencyP50Milliseconds      float64 `json:"latency_p50_ms"`
	LatencyP99Milliseconds      float64 `json:"latency_p99_ms"`
	WireBytesToReceiver         int64   `json:"wire_bytes_to_receiver"`
	WireBytesFromReceiver       int64   `json:"wire_bytes_from_receiver"`
	WireBytesPerPoint           float64 `json:"wire_bytes_per_point"`
	WireBytesPerPointBack       float64 `json:"wire_bytes_per_point_back"`
	// LatencyProbes is how many probes the percentiles are over.
	LatencyProbes int `json:"latency_probes"`
	// TailLagResolutionMilliseconds is how long the last count of the
	// receiver took, which bounds the tail lag's resolution (Sluice).
	TailLagResolutionMilliseconds float64 `json:"tail_lag_resolution_ms,omitempty"`
	// FirstWriteMilliseconds is the write that created the database and
	// its regions, outside the clock (cluster mode).
	FirstWriteMilliseconds float64 `json:"first_write_ms,omitempty"`
	// StartupSeconds is how long the cluster mode's servers took to start.
	StartupSeconds float64 `json:"startup_seconds,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func figures(points int64, ingest, sync, tail time.Duration, rate float64, p50, p99 time.Duration, probes int, toB, fromB int64) Figures {
	return Figures{
		LatencyProbes:         probes,
		IngestPointsPerSecond: float64(points) / ingest.Seconds(),
		SyncPointsPerSecond:   float64(points) / sync.Seconds(),
		SyncSeconds:           sync.Seconds(), TailLagSeconds: tail.Seconds(),
		LatencyLoadPointsPerSecond: rate, LatencyP50Milliseconds: ms(p50), LatencyP99Milliseconds: ms(p99),
		WireBytesToReceiver: toB, WireBytesFromReceiver: fromB,
		WireBytesPerPoint: float64(toB) / float64(points), WireBytesPerPointBack: float64(fromB) / float64(points),
	}
}

func sluiceFigures(r PipeResult) Figures {
	f := figures(r.SyncPoints, r.IngestDuration, r.SyncDuration, r.TailLag, r.LatencyRate, r.P50, r.P99, r.Probes, r.WireToB, r.WireFromB)
	f.DirectIngestPointsPerSecond = r.DirectPointsPerSecond
	f.TailLagResolutionMilliseconds = ms(r.LastPoll)
	return f
}

func postgresFigures(r PostgresResult) Figures {
	return figures(r.Points, r.IngestDuration, r.SyncDuration, r.TailLag, r.LatencyRate, r.P50, r.P99, r.Probes, r.WireToB, r.WireFromB)
}

func clusterFigures(r ClusterResult) Figures {
	f := figures(r.Points, r.Ingest, r.Sync, r.Sync-r.Ingest, r.LatencyRate, r.P50, r.P99, r.Probes, 0, 0)
	f.TailLagResolutionMilliseconds = ms(r.LastPoll)
	f.FirstWriteMilliseconds = ms(r.FirstWrite)
	f.StartupSeconds = r.Startup.Seconds()
	return f
}

// ClusterReport is the report of a cluster run of cfg: one run, Sluice's.
func ClusterReport(cfg Config, r ClusterResult, command []string) Report {
	rep := newReport(ModeCluster, cfg, command)
	rep.Workload.Sessions = r.Sessions
	rep.Setup.Processes = true // the cluster mode always runs child processes
	rep.Setup.Receiver = "standalone"
	if cfg.Procs.TargetCluster {
		rep.Setup.Receiver = "cluster"
	}
	rep.Runs = []SizeRun{{Points: r.Points, Values: cfg.Values, Sluice: clusterFigures(r)}}
	return rep
}

// CostFigures are the pipe-cost mode's measurements.
type CostFigures struct {
	Runs []CostRunFigures `json:"runs"`
	// WarmupRuns were made first and are left out of the figures.
	WarmupRuns                   []CostRunFigures `json:"warmup_runs,omitempty"`
	MedianWithoutPointsPerSecond float64          `json:"median_without_points_per_second"`
	MedianWithPointsPerSecond    float64          `json:"median_with_points_per_second"`
	// Ratio is with over without; issue #11 wants >= 0.9.
	Ratio         float64 `json:"ratio"`
	SpreadWithout float64 `json:"spread_without"` // (max-min)/median
	SpreadWith    float64 `json:"spread_with"`
	// Noisy is true when a spread passes the 10% the ratio is judged on.
	Noisy             bool   `json:"noisy"`
	LoadAverageBefore string `json:"load_average_before"` // 1, 5, 15 min
	LoadAverageAfter  string `json:"load_average_after"`
}

// CostRunFigures is one ingest of the pipe-cost mode.
type CostRunFigures struct {
	WithPipe              bool    `json:"with_pipe"`
	Points                int64   `json:"points"`
	IngestSeconds         float64 `json:"ingest_seconds"`
	IngestPointsPerSecond float64 `json:"ingest_points_per_second"`
	// SyncSeconds is, with a pipe, the ingest's start until B held every
	// point.
	SyncSeconds float64 `json:"sync_seconds,omitempty"`
}

// CostReport is the report of a pipe-cost run of cfg.
func CostReport(cfg Config, r CostResult, command []string) Report {
	rep := newReport(ModePipeCost, cfg, command)
	c := &CostFigures{
		MedianWithoutPointsPerSecond: r.MedianWithout, MedianWithPointsPerSecond: r.MedianWith, Ratio: r.Ratio,
		SpreadWithout: r.SpreadWithout, SpreadWith: r.SpreadWith, Noisy: r.Noisy(),
		LoadAverageBefore: r.LoadBefore, LoadAverageAfter: r.LoadAfter,
	}
	figures := func(run CostRun) CostRunFigures {
		return CostRunFigures{WithPipe: run.WithPipe, Points: run.Points, IngestSeconds: run.Ingest.Seconds(),
			IngestPointsPerSecond: run.PointsPerSecond(), SyncSeconds: run.Sync.Seconds()}
	}
	for _, run := range r.Runs {
		c.Runs = append(c.Runs, figures(run))
	}
	for _, run := range r.Warmup {
		c.WarmupRuns = append(c.WarmupRuns, figures(run))
	}
	rep.PipeCost = c
	return rep
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the comparison: per size and values, each system's
// sync throughput, Sluice's ratio to PostgreSQL, tail lag, latency at half
// load and bytes on the wire per point.
func (r Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "points\tvalues\tsystem\tsync points/s\tratio\ttail lag\tp50\tp99\twire B/point\tback B/point\t")
	row := func(run SizeRun, system string, f Figures, ratio string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%s\t%.3fs\t%.1fms\t%.1fms\t%.2f\t%.3f\t\n", FormatCount(run.Points), run.Values, system,
			f.SyncPointsPerSecond, ratio, f.TailLagSeconds, f.LatencyP50Milliseconds, f.LatencyP99Milliseconds,
			f.WireBytesPerPoint, f.WireBytesPerPointBack)
	}
	for _, run := range r.Runs {
		ratio := "-"
		if run.Postgres != nil {
			ratio = fmt.Sprintf("%.2fx", run.SyncRatio)
		}
		row(run, "Sluice", run.Sluice, ratio)
		if run.Postgres != nil {
			row(run, "PostgreSQL", *run.Postgres, "")
		}
	}
	tw.Flush()
}
