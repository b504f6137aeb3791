package bench

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/config"
	"github.com/sluicedb/sluice/standalone"
)

// Config sizes a run. The defaults are the reference workload: 100 devices
// x 10 DOUBLE measurements, tablets of 500 rows, 10M points in all.
type Config struct {
	Devices      int
	Measurements int
	Rows         int // rows per tablet
	TotalRows    int // rows per device over the whole run
	Workers      int // concurrent client sessions
	Values       Values
	// LatencyRun is how long the pipe benchmark measures latency.
	LatencyRun time.Duration
	// ProgressInterval is the sender's pipe_progress_snapshot_interval_ms
	// in the pipe benchmark; zero keeps the default (1 s). A very long one
	// leaves the progress commits out of the measured run.
	ProgressInterval time.Duration
	// SinkAttributes are added to the benchmark pipe's SINK clause, as
	// key=value (sink.batch.enable=false, sink.compressor=lz4, ...).
	SinkAttributes []string
	// Host and Port name a running server; empty Host starts an in-process
	// standalone node on a temporary data dir (needed for bytes/point).
	Host string
	Port int
	// Procs runs the pipe benchmarks' servers as child processes, pinned
	// to cores when asked (procs.go).
	Procs ProcOptions
}

// DefaultConfig is the reference workload.
func DefaultConfig() Config {
	return Config{Devices: 100, Measurements: 10, Rows: 500, TotalRows: 10000, Workers: 4, LatencyRun: 10 * time.Second}
}

// Result holds the measured figures.
type Result struct {
	// FirstWrite is the first insert into the workload's database, which
	// creates it and its regions when it is new.
	FirstWrite     time.Duration
	Points         int64
	IngestDuration time.Duration
	StorageBytes   int64 // storage engine files after a flush
	DataDirBytes   int64 // the whole data dir, Raft logs included
	CountDuration  time.Duration
	Counted        int64
}

// PointsPerSecond is the ingest rate.
func (r Result) PointsPerSecond() float64 { return float64(r.Points) / r.IngestDuration.Seconds() }

// Run executes the workload and prints progress and results to out.
func Run(ctx context.Context, cfg Config, out io.Writer) (Result, error) {
	var res Result
	host, port := cfg.Host, cfg.Port
	var dataDir string
	if host == "" {
		n, err := startNode(ctx, nil)
		if err != nil {
			return res, err
		}
		defer n.Close()
		host, port, dataDir = "127.0.0.1", n.port, n.dir
	}
	fmt.Fprintf(out, "workload: %d devices x %d DOUBLE measurements, tablets of %d rows, %d rows per device (%d points), %d sessions\n",
		cfg.Devices, cfg.Measurements, cfg.Rows, cfg.TotalRows, cfg.Devices*cfg.Measurements*cfg.TotalRows, cfg.Workers)

	sessions, err := openSessions(host, port, cfg.Workers)
	if err != nil {
		return res, err
	}
	defer closeSessions(sessions)
	// One point the workload writes again (device 0, first measurement,
	// time 0): the count stays exact.
	start := time.Now()
	if _, err := sessions[0].ExecuteNonQueryStatement("INSERT INTO root.bench.d0(time, s0) VALUES (0, 0.0)"); err != nil {
		return res, fmt.Errorf("first write: %w", err)
	}
	res.FirstWrite = time.Since(start)
	fmt.Fprintf(out, "first write (creates root.bench and its regions when new): %.1f ms\n", float64(res.FirstWrite.Microseconds())/1000)
	start = time.Now()
	if res.Points, err = ingest(cfg, sessions, "root.bench", out); err != nil {
		return res, err
	}
	res.IngestDuration = time.Since(start)
	fmt.Fprintf(out, "ingest: %d points in %.2fs = %.0f points/s\n", res.Points, res.IngestDuration.Seconds(), res.PointsPerSecond())

	if _, err := sessions[0].ExecuteNonQueryStatement("flush"); err != nil {
		return res, fmt.Errorf("flush: %w", err)
	}
	if dataDir != "" {
		res.StorageBytes = dirSize(filepath.Join(dataDir, "datanode", "storage"))
		res.DataDirBytes = dirSize(dataDir)
		fmt.Fprintf(out, "disk: %.2f bytes/point in the storage engine, %.2f bytes/point for the whole data dir (Raft logs included)\n",
			float64(res.StorageBytes)/float64(res.Points), float64(res.DataDirBytes)/float64(res.Points))
	}

	qs := time.Now()
	ds, err := sessions[0].ExecuteQueryStatement("select count(*) from root.**", nil)
	if err != nil {
		return res, fmt.Errorf("count query: %w", err)
	}
	for {
		ok, err := ds.Next()
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		for i := 0; i < ds.GetColumnCount(); i++ {
			if v, err := strconv.ParseInt(ds.GetText(ds.GetColumnName(i)), 10, 64); err == nil {
				res.Counted += v
			}
		}
	}
	ds.Close()
	res.CountDuration = time.Since(qs)
	fmt.Fprintf(out, "select count(*) from root.**: %d points counted in %.3fs\n", res.Counted, res.CountDuration.Seconds())
	if res.Counted != res.Points {
		return res, fmt.Errorf("count(*) returned %d points, %d were written", res.Counted, res.Points)
	}
	return res, nil
}

// node is an in-process standalone node on a temporary data dir.
type node struct {
	n    *standalone.Node
	dir  string
	port int
}

// startNode starts a standalone node on a temporary data dir; tune, when
// set, adjusts its configuration.
func startNode(ctx context.Context, tune func(*config.Config)) (*node, error) {
	dir, err := os.MkdirTemp("", "sluice-bench-")
	if err != nil {
		return nil, err
	}
	nc := config.Default()
	nc.DataDir = dir
	nc.DNRPCPort = 0
	nc.DNMetricsPort = 0
	if tune != nil {
		tune(&nc)
	}
	n, err := standalone.Start(ctx, nc, slog.New(slog.DiscardHandler))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start standalone: %w", err)
	}
	return &node{n: n, dir: dir, port: n.RPCAddr().(*net.TCPAddr).Port}, nil
}

func (n *node) Close() {
	n.n.Close()
	os.RemoveAll(n.dir)
}

func openSessions(host string, port, count int) ([]client.Session, error) {
	sessions := make([]client.Session, 0, count)
	for range count {
		s, err := open(host, port)
		if err != nil {
			closeSessions(sessions)
			return nil, err
		}
		sessions = append(sessions, s)
	}
	return sessions, nil
}

func closeSessions(sessions []client.Session) {
	for _, s := range sessions {
		s.Close()
	}
}

// ingest writes the workload under prefix (e.g. root.bench) through the
// sessions in parallel and returns the points written.
func ingest(cfg Config, sessions []client.Session, prefix string, out io.Writer) (int64, error) {
	batches := batchStarts(cfg)
	bar := newProgress(out, "ingest into "+prefix, int64(cfg.Devices*cfg.Measurements*cfg.TotalRows))
	var wg sync.WaitGroup
	errs := make(chan error, len(sessions))
	var mu sync.Mutex
	var points int64
	for _, sess := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range batches {
				tablets, err := makeTablets(cfg, prefix, first)
				if err != nil {
					errs <- err
					return
				}
				if err := insertErr(sess.InsertTablets(tablets, true)); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				points += int64(cfg.Devices * cfg.Measurements * cfg.Rows)
				bar.Set(points)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	bar.Finish()
	select {
	case err := <-errs:
		return points, err
	default:
	}
	return points, nil
}

func open(host string, port int) (client.Session, error) {
	s := client.NewSession(&client.Config{Host: host, Port: strconv.Itoa(port), UserName: "root", Password: "root"})
	if err := s.Open(false, 10000); err != nil {
		return s, fmt.Errorf("connect %s:%d: %w", host, port, err)
	}
	return s, nil
}

// makeTablets builds one InsertTablets call: every device, rows starting at
// row index first, one sample per second, values of cfg.Values.
func makeTablets(cfg Config, prefix string, first int) ([]*client.Tablet, error) {
	schemas := make([]*client.MeasurementSchema, cfg.Measurements)
	for m := range schemas {
		schemas[m] = &client.MeasurementSchema{Measurement: "s" + strconv.Itoa(m), DataType: client.DOUBLE}
	}
	tablets := make([]*client.Tablet, cfg.Devices)
	for d := range tablets {
		t, err := client.NewTablet(prefix+".d"+strconv.Itoa(d), schemas, cfg.Rows)
		if err != nil {
			return nil, err
		}
		for r := range cfg.Rows {
			t.SetTimestamp(int64(first+r)*1000, r)
		}
		values := make([]float64, cfg.Rows)
		for m := range schemas {
			cfg.Values.fill(values, d, m, first)
			for r, v := range values {
				if err := t.SetValueAt(v, m, r); err != nil {
					return nil, err
				}
			}
		}
		t.RowSize = cfg.Rows
		tablets[d] = t
	}
	return tablets, nil
}

// allocated is the space a file takes on disk: its blocks, not its
// apparent size, so preallocated and sparse files count as they cost.
func allocated(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}

// dirSize sums the disk space of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += allocated(info)
			}
		}
		return nil
	})
	return n
}
