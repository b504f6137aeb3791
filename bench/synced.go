package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
)

// syncTimeout bounds how long a receiver may take to hold every point.
const syncTimeout = 10 * time.Minute

// pollEvery is how often the bench counts the receiver while it waits for
// a sync to complete; with the count's own duration it bounds the tail
// lag's resolution.
const pollEvery = 5 * time.Millisecond

// sinkClause is the SINK clause of a pipe to the receiver on the
// loopback ports (several: a cluster's DataNodes, as node-urls), with the
// extra key=value attributes.
func sinkClause(ports []int, attrs []string) (string, error) {
	var clause string
	if len(ports) == 1 {
		clause = fmt.Sprintf("'sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d'", ports[0])
	} else {
		urls := make([]string, len(ports))
		for i, p := range ports {
			urls[i] = "127.0.0.1:" + strconv.Itoa(p)
		}
		clause = fmt.Sprintf("'sink'='iotdb-thrift-sink', 'sink.node-urls'='%s'", strings.Join(urls, ","))
	}
	for _, kv := range attrs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return "", fmt.Errorf("sink attribute %q is not key=value", kv)
		}
		clause += fmt.Sprintf(", '%s'='%s'", strings.ReplaceAll(k, "'", "''"), strings.ReplaceAll(v, "'", "''"))
	}
	return clause, nil
}

// waitHolds waits until count(*) over pattern on the receiver s reaches
// want (see waitCount) and returns the last count and how long it took.
func waitHolds(ctx context.Context, s client.Session, pattern string, want int64, out io.Writer) (got int64, poll time.Duration, err error) {
	got, poll, err = waitCount(ctx, "receiver holds", want, out, func() (int64, error) { return countAll(s, pattern) })
	if err != nil {
		return got, poll, fmt.Errorf("the receiver: %w", err)
	}
	return got, poll, nil
}

// waitCount polls count every pollEvery, showing it against want on a
// progress bar labelled label, until it reaches want; it returns the last
// count and how long that count took (the wait's resolution). It gives up
// after syncTimeout or when ctx ends.
func waitCount(ctx context.Context, label string, want int64, out io.Writer, count func() (int64, error)) (got int64, poll time.Duration, err error) {
	bar := newProgress(out, label, want)
	defer bar.Finish()
	deadline := time.Now().Add(syncTimeout)
	for {
		polled := time.Now()
		got, err = count()
		if err != nil {
			return got, poll, fmt.Errorf("count: %w", err)
		}
		poll = time.Since(polled)
		bar.Set(got)
		if got >= want {
			return got, poll, nil
		}
		if time.Now().After(deadline) {
			return got, poll, fmt.Errorf("holds %d of %d after %s", got, want, syncTimeout)
		}
		select {
		case <-ctx.Done():
			return got, poll, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// percentiles sorts lat and returns its median and 99th percentile.
func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// printLatency reports a latency run; who names the system ("" for Sluice).
func printLatency(out io.Writer, who string, rate float64, p50, p99 time.Duration, probes int) {
	fmt.Fprintf(out, "%send-to-end latency at %.0f points/s (half the sync throughput): p50 %s, p99 %s over %d probes\n",
		who, rate, p50.Round(time.Millisecond), p99.Round(time.Millisecond), probes)
}

// batchStarts queues the first row index of every tablet batch of cfg's
// workload, for the writers to share.
func batchStarts(cfg Config) <-chan int {
	batches := make(chan int, cfg.TotalRows/cfg.Rows+1)
	for first := 0; first < cfg.TotalRows; first += cfg.Rows {
		batches <- first
	}
	close(batches)
	return batches
}

// insertErr is the error of an InsertTablets call: its transport error
// (the status is then nil: a server killed mid-run, as by Ctrl-C) or a
// status other than success.
func insertErr(st *rpc.TSStatus, err error) error {
	if err != nil {
		return fmt.Errorf("insert tablets: %w", err)
	}
	if st.GetCode() != 200 {
		return fmt.Errorf("insert tablets: status %d: %s", st.GetCode(), st.GetMessage())
	}
	return nil
}
