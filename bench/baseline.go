package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresResult holds the figures of the PostgreSQL baseline, measured as
// the pipe's are.
type PostgresResult struct {
	Rows, Points   int64
	IngestDuration time.Duration // first write on A until A committed the last
	SyncDuration   time.Duration // first write on A until B shows every row
	TailLag        time.Duration // last commit on A until B shows every row
	LatencyRate    float64       // points/s offered during the latency run
	P50, P99       time.Duration // commit-to-visible latency of probe rows
	// WireToB and WireFromB are the bytes A's WAL sender sent to B's
	// subscription and received from it during the sync.
	WireToB, WireFromB int64
	// Probes is how many probes the latency percentiles are over.
	Probes int
}

// PostgresOptions set up the PostgreSQL baseline.
type PostgresOptions struct {
	// BinDir holds initdb, pg_ctl and postgres (see FindPostgres).
	BinDir string
	// Stream is how the subscription receives rows from A's WAL sender:
	// StreamBinary (the default when empty) or StreamText.
	Stream string
}

// The subscription's formats: PostgreSQL 14+ sends column values in
// their binary send/receive form with binary = true, in text otherwise.
// Binary is the default: on this workload (double precision columns) it
// is PostgreSQL at its best, fewer bytes on the wire and less parsing on
// B (docs/benchmarks.md has the figures).
const (
	StreamBinary = "binary"
	StreamText   = "text"
)

// ParseStream checks a subscription format name; empty is StreamBinary.
func ParseStream(s string) (string, error) {
	switch s {
	case "", StreamBinary:
		return StreamBinary, nil
	case StreamText:
		return StreamText, nil
	}
	return "", fmt.Errorf("unknown PostgreSQL stream format %q: want binary or text", s)
}

// RunPostgres measures PostgreSQL 15 logical replication on the workload
// of cfg: two instances on loopback (binaries in binDir, see
// FindPostgres), pinned as cfg.Procs.Pin places Sluice's A and B (A and
// this process's client on the sender cores, B on the receiver cores),
// one wide table bench (device text, time timestamptz,
// s0..sN double precision, primary key (device, time)) on both, a
// publication on A and a subscription on B that dials A through a
// counting relay, streaming in pg.Stream's format, all created before
// the clock starts. Each tablet batch
// of the Sluice workload (every device, cfg.Rows rows, the same values) is
// one transaction of one COPY into A. Everything is stopped and removed
// on return, error and cancellation included.
func RunPostgres(ctx context.Context, cfg Config, pg PostgresOptions, out io.Writer) (res PostgresResult, err error) {
	defer func() {
		// pgx reports a cancelled call as the connection it closed.
		if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w: %v", ctx.Err(), err)
		}
	}()
	stream, err := ParseStream(pg.Stream)
	if err != nil {
		return res, err
	}
	var senderCPUs, receiverCPUs []int
	if pin := cfg.Procs.Pin; pin != nil {
		senderCPUs, receiverCPUs = pin.Sender, pin.Receiver
	}
	a, err := startPostgres(ctx, pg.BinDir, senderCPUs, "wal_level=logical")
	if err != nil {
		return res, fmt.Errorf("start PostgreSQL A: %w", err)
	}
	defer a.stop()
	b, err := startPostgres(ctx, pg.BinDir, receiverCPUs)
	if err != nil {
		return res, fmt.Errorf("start PostgreSQL B: %w", err)
	}
	defer b.stop()
	relay, err := StartRelay(fmt.Sprintf("127.0.0.1:%d", a.port))
	if err != nil {
		return res, err
	}
	defer relay.Close()
	if senderCPUs != nil {
		unpin, err := pinSelf(senderCPUs)
		if err != nil {
			return res, err
		}
		defer unpin()
	}

	ca, err := connectPG(ctx, a.connString(), cfg.Workers+2)
	if err != nil {
		return res, fmt.Errorf("PostgreSQL A: %w", err)
	}
	defer closePG(ca)
	cb, err := connectPG(ctx, b.connString(), 1)
	if err != nil {
		return res, fmt.Errorf("PostgreSQL B: %w", err)
	}
	defer closePG(cb)
	fmt.Fprintf(out, "PostgreSQL baseline: %d devices x %d double precision columns (%s values), %d rows per transaction, %d rows (%d points), %d sessions, %s stream\n",
		cfg.Devices, cfg.Measurements, cfg.Values, cfg.Devices*cfg.Rows, cfg.Devices*cfg.TotalRows, cfg.Devices*cfg.Measurements*cfg.TotalRows, cfg.Workers, stream)
	if pin := cfg.Procs.Pin; pin != nil {
		fmt.Fprintf(out, "pinned: A and the client on core(s) %s, B on core(s) %s\n", formatCPUList(pin.Sender), formatCPUList(pin.Receiver))
	}
	ddl := createTableSQL(cfg.Measurements)
	for _, c := range []*pgx.Conn{ca[0], cb[0]} {
		if _, err := c.Exec(ctx, ddl); err != nil {
			return res, fmt.Errorf("create table: %w", err)
		}
	}
	if _, err := ca[0].Exec(ctx, "CREATE PUBLICATION bench FOR TABLE bench"); err != nil {
		return res, fmt.Errorf("create publication: %w", err)
	}
	// The table is empty: no initial copy, the subscription starts
	// streaming at once.
	sub := fmt.Sprintf("CREATE SUBSCRIPTION bench CONNECTION '%s' PUBLICATION bench WITH (copy_data = false, binary = %t)",
		connString(relay.Port()), stream == StreamBinary)
	if _, err := cb[0].Exec(ctx, sub); err != nil {
		return res, fmt.Errorf("create subscription: %w", err)
	}
	// B's catalog says how the subscription streams, not the request.
	var binary bool
	if err := cb[0].QueryRow(ctx, "SELECT subbinary FROM pg_subscription WHERE subname = 'bench'").Scan(&binary); err != nil {
		return res, fmt.Errorf("read the subscription: %w", err)
	}
	fmt.Fprintf(out, "PostgreSQL subscription: binary = %t\n", binary)
	if err := awaitSubscription(ctx, ca[0]); err != nil {
		return res, err
	}

	fromB0, toB0 := relay.Bytes()
	start := time.Now()
	lastRows, err := copyWorkload(ctx, cfg, ca[:cfg.Workers], out)
	if err != nil {
		return res, err
	}
	res.IngestDuration = time.Since(start)
	res.Rows = int64(cfg.Devices * cfg.TotalRows)
	res.Points = res.Rows * int64(cfg.Measurements)
	// B applies each of A's transactions in one transaction of its own:
	// once the last row of every batch shows on B, every row does.
	devices, times := lastRows()
	_, _, err = waitCount(ctx, "PostgreSQL B holds (batches)", int64(len(devices)), out, func() (int64, error) {
		var got int64
		err := cb[0].QueryRow(ctx, `SELECT count(*) FROM bench b JOIN unnest($1::text[], $2::timestamptz[]) AS k(device, time)
			ON b.device = k.device AND b.time = k.time`, devices, times).Scan(&got)
		return got, err
	})
	if err != nil {
		return res, fmt.Errorf("PostgreSQL B: %w", err)
	}
	res.SyncDuration = time.Since(start)
	res.TailLag = res.SyncDuration - res.IngestDuration
	// B's subscription is the relay's client: what goes to B is what
	// the relay carries back to its client.
	fromB, toB := relay.Bytes()
	res.WireToB, res.WireFromB = toB-toB0, fromB-fromB0
	var rows int64
	if err := cb[0].QueryRow(ctx, "SELECT count(*) FROM bench").Scan(&rows); err != nil {
		return res, fmt.Errorf("count B: %w", err)
	}
	if rows != res.Rows {
		return res, fmt.Errorf("PostgreSQL B holds %d rows, %d were written", rows, res.Rows)
	}
	fmt.Fprintf(out, "PostgreSQL sync A -> B: %d points in %.2fs = %.0f points/s, tail lag %.3fs\n", res.Points, res.SyncDuration.Seconds(),
		float64(res.Points)/res.SyncDuration.Seconds(), res.TailLag.Seconds())
	fmt.Fprintf(out, "PostgreSQL on the wire: %.2f bytes/point to B, %.2f bytes/point back\n",
		float64(res.WireToB)/float64(res.Points), float64(res.WireFromB)/float64(res.Points))

	res.LatencyRate = float64(res.Points) / res.SyncDuration.Seconds() / 2
	load, probe := ca[cfg.Workers], ca[cfg.Workers+1]
	probeSQL := "INSERT INTO bench (device, time) VALUES ('probe', $1)"
	lat, err := probeLatency(ctx, cfg.LatencyRun,
		func(lctx context.Context) error { return pgLoad(lctx, load, cfg, res.LatencyRate) },
		func(i int) error {
			_, err := probe.Exec(ctx, probeSQL, time.UnixMilli(int64(i)))
			return err
		},
		func() (int64, error) {
			var n int64
			err := cb[0].QueryRow(ctx, "SELECT count(*) FROM bench WHERE device = 'probe'").Scan(&n)
			return n, err
		})
	if err != nil {
		return res, fmt.Errorf("PostgreSQL latency: %w", err)
	}
	res.P50, res.P99 = percentiles(lat)
	res.Probes = len(lat)
	printLatency(out, "PostgreSQL ", res.LatencyRate, res.P50, res.P99, res.Probes)
	return res, nil
}

// createTableSQL is the baseline's wide table: one row per device and
// timestamp, one column per measurement.
func createTableSQL(measurements int) string {
	var sb strings.Builder
	sb.WriteString(`CREATE TABLE bench (device text NOT NULL, "time" timestamptz NOT NULL`)
	for m := range measurements {
		sb.WriteString(", s" + strconv.Itoa(m) + " double precision")
	}
	sb.WriteString(`, PRIMARY KEY (device, "time"))`)
	return sb.String()
}

// columns are the COPY columns of the wide table.
func columns(measurements int) []string {
	cols := []string{"device", "time"}
	for m := range measurements {
		cols = append(cols, "s"+strconv.Itoa(m))
	}
	return cols
}

// awaitSubscription waits until A streams to the subscription's slot.
func awaitSubscription(ctx context.Context, a *pgx.Conn) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var active bool
		err := a.QueryRow(ctx, "SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = 'bench'").Scan(&active)
		if err != nil {
			return fmt.Errorf("await the subscription: %w", err)
		}
		if active {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL B's subscription did not start streaming from A within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// copyWorkload COPYs the workload into A, one transaction per batch, the
// batches shared among the connections. lastRows then names the last row
// of every batch.
func copyWorkload(ctx context.Context, cfg Config, conns []*pgx.Conn, out io.Writer) (lastRows func() ([]string, []time.Time), err error) {
	batches := batchStarts(cfg)
	bar := newProgress(out, "COPY into PostgreSQL A", int64(cfg.Devices*cfg.Measurements*cfg.TotalRows))
	cols := columns(cfg.Measurements)
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	var mu sync.Mutex
	var devices []string
	var times []time.Time
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range batches {
				rows := wideRows(cfg, "d", first, cfg.Rows)
				err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
					_, err := tx.CopyFrom(ctx, pgx.Identifier{"bench"}, cols, pgx.CopyFromRows(rows))
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("COPY into PostgreSQL A: %w", err)
					return
				}
				last := rows[len(rows)-1]
				mu.Lock()
				devices = append(devices, last[0].(string))
				times = append(times, last[1].(time.Time))
				mu.Unlock()
				bar.Add(int64(len(rows) * cfg.Measurements))
			}
		}()
	}
	wg.Wait()
	bar.Finish()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return func() ([]string, []time.Time) { return devices, times }, nil
}

// wideRows are the rows of one batch: for every device (named prefix0,
// prefix1, ...), n rows from row index first, with the values and
// timestamps the Sluice workload's tablets carry.
func wideRows(cfg Config, prefix string, first, n int) [][]any {
	rows := make([][]any, 0, cfg.Devices*n)
	values := make([]float64, n)
	for d := range cfg.Devices {
		device := prefix + strconv.Itoa(d)
		block := make([][]any, n)
		for r := range block {
			block[r] = make([]any, 2+cfg.Measurements)
			block[r][0] = device
			block[r][1] = time.UnixMilli(int64(first+r) * 1000).UTC()
		}
		for m := range cfg.Measurements {
			cfg.Values.fill(values, d, m, first)
			for r, v := range values {
				block[r][2+m] = v
			}
		}
		rows = append(rows, block...)
	}
	return rows
}

// pgLoad COPYs batches of 10 devices x 100 rows into A at about rate
// points/s until ctx ends, as offerLoad does for Sluice.
func pgLoad(ctx context.Context, c *pgx.Conn, cfg Config, rate float64) error {
	lc := Config{Devices: 10, Measurements: cfg.Measurements, Rows: 100, Values: cfg.Values}
	interval := time.Duration(float64(time.Second) * float64(lc.Devices*lc.Measurements*lc.Rows) / rate)
	t := time.NewTicker(interval)
	defer t.Stop()
	cols := columns(lc.Measurements)
	for first := 0; ; first += lc.Rows {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rows := wideRows(lc, "load", first, lc.Rows)
		if _, err := c.CopyFrom(ctx, pgx.Identifier{"bench"}, cols, pgx.CopyFromRows(rows)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("load: %w", err)
		}
	}
}

func connectPG(ctx context.Context, conn string, n int) ([]*pgx.Conn, error) {
	conns := make([]*pgx.Conn, 0, n)
	for range n {
		c, err := pgx.Connect(ctx, conn)
		if err != nil {
			closePG(conns)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func closePG(conns []*pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range conns {
		c.Close(ctx)
	}
}
