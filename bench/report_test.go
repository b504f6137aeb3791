package bench

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func sampleReport() Report {
	pg := Figures{SyncPointsPerSecond: 600000, TailLagSeconds: 0.15, LatencyP50Milliseconds: 40, LatencyP99Milliseconds: 300,
		WireBytesToReceiver: 17_000_000, WireBytesPerPoint: 17, WireBytesPerPointBack: 0.01}
	return Report{
		Machine:  Machine{Cores: 2, CPUModel: "Test CPU <x86>", GoVersion: "go1.26", Date: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)},
		Command:  []string{"sluice", "bench", "--pipe"},
		Workload: Workload{Devices: 100, Measurements: 10, TabletRows: 500, Sessions: 1},
		Runs: []SizeRun{
			{Points: 1_000_000, Values: Regular, Sluice: Figures{SyncPointsPerSecond: 2_310_000, TailLagSeconds: 0.08,
				LatencyP50Milliseconds: 4, LatencyP99Milliseconds: 41, WireBytesToReceiver: 750_000, WireBytesPerPoint: 0.75},
				Postgres: &pg, SyncRatio: 3.85},
			{Points: 5_000_000, Values: RandomWalk, Sluice: Figures{SyncPointsPerSecond: 1_900_000, WireBytesPerPoint: 0.86}},
		},
	}
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Machine struct {
			Cores    int    `json:"cores"`
			CPUModel string `json:"cpu_model"`
			Date     string `json:"date"`
		} `json:"machine"`
		Command []string `json:"command"`
		Runs    []struct {
			Points   int64               `json:"points"`
			Values   string              `json:"values"`
			Ratio    float64             `json:"sync_ratio"`
			Sluice   map[string]float64  `json:"sluice"`
			Postgres *map[string]float64 `json:"postgres"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Machine.Cores != 2 || got.Machine.CPUModel != "Test CPU <x86>" || got.Machine.Date != "2026-12-03T12:00:00Z" ||
		strings.Join(got.Command, " ") != "sluice bench --pipe" || len(got.Runs) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	r0, r1 := got.Runs[0], got.Runs[1]
	if r0.Points != 1_000_000 || r0.Values != "regular" || r0.Ratio != 3.85 || r0.Sluice["sync_points_per_second"] != 2_310_000 ||
		r0.Sluice["wire_bytes_per_point"] != 0.75 || r0.Postgres == nil || (*r0.Postgres)["wire_bytes_per_point"] != 17 ||
		(*r0.Postgres)["latency_p99_ms"] != 300 || (*r0.Postgres)["tail_lag_seconds"] != 0.15 {
		t.Fatalf("first run: %+v", r0)
	}
	if r1.Values != "random-walk" || r1.Postgres != nil {
		t.Fatalf("second run: %+v", r1)
	}
}

func TestReportTable(t *testing.T) {
	var b bytes.Buffer
	sampleReport().WriteTable(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", b.String())
	}
	for i, want := range [][]string{
		{"points", "values", "system", "sync points/s", "ratio", "tail lag", "p50", "p99", "wire B/point"},
		{"1M", "regular", "Sluice", "2310000", "3.85x", "0.080s", "4.0ms", "41.0ms", "0.75"},
		{"1M", "regular", "PostgreSQL", "600000", "0.150s", "40.0ms", "300.0ms", "17.00", "0.010"},
		{"5M", "random-walk", "Sluice", "1900000", "-", "0.86"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q: %s", i, w, lines[i])
			}
		}
	}
}

// TestReportSVG: the chart is well-formed XML with one bar per figure
// drawn, each bar titled with its value.
func TestReportSVG(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&b)
	var bars []string
	var texts []string
	root := ""
	var inBar, inText bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			if tok.Name.Local == "title" {
				inBar = true
			}
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inBar, inText = false, false
		case xml.CharData:
			if inBar {
				bars = append(bars, string(tok))
			}
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
	// Throughput: 2 Sluice + 1 PostgreSQL; tail lag: the same; latency:
	// 2 x (p50, p99) for Sluice + 1 x (p50, p99) for PostgreSQL.
	if len(bars) != 3+3+6 {
		t.Fatalf("%d bars: %q", len(bars), bars)
	}
	all := strings.Join(bars, "\n") + "\n" + strings.Join(texts, "\n")
	for _, want := range []string{
		"Sluice, 1M points, regular: 2.31M", "PostgreSQL, 1M points, regular: 0.60M", "Sluice, 5M points, random-walk: 1.90M",
		"Sluice, 1M points, regular: 80 ms", "PostgreSQL p99, 1M points, regular: 300 ms", "Sluice p50, 1M points, regular: 4 ms",
		"Test CPU <x86>", "5M points, random-walk",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 1}, {0.7, 1}, {1.2, 2}, {3, 5}, {7, 10}, {450000, 500000}, {1e6, 1e6}} {
		if got := niceStep(tt.in); got != tt.want {
			t.Errorf("niceStep(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestReportSVGWithoutBaseline: a run without PostgreSQL draws Sluice's
// bars alone and does not name PostgreSQL.
func TestReportSVGWithoutBaseline(t *testing.T) {
	rep := sampleReport()
	rep.Runs = rep.Runs[1:]
	var b bytes.Buffer
	if err := rep.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if s := b.String(); strings.Contains(s, "PostgreSQL") || strings.Count(s, "<title>") != 4 {
		t.Fatalf("want 4 Sluice bars and no PostgreSQL:\n%s", s)
	}
}
