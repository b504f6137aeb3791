package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/apache/iotdb-client-go/client"
)

// PipeResult holds the figures of a sync run.
type PipeResult struct {
	DirectPointsPerSecond float64 // the workload ingested straight into B
	SyncPoints            int64
	SyncDuration          time.Duration // first write on A until B holds every point
	LatencyRate           float64       // points/s offered during the latency run
	P50, P99              time.Duration // end-to-end latency of probe points

	// IngestDuration is the first write on A until A acknowledged the
	// last; TailLag the last acknowledged until B holds every point.
	IngestDuration, TailLag time.Duration
	// WireToB and WireFromB are the bytes the pipe's sink sent to B and
	// received from it during the sync (a counting relay sits between
	// them).
	WireToB, WireFromB int64
	// Probes is how many probes the latency percentiles are over.
	Probes int
	// LastPoll is how long the last count of B took: the tail lag's
	// resolution.
	LastPoll time.Duration
}

// RunPipe measures sync A -> B on two standalone instances (in-process, or
// child processes as cfg.Procs asks): direct ingest into B, then the same
// workload into A until B holds all of it, then end-to-end latency at half
// the measured sync throughput.
func RunPipe(ctx context.Context, cfg Config, out io.Writer) (res PipeResult, err error) {
	p, err := startPair(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer p.Close()
	defer func() { err = p.failed(ctx, err) }()
	a, b := p.a, p.b
	sa, err := openSessions("127.0.0.1", a.port, cfg.Workers)
	if err != nil {
		return res, err
	}
	defer closeSessions(sa)
	sb, err := openSessions("127.0.0.1", b.port, cfg.Workers)
	if err != nil {
		return res, err
	}
	defer closeSessions(sb)
	fmt.Fprintf(out, "workload: %d devices x %d DOUBLE measurements (%s values), tablets of %d rows, %d points, %d sessions\n",
		cfg.Devices, cfg.Measurements, cfg.Values, cfg.Rows, cfg.Devices*cfg.Measurements*cfg.TotalRows, cfg.Workers)
	// The databases and series exist on both sides, and the pipe, before
	// the clock starts; the pipe's sink dials B through a counting relay.
	for _, c := range []struct {
		s      client.Session
		prefix string
	}{{sb[0], "root.direct"}, {sb[0], "root.sync"}, {sa[0], "root.sync"}} {
		if err := createSchema(c.s, c.prefix, cfg); err != nil {
			return res, err
		}
	}
	relay, err := StartRelay(fmt.Sprintf("127.0.0.1:%d", b.port))
	if err != nil {
		return res, err
	}
	defer relay.Close()

	start := time.Now()
	n, err := ingest(cfg, sb, "root.direct", out)
	if err != nil {
		return res, err
	}
	res.DirectPointsPerSecond = float64(n) / time.Since(start).Seconds()
	fmt.Fprintf(out, "direct ingest into B: %.0f points/s\n", res.DirectPointsPerSecond)

	sink, err := sinkClause([]int{relay.Port()}, cfg.SinkAttributes)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(out, "pipe sink: %s\n", sink)
	if err := exec(sa[0], "create pipe bench with source ('source.pattern'='root.sync') with sink ("+sink+")"); err != nil {
		return res, err
	}
	toB0, fromB0 := relay.Bytes()
	start = time.Now()
	if res.SyncPoints, err = ingest(cfg, sa, "root.sync", out); err != nil {
		return res, err
	}
	res.IngestDuration = time.Since(start)
	if _, res.LastPoll, err = waitHolds(ctx, sb[0], "root.sync.**", res.SyncPoints, out); err != nil {
		return res, err
	}
	res.SyncDuration = time.Since(start)
	res.TailLag = res.SyncDuration - res.IngestDuration
	toB, fromB := relay.Bytes()
	res.WireToB, res.WireFromB = toB-toB0, fromB-fromB0
	fmt.Fprintf(out, "sync A -> B: %d points in %.2fs = %.0f points/s, tail lag %.3fs (the last count of B took %.1f ms)\n", res.SyncPoints, res.SyncDuration.Seconds(),
		float64(res.SyncPoints)/res.SyncDuration.Seconds(), res.TailLag.Seconds(), ms(res.LastPoll))
	fmt.Fprintf(out, "on the wire: %.2f bytes/point to B, %.2f bytes/point back\n",
		float64(res.WireToB)/float64(res.SyncPoints), float64(res.WireFromB)/float64(res.SyncPoints))

	res.LatencyRate = float64(res.SyncPoints) / res.SyncDuration.Seconds() / 2
	// The load and the probes have sessions of their own: one session
	// serves one call at a time.
	sl, err := openSessions("127.0.0.1", a.port, 2)
	if err != nil {
		return res, err
	}
	defer closeSessions(sl)
	res.P50, res.P99, res.Probes, err = latency(ctx, sl[0], sl[1], sb[0], res.LatencyRate, cfg.LatencyRun, out)
	return res, err
}

// latency offers rate points/s of background load to A while writing one
// probe point every 20 ms for d, measures how long each probe takes to be
// readable on B, and reports the median and 99th percentile over the
// probes to out.
func latency(ctx context.Context, load, probe, target client.Session, rate float64, d time.Duration, out io.Writer) (p50, p99 time.Duration, probes int, err error) {
	lat, err := probeLatency(ctx, d,
		func(ctx context.Context) error { return offerLoad(ctx, load, rate) },
		func(i int) error {
			return exec(probe, fmt.Sprintf("insert into root.sync.probe(time, v) values (%d, %d)", i, i))
		},
		func() (int64, error) { return countAll(target, "root.sync.probe") })
	if err != nil {
		return 0, 0, 0, err
	}
	p50, p99 = percentiles(lat)
	printLatency(out, "", rate, p50, p99, len(lat))
	return p50, p99, len(lat), nil
}

// offerLoad writes tablets of 10 devices x 10 DOUBLE x 100 rows to A at
// about rate points/s until ctx ends.
func offerLoad(ctx context.Context, s client.Session, rate float64) error {
	cfg := Config{Devices: 10, Measurements: 10, Rows: 100}
	perBatch := float64(cfg.Devices * cfg.Measurements * cfg.Rows)
	interval := time.Duration(float64(time.Second) * perBatch / rate)
	t := time.NewTicker(interval)
	defer t.Stop()
	for first := 0; ; first += cfg.Rows {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		tablets, err := makeTablets(cfg, "root.sync.load", first)
		if err != nil {
			return err
		}
		if err := insertErr(s.InsertTablets(tablets, true)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("load: %w", err)
		}
	}
}

func exec(s client.Session, sql string) error {
	st, err := s.ExecuteNonQueryStatement(sql)
	if err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	if st.GetCode() != 200 {
		return fmt.Errorf("%s: %d %s", sql, st.GetCode(), st.GetMessage())
	}
	return nil
}

// countAll sums count(*) over the series matching pattern.
func countAll(s client.Session, pattern string) (int64, error) {
	ds, err := s.ExecuteQueryStatement("select count(*) from "+pattern, nil)
	if err != nil {
		return 0, err
	}
	defer ds.Close()
	var total int64
	for {
		ok, err := ds.Next()
		if err != nil {
			return 0, err
		}
		if !ok {
			return total, nil
		}
		for i := 0; i < ds.GetColumnCount(); i++ {
			if v, err := strconv.ParseInt(ds.GetText(ds.GetColumnName(i)), 10, 64); err == nil {
				total += v
			}
		}
	}
}
