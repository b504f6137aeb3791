package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// TestPipeSinks runs each built-in sink from A to B. The subtests share
// the two clusters; each pipe selects its own database.
func TestPipeSinks(t *testing.T) {
	t.Parallel()
	_, b, ca, cb := startPipePair(t)

	t.Run("iotdb-thrift-sync-sink keeps write order", func(t *testing.T) {
		ca.mustExec(fmt.Sprintf(`CREATE PIPE syncp WITH SOURCE ('source.pattern'='root.sksync')
WITH SINK ('sink'='iotdb-thrift-sync-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')`, b.Port))
		// 1000 separate inserts: 100 rounds over the same 10 timestamps of
		// two series, each round with larger values.
		const rounds, stamps = 100, 10
		for r := 1; r <= rounds; r++ {
			for ts := int64(1); ts <= stamps; ts++ {
				dev := "root.sksync.d" + strconv.FormatInt(ts%2, 10)
				ca.mustExec(fmt.Sprintf("INSERT INTO %s(time, v) VALUES (%d, %d)", dev, ts, r*100+int(ts)))
			}
		}
		want := ca.dump("root.sksync")
		if want.points() != stamps {
			t.Fatalf("A holds %d points, want %d: %v", want.points(), stamps, want)
		}
		for _, m := range want {
			for ts, v := range m {
				if v != strconv.Itoa(rounds*100+int(ts)) {
					t.Fatalf("A's last value at %d is %s", ts, v)
				}
			}
		}
		pipeWaitDrained(t, ca, 30*time.Second, "syncp")
		pipeWaitSame(t, ca, cb, "root.sksync", pipeDeadline)
	})

	t.Run("iotdb-thrift-async-sink", func(t *testing.T) {
		ca.mustExec(fmt.Sprintf(`CREATE PIPE asyncp WITH SOURCE ('source.pattern'='root.skasync')
WITH SINK ('sink'='iotdb-thrift-async-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d')`, b.Port))
		want := pipeData{}
		for i := int64(0); i < 50; i++ {
			dev := fmt.Sprintf("root.skasync.d%d.s", i%5)
			want = mergeData(want, ca.insertRows(dev, pipeRowsRange(i*10, i*10+9, 7)))
		}
		pipeWaitData(t, cb, "root.skasync", want, pipeDeadline)
		pipeWaitSame(t, ca, cb, "root.skasync", pipeDeadline)
	})

	t.Run("iotdb-legacy-pipe-sink", func(t *testing.T) {
		cb.mustExec("CREATE USER legacyuser 'legacy_pw1'",
			"GRANT WRITE_DATA ON root.** TO USER legacyuser", "GRANT WRITE_SCHEMA ON root.** TO USER legacyuser")
		hist := ca.insertRows("root.sklegacy.d.s", pipeRowsRange(1, 100, 0))
		ca.mustExec(fmt.Sprintf(`CREATE PIPE legacyp WITH SOURCE ('source.pattern'='root.sklegacy')
WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%d', 'sink.user'='legacyuser', 'sink.password'='legacy_pw1')`, b.Port))
		rt := ca.insertRows("root.sklegacy.d.s", pipeRowsRange(101, 200, 0))
		rt = mergeData(rt, ca.insertRows("root.sklegacy.d2.s", pipeRowsRange(1, 10, 0)))
		pipeWaitData(t, cb, "root.sklegacy", mergeData(hist, rt), pipeDeadline)
		pipeWaitSame(t, ca, cb, "root.sklegacy", pipeDeadline)
		if r := ca.pipe("legacyp"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("legacy pipe: %v", r)
		}
	})

	t.Run("do-nothing-sink", func(t *testing.T) {
		ca.insertRows("root.sknothing.d.s", pipeRowsRange(1, 10, 0))
		ca.mustExec("CREATE PIPE nothingp WITH SOURCE ('source.pattern'='root.sknothing') WITH SINK ('sink'='do-nothing-sink')")
		if r := ca.pipe("nothingp"); r == nil || r["State"] != "RUNNING" {
			t.Fatalf("do-nothing pipe after CREATE: %v, want RUNNING", r)
		}
		ca.insertRows("root.sknothing.d.s", pipeRowsRange(11, 20, 0))
		pipeWaitDrained(t, ca, pipeDeadline, "nothingp")
		time.Sleep(time.Second)
		if r := ca.pipe("nothingp"); r == nil || r["State"] != "RUNNING" || r["ExceptionMessage"] != "" {
			t.Errorf("do-nothing pipe: %v, want RUNNING with no exception", r)
		}
		if d := cb.dump("root.sknothing"); len(d) != 0 {
			t.Errorf("B got data through a do-nothing-sink: %v", d)
		}
	})

	t.Run("node-urls with a dead first node", func(t *testing.T) {
		dead := proc.FreePort(t)
		ca.mustExec(fmt.Sprintf(`CREATE PIPE urlsp WITH SOURCE ('source.pattern'='root.skurls')
WITH SINK ('sink'='iotdb-thrift-sink', 'sink.node-urls'='127.0.0.1:%d,127.0.0.1:%d')`, dead, b.Port))
		w := ca.insertRows("root.skurls.d.s", pipeRowsRange(1, 50, 0))
		pipeWaitData(t, cb, "root.skurls", w, pipeDeadline)
		w = mergeData(w, ca.insertRows("root.skurls.d.s", pipeRowsRange(51, 100, 0)))
		pipeWaitData(t, cb, "root.skurls", w, pipeDeadline)
		if r := ca.pipe("urlsp"); r == nil || r["State"] != "RUNNING" {
			t.Errorf("node-urls pipe: %v, want RUNNING", r)
		} else if r["ExceptionMessage"] != "" && !strings.Contains(r["ExceptionMessage"], strconv.Itoa(dead)) {
			t.Errorf("node-urls pipe's exception %q does not name the dead node", r["ExceptionMessage"])
		}
	})
}
