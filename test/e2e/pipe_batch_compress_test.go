package e2e

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/pipe/sink"
)

// TestPipeBatchDelay: with sink.batch.max-delay-seconds=5 a lone point is
// held about five seconds before it is sent; with batching disabled it
// goes at once.
func TestPipeBatchDelay(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	ca.mustExec(
		fmt.Sprintf(`CREATE PIPE held WITH SOURCE ('source.pattern'='root.bheld')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d',
 'sink.batch.enable'='true', 'sink.batch.max-delay-seconds'='5')`, b.Port),
		fmt.Sprintf(`CREATE PIPE prompt WITH SOURCE ('source.pattern'='root.bnow')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'batch.enable'='false')`, b.Port),
	)
	// Warm up: the databases, their regions and tasks exist before the
	// points that are timed.
	warm := map[string]pipeData{}
	for _, db := range []string{"root.bheld", "root.bnow"} {
		warm[db] = ca.insertRows(db+".d.s", pipeRowsAt(0, 1))
	}
	for db, w := range warm {
		pipeWaitData(t, cb, db, w, 3*pipeDeadline)
	}

	arrival := func(prefix string, at int64) time.Duration {
		start := time.Now()
		want := mergeData(warm[prefix], ca.insertRows(prefix+".d.s", pipeRowsAt(0, at)))
		deadline := start.Add(3 * pipeDeadline)
		for time.Now().Before(deadline) {
			if pipeMissing(want, cb.dump(prefix)) == "" {
				return time.Since(start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s point at %d did not arrive within %v", prefix, at, 3*pipeDeadline)
		return 0
	}
	// one write each, timed one after the other
	now := arrival("root.bnow", 2)
	held := arrival("root.bheld", 2)
	t.Logf("a lone point arrived after %v with batch.max-delay-seconds=5, after %v with batching off", held, now)
	if held < 4*time.Second || held > 9*time.Second {
		t.Errorf("held point arrived after %v, want about 5s (4s to 9s)", held)
	}
	if now > 2*time.Second {
		t.Errorf("point with batching off arrived after %v, want under 2s", now)
	}
}

// TestPipeCompressors ships the same data through one pipe per
// sink.compressor (and one without) to the same target, and reports the
// bytes each sink put on the wire.
func TestPipeCompressors(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	// A realistic workload: 20 devices reporting every second for 500
	// seconds a temperature (a random walk with two decimals), a
	// humidity, a counter, a flag and a status text.
	const devices, rows = 20, 500
	for d := range devices {
		var vals []string
		temp, hum := 20.0+float64(d), 40.0
		for r := range rows {
			temp += math.Round((math.Sin(float64(r*7+d))*0.3)*100) / 100
			hum += math.Round((math.Cos(float64(r*3+d))*0.5)*100) / 100
			status := "ok"
			if (r+d)%97 == 0 {
				status = "calibrating"
			}
			vals = append(vals, fmt.Sprintf("(%d, %.2f, %.2f, %d, %t, '%s')",
				1_700_000_000_000+int64(r)*1000, temp, hum, r*10+d, r%50 < 45, status))
		}
		ca.mustExec(fmt.Sprintf("INSERT INTO root.cz.d%02d(time, temperature, humidity, counter, running, status) VALUES %s",
			d, strings.Join(vals, ", ")))
	}
	want := ca.dump("root.cz")
	if want.points() != devices*rows*5 {
		t.Fatalf("A holds %d points, want %d", want.points(), devices*rows*5)
	}

	lists := []string{"", "snappy", "gzip", "lz4", "zstd", "lzma2", "snappy,zstd"}
	sinkIDs := map[string]string{}
	for i, list := range lists {
		attrs := map[string]string{"sink": "iotdb-thrift-sink", "sink.ip": "127.0.0.1", "sink.port": strconv.Itoa(b.Port)}
		extra := ""
		if list != "" {
			attrs["sink.compressor"] = list
			extra = fmt.Sprintf(", 'sink.compressor'='%s'", list)
		}
		sinkIDs[list] = sink.SinkID(sink.Key(attrs))
		ca.mustExec(fmt.Sprintf(`CREATE PIPE cz%d WITH SOURCE ('source.pattern'='root.cz')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d'%s)`, i, b.Port, extra))
	}
	for i := range lists {
		pipeWaitDrained(t, ca, 3*pipeDeadline, "cz"+strconv.Itoa(i))
	}
	pipeWaitSame(t, ca, cb, "root.cz", pipeDeadline)
	for i := range lists {
		if r := ca.pipe("cz" + strconv.Itoa(i)); r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("pipe cz%d: %v", i, r)
		}
	}

	page := scrape(t, a)
	var report strings.Builder
	for _, list := range lists {
		re := regexp.MustCompile(`(?m)^sluice_pipe_sink_bytes_total\{sink="` + sinkIDs[list] + `"\} (\S+)$`)
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("compressor %q: no sluice_pipe_sink_bytes_total for sink %s", list, sinkIDs[list])
			continue
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		if n <= 0 {
			t.Errorf("compressor %q: %v bytes sent", list, n)
		}
		name := list
		if name == "" {
			name = "(none: uncompressed body)"
		}
		fmt.Fprintf(&report, "\n  %-28s %9.0f bytes, %.2f bytes/point", name, n, n/float64(want.points()))
	}
	t.Logf("bytes on the wire for %d points (%d devices x %d rows x 5 series):%s", want.points(), devices, rows, report.String())
}
