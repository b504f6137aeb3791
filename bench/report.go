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

// Report is everything a comparison measured, with the machine and the
// command it ran on: what `sluice bench --pipe --json FILE` writes.
type Report struct {
	Machine  Machine   `json:"machine"`
	Command  []string  `json:"command"`
	Workload Workload  `json:"workload"`
	Runs     []SizeRun `json:"runs"`
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
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func figures(points int64, ingest, sync, tail time.Duration, rate float64, p50, p99 time.Duration, toB, fromB int64) Figures {
	return Figures{
		IngestPointsPerSecond: float64(points) / ingest.Seconds(),
		SyncPointsPerSecond:   float64(points) / sync.Seconds(),
		SyncSeconds:           sync.Seconds(), TailLagSeconds: tail.Seconds(),
		LatencyLoadPointsPerSecond: rate, LatencyP50Milliseconds: ms(p50), LatencyP99Milliseconds: ms(p99),
		WireBytesToReceiver: toB, WireBytesFromReceiver: fromB,
		WireBytesPerPoint: float64(toB) / float64(points), WireBytesPerPointBack: float64(fromB) / float64(points),
	}
}

func sluiceFigures(r PipeResult) Figures {
	f := figures(r.SyncPoints, r.IngestDuration, r.SyncDuration, r.TailLag, r.LatencyRate, r.P50, r.P99, r.WireToB, r.WireFromB)
	f.DirectIngestPointsPerSecond = r.DirectPointsPerSecond
	return f
}

func postgresFigures(r PostgresResult) Figures {
	return figures(r.Points, r.IngestDuration, r.SyncDuration, r.TailLag, r.LatencyRate, r.P50, r.P99, r.WireToB, r.WireFromB)
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
