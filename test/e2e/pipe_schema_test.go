package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestPipeSchema runs a pipe whose source includes series schema from A to
// B: series created before the pipe (historical phase) and after it
// (realtime), with aliases, tags and attributes, and an ALTER TIMESERIES
// made after, reach B as A shows them. A pipe without inclusion carries
// points only, as before.
func TestPipeSchema(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)

	t.Run("with schema", func(t *testing.T) {
		ca.mustExec("CREATE DATABASE root.psch",
			"CREATE TIMESERIES root.psch.d1.hist(temperature) WITH DATATYPE=DOUBLE, ENCODING=GORILLA, COMPRESSOR=SNAPPY TAGS(unit=c) ATTRIBUTES(vendor=acme)",
			"CREATE TIMESERIES root.psch.d1.quiet WITH DATATYPE=TEXT, ENCODING=PLAIN TAGS(kind=empty)",
			"INSERT INTO root.psch.d1(time, hist) VALUES (1, 1.5), (2, 2.5)")
		ca.mustExec(fmt.Sprintf(`CREATE PIPE schp WITH SOURCE ('source.pattern'='root.psch', 'source.inclusion'='data.insert,schema') %s`,
			pipeSinkClause("iotdb-thrift-sink", b.Port)))
		ca.mustExec("CREATE TIMESERIES root.psch.d2.rt(speed) WITH DATATYPE=INT64, ENCODING=RLE, COMPRESSOR=ZSTD TAGS(site=north) ATTRIBUTES(owner=ops)",
			"INSERT INTO root.psch.d2(time, rt) VALUES (10, 5)",
			"ALTER TIMESERIES root.psch.d1.hist ADD TAGS floor=3",
			"INSERT INTO root.psch.d1(time, hist) VALUES (3, 3.5)")
		want := table(ca.mustQuery("SHOW TIMESERIES root.psch.**"))
		if len(want) != 4 || !strings.Contains(strings.Join(want, "\n"), `{"floor":"3","unit":"c"}`) {
			t.Fatalf("A shows %q", want)
		}
		pipeWaitSeries(t, cb, "root.psch", want)
		pipeWaitSame(t, ca, cb, "root.psch", pipeDeadline)
		if n := airGapMetric(t, b, `sluice_pipe_receiver_requests_total{code="200",type="schema"}`); n < 2 {
			t.Errorf("B answered %v schema requests, want one for history and more for realtime", n)
		}
		// The alias reads the series on B too.
		if got := table(cb.mustQuery("SELECT speed FROM root.psch.d2")); len(got) != 2 || got[0] != "root.psch.d2.rt" || got[1] != "5" {
			t.Errorf("SELECT by alias on B: %q", got)
		}
		if r := ca.pipe("schp"); r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("pipe: %v", r)
		}

		// Everything sent again by a new pipe (as after a failover) is
		// applied without error and changes nothing.
		ca.mustExec("DROP PIPE schp")
		ca.mustExec(fmt.Sprintf(`CREATE PIPE schp2 WITH SOURCE ('source.pattern'='root.psch', 'source.inclusion'='all') %s`,
			pipeSinkClause("iotdb-thrift-sync-sink", b.Port)))
		pipeWaitDrained(t, ca, pipeDeadline, "schp2")
		if got := table(cb.mustQuery("SHOW TIMESERIES root.psch.**")); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("after a resend B shows %q, want %q", got, want)
		}
		if r := ca.pipe("schp2"); r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("resending pipe: %v", r)
		}
	})

	t.Run("alteration of a series the target lacks", func(t *testing.T) {
		ca.mustExec("CREATE TIMESERIES root.palt.d.s(al) WITH DATATYPE=FLOAT, ENCODING=RLE TAGS(a=1)")
		ca.mustExec(fmt.Sprintf(`CREATE PIPE altp WITH SOURCE ('source.pattern'='root.palt', 'source.history.enable'='false', 'source.inclusion'='schema') %s`,
			pipeSinkClause("iotdb-thrift-sink", b.Port)))
		ca.mustExec("ALTER TIMESERIES root.palt.d.s ADD ATTRIBUTES b=2")
		pipeWaitSeries(t, cb, "root.palt", table(ca.mustQuery("SHOW TIMESERIES root.palt.**")))
	})

	t.Run("type conflict stops the pipe", func(t *testing.T) {
		cb.mustExec("CREATE TIMESERIES root.pconf.d.s WITH DATATYPE=INT32, ENCODING=RLE")
		ca.mustExec("CREATE TIMESERIES root.pconf.d.s WITH DATATYPE=DOUBLE, ENCODING=GORILLA TAGS(a=b)")
		ca.mustExec(fmt.Sprintf(`CREATE PIPE confp WITH SOURCE ('source.pattern'='root.pconf', 'source.inclusion'='schema') %s`,
			pipeSinkClause("iotdb-thrift-sink", b.Port)))
		row := pipeWaitState(t, ca, "confp", "STOPPED", pipeDeadline)
		if msg := row["ExceptionMessage"]; !strings.Contains(msg, "series root.pconf.d.s is INT32 here but DOUBLE at the sender") {
			t.Errorf("exception %q", msg)
		}
	})

	t.Run("without inclusion", func(t *testing.T) {
		ca.mustExec("CREATE DATABASE root.pnos",
			"CREATE TIMESERIES root.pnos.d.s(alias1) WITH DATATYPE=INT32, ENCODING=RLE TAGS(t=1)",
			"INSERT INTO root.pnos.d(time, s) VALUES (1, 7)")
		ca.mustExec(fmt.Sprintf(`CREATE PIPE noschp WITH SOURCE ('source.pattern'='root.pnos') %s`, pipeSinkClause("iotdb-thrift-sink", b.Port)))
		pipeWaitSame(t, ca, cb, "root.pnos", pipeDeadline)
		got := table(cb.mustQuery("SHOW TIMESERIES root.pnos.**"))
		if len(got) != 2 || !strings.HasPrefix(got[1], "root.pnos.d.s|null|root.pnos|INT32|") || !strings.Contains(got[1], "|null|null|null|null|BASE") {
			t.Errorf("B shows %q, want the series auto-created without alias or tags", got)
		}
	})

	t.Run("refused values", func(t *testing.T) {
		code, msg := ca.mustFail(fmt.Sprintf(`CREATE PIPE badp WITH SOURCE ('source.inclusion'='data.delete') %s`, pipeSinkClause("iotdb-thrift-sink", b.Port)))
		if code != 1107 || !strings.Contains(msg, "'data.delete' is not carried") {
			t.Errorf("data.delete: %d %q", code, msg)
		}
	})
}

// pipeWaitSeries waits until SHOW TIMESERIES prefix.** on c renders as want.
func pipeWaitSeries(t *testing.T, c *pipeClient, prefix string, want []string) {
	t.Helper()
	pipeWaitFor(t, pipeDeadline, "series below "+prefix, func() (bool, string) {
		res, err := c.query("SHOW TIMESERIES " + prefix + ".**")
		if err != nil {
			return false, err.Error()
		}
		got := strings.Join(table(res), "\n")
		return got == strings.Join(want, "\n"), "shown\n" + got + "\nwant\n" + strings.Join(want, "\n")
	})
}
