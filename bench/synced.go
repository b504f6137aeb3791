package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
)

// syncTimeout bounds how long a receiver may take to hold every point.
const syncTimeout = 10 * time.Minute

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

// waitHolds polls count(*) over pattern on s every 20 ms until it reaches
// want, and returns the last count; it gives up after syncTimeout or when
// ctx ends.
func waitHolds(ctx context.Context, s client.Session, pattern string, want int64, out io.Writer) (int64, error) {
	deadline := time.Now().Add(syncTimeout)
	for {
		got, err := countAll(s, pattern)
		if err != nil {
			return got, fmt.Errorf("count on the receiver: %w", err)
		}
		fmt.Fprintf(out, "\rreceiver holds %d of %d points", got, want)
		if got >= want {
			fmt.Fprintln(out)
			return got, nil
		}
		if time.Now().After(deadline) {
			return got, fmt.Errorf("the receiver holds %d of %d points after %s", got, want, syncTimeout)
		}
		select {
		case <-ctx.Done():
			return got, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
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
