package e2e

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeProcessors runs each sampling processor on a real pair of
// servers: data written before the pipe (its historical phase) and after
// it (realtime, with rows of several measurements) reach the receiver
// sampled, and the receiver holds exactly the points worked out by hand
// from IoTDB's rules (pipe/processor's tests carry the arithmetic). The
// realtime points are written once the historical ones have arrived, so
// they meet the state the historical phase left.
func TestPipeProcessors(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)
	sink := pipeSinkClause("iotdb-thrift-sink", b.Port)

	_, rows := ca.pipeRows("SHOW PIPEPLUGINS")
	listed := map[string]string{}
	for _, r := range rows {
		listed[r["PluginName"]] = r["ClassName"]
	}
	for name, class := range map[string]string{
		"TUMBLING-TIME-SAMPLING-PROCESSOR":  "TumblingTimeSamplingProcessor",
		"SDT-SAMPLING-PROCESSOR":            "SwingingDoorTrendingSamplingProcessor",
		"CHANGING-VALUE-SAMPLING-PROCESSOR": "ChangingValueSamplingProcessor",
	} {
		if !strings.HasSuffix(listed[name], ".processor.downsampling."+class) {
			t.Errorf("SHOW PIPEPLUGINS: %s has class %q, want IoTDB's ...processor.downsampling.%s", name, listed[name], class)
		}
	}

	cases := []struct {
		name, db, processor string
		history, realtime   []string
		wantHistory, want   pipeData
	}{
		{
			// IoTDB's own example (1 s over points every 500 ms) for
			// the history; then w starts its own sampling, and a point
			// written late (1900) is 3.2 s from the last kept one, so
			// it passes, and the next is measured from it.
			name: "tumbling", db: "root.tt",
			processor: "'processor'='tumbling-time-sampling-processor', 'processor.tumbling-time.interval-seconds'='1'",
			history: []string{
				"CREATE TIMESERIES root.tt.d.v WITH DATATYPE=DOUBLE",
				"CREATE TIMESERIES root.tt.d.w WITH DATATYPE=INT64",
				"INSERT INTO root.tt.d(time, v) VALUES (1000, 1), (1500, 2), (2000, 3), (2500, 4), (3000, 5)",
			},
			realtime: []string{
				"INSERT INTO root.tt.d(time, v, w) VALUES (3500, 6, 1), (4000, 7, 2)",
				"INSERT INTO root.tt.d(time, v) VALUES (4200, 8), (5100, 9)",
				"INSERT INTO root.tt.d(time, w) VALUES (4600, 3)",
				"INSERT INTO root.tt.d(time, v) VALUES (1900, 10)",
				"INSERT INTO root.tt.d(time, v) VALUES (2800, 11), (5500, 12)",
			},
			wantHistory: pipeData{"root.tt.d.v": {1000: "1", 2000: "3", 3000: "5"}},
			want: pipeData{
				"root.tt.d.v": {1000: "1", 2000: "3", 3000: "5", 4000: "7", 5100: "9", 1900: "10", 5500: "12"},
				"root.tt.d.w": {3500: "1", 4600: "3"},
			},
		},
		{
			// v: pivot 0; t4 crosses the doors (pivot 3); t7 crosses
			// them again (pivot 6), t8 too. s: only changes pass.
			name: "sdt", db: "root.sdt",
			processor: "'processor'='sdt-sampling-processor', 'sdt.compression-deviation'='1'",
			history: []string{
				"CREATE TIMESERIES root.sdt.d.v WITH DATATYPE=DOUBLE",
				"CREATE TIMESERIES root.sdt.d.s WITH DATATYPE=TEXT",
				"INSERT INTO root.sdt.d(time, v) VALUES (0, 0), (1, 0.5), (2, 1), (3, 3), (4, 6)",
				"INSERT INTO root.sdt.d(time, s) VALUES (0, 'a'), (1, 'a'), (2, 'b')",
			},
			realtime: []string{
				"INSERT INTO root.sdt.d(time, v) VALUES (5, 7), (6, 7.5)",
				"INSERT INTO root.sdt.d(time, v, s) VALUES (7, 7, 'b'), (8, 7, 'a')",
			},
			wantHistory: pipeData{"root.sdt.d.v": {0: "0", 4: "6"}, "root.sdt.d.s": {0: "a", 2: "b"}},
			want: pipeData{
				"root.sdt.d.v": {0: "0", 4: "6", 7: "7", 8: "7"},
				"root.sdt.d.s": {0: "a", 2: "b", 8: "a"},
			},
		},
		{
			// v: changes above 1 pass, and a point 5 ms or more after
			// the last passed one (t10) passes whatever its value. b:
			// changes pass, and t10 by the interval.
			name: "changing-value", db: "root.cv",
			processor: "'processor'='changing-value-sampling-processor', 'processor.changing-value.compression-deviation'='1', " +
				"'changing-value.max-time-interval'='5'",
			history: []string{
				"CREATE TIMESERIES root.cv.d.v WITH DATATYPE=DOUBLE",
				"CREATE TIMESERIES root.cv.d.b WITH DATATYPE=BOOLEAN",
				"INSERT INTO root.cv.d(time, v) VALUES (0, 0), (1, 0.5), (2, 1), (3, 1.01), (4, 0.02), (5, 0)",
				"INSERT INTO root.cv.d(time, b) VALUES (0, true), (1, true), (2, false), (3, false)",
			},
			realtime: []string{
				"INSERT INTO root.cv.d(time, v, b) VALUES (6, 0.5, false), (10, 0.1, false), (11, 2, true), (12, 2, true)",
			},
			wantHistory: pipeData{"root.cv.d.v": {0: "0", 3: "1.01", 5: "0"}, "root.cv.d.b": {0: "true", 2: "false"}},
			want: pipeData{
				"root.cv.d.v": {0: "0", 3: "1.01", 5: "0", 10: "0.1", 11: "2"},
				"root.cv.d.b": {0: "true", 2: "false", 10: "false", 11: "true"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pipeName := "sample_" + strings.ReplaceAll(c.name, "-", "_")
			ca.mustExec(c.history...)
			ca.mustExec(fmt.Sprintf("CREATE PIPE %s WITH SOURCE ('source.pattern'='%s') WITH PROCESSOR (%s) %s",
				pipeName, c.db, c.processor, sink))
			if r := ca.pipe(pipeName); r == nil || !strings.Contains(r["PipeProcessor"], "-sampling-processor") {
				t.Errorf("SHOW PIPES row %v, want the processor's attributes", r)
			}
			pipeWaitData(t, cb, c.db, c.wantHistory, pipeDeadline)
			ca.mustExec(c.realtime...)
			pipeWaitData(t, cb, c.db, c.want, pipeDeadline)
			pipeWaitDrained(t, ca, pipeDeadline, pipeName)
			if d := pipeDiff(c.want, cb.dump(c.db)); d != "" {
				t.Errorf("receiver holds other points than sampled: %s", d)
			}
		})
	}
}

// TestPipeProcessorBytes measures what each processor saves on a noisy
// signal: 100,000 points of one DOUBLE series, 10 per second (a sine of
// amplitude 10 and period 10 minutes plus Gaussian noise of 0.1), sent
// once per processor setting to one receiver, whose
// sluice_pipe_receiver_bytes_total and _points_total tell what arrived.
// It logs the table docs/pipes.md shows. Set SLUICE_PIPE_BYTES=1 to run
// it.
func TestPipeProcessorBytes(t *testing.T) {
	if os.Getenv("SLUICE_PIPE_BYTES") == "" {
		t.Skip("a measurement: set SLUICE_PIPE_BYTES=1 to run it")
	}
	_, b, ca, _ := startPipePair(t)
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	ca.mustExec("CREATE TIMESERIES root.noisy.d.v WITH DATATYPE=DOUBLE")
	for lo := 0; lo < n; lo += 2000 {
		var vals []string
		for i := lo; i < lo+2000; i++ {
			ts := int64(i) * 100
			v := 10*math.Sin(2*math.Pi*float64(ts)/600_000) + 0.1*r.NormFloat64()
			vals = append(vals, fmt.Sprintf("(%d, %s)", ts, strconv.FormatFloat(v, 'g', -1, 64)))
		}
		ca.mustExec("INSERT INTO root.noisy.d(time, v) VALUES " + strings.Join(vals, ", "))
	}
	settings := []struct{ name, processor string }{
		{"do-nothing-processor", "'processor'='do-nothing-processor'"},
		{"tumbling-time, interval 1 s", "'processor'='tumbling-time-sampling-processor', 'tumbling-time.interval-seconds'='1'"},
		{"tumbling-time, interval 60 s (default)", "'processor'='tumbling-time-sampling-processor'"},
		{"sdt, deviation 0 (default)", "'processor'='sdt-sampling-processor'"},
		{"sdt, deviation 0.1", "'processor'='sdt-sampling-processor', 'sdt.compression-deviation'='0.1'"},
		{"sdt, deviation 0.5", "'processor'='sdt-sampling-processor', 'sdt.compression-deviation'='0.5'"},
		{"sdt, deviation 0.5, max 10 s", "'processor'='sdt-sampling-processor', 'sdt.compression-deviation'='0.5', 'sdt.max-time-interval'='10000'"},
		{"changing-value, deviation 0 (default)", "'processor'='changing-value-sampling-processor'"},
		{"changing-value, deviation 0.1", "'processor'='changing-value-sampling-processor', 'changing-value.compression-deviation'='0.1'"},
		{"changing-value, deviation 0.5", "'processor'='changing-value-sampling-processor', 'changing-value.compression-deviation'='0.5'"},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| processor | points sent | bytes received | bytes/point | of do-nothing |\n|---|---|---|---|---|\n")
	var base float64
	for i, s := range settings {
		bytes0, points0 := receiverCounters(t, b)
		name := fmt.Sprintf("bytes%d", i)
		ca.mustExec(fmt.Sprintf("CREATE PIPE %s WITH SOURCE ('source.pattern'='root.noisy') WITH PROCESSOR (%s) %s",
			name, s.processor, pipeSinkClause("iotdb-thrift-sink", b.Port)))
		pipeWaitDrained(t, ca, 2*time.Minute, name)
		// The frontier is committed after the acknowledgement: the
		// counters are final once they stop moving.
		var bytes, points float64
		pipeWaitFor(t, 30*time.Second, "receiver counters settle", func() (bool, string) {
			b1, p1 := receiverCounters(t, b)
			time.Sleep(500 * time.Millisecond)
			b2, p2 := receiverCounters(t, b)
			bytes, points = b2-bytes0, p2-points0
			return b1 == b2 && p1 == p2 && points > 0, fmt.Sprintf("%v bytes, %v points", bytes, points)
		})
		ca.mustExec("DROP PIPE " + name)
		if i == 0 {
			base = bytes
			if points != n {
				t.Fatalf("do-nothing-processor sent %v points, want %d", points, n)
			}
		}
		fmt.Fprintf(&table, "| %s | %.0f | %.0f | %.2f | %.1f%% |\n", s.name, points, bytes, bytes/points, 100*bytes/base)
	}
	t.Log(table.String())
}

var receiverCounter = regexp.MustCompile(`(?m)^sluice_pipe_receiver_(bytes|points)_total ([0-9.e+]+)$`)

// receiverCounters reads a server's received pipe bytes and points.
func receiverCounters(t *testing.T, s *proc.Standalone) (bytes, points float64) {
	t.Helper()
	page := scrape(t, s)
	for _, mm := range receiverCounter.FindAllStringSubmatch(page, -1) {
		v, err := strconv.ParseFloat(mm[2], 64)
		if err != nil {
			t.Fatalf("metric %q: %v", mm[0], err)
		}
		if mm[1] == "bytes" {
			bytes = v
		} else {
			points = v
		}
	}
	return bytes, points
}
