package e2e

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// TestSigtermRestart writes data of every type, schema, deletions, a TTL
// and a user, stops the server with SIGTERM (exit 0), starts it again on
// the same data dir and checks that everything is back, twice.
func TestSigtermRestart(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)

	st, err := sess.SetStorageGroup("root.rs")
	mustOK(t, "SetStorageGroup root.rs", st, err)
	st, err = sess.SetStorageGroup("root.rs2")
	mustOK(t, "SetStorageGroup root.rs2", st, err)
	st, err = sess.CreateTimeseries("root.rs.enc.x", client.INT64, client.TS_2DIFF, client.ZSTD, nil, nil)
	mustOK(t, "CreateTimeseries root.rs.enc.x", st, err)
	st, err = sess.CreateAlignedTimeseries("root.rs.al", []string{"a", "b"}, []client.TSDataType{client.FLOAT, client.TEXT},
		[]client.TSEncoding{client.GORILLA, client.PLAIN}, []client.TSCompressionType{client.LZ4, client.SNAPPY}, []string{"alias_a", "alias_b"})
	mustOK(t, "CreateAlignedTimeseries root.rs.al", st, err)

	tb, _ := sixTablet(t, "root.rs.d1", 333, func(i int) int64 { return int64(i) * 3 }, true)
	st, err = sess.InsertTablet(tb, true)
	mustOK(t, "InsertTablet root.rs.d1", st, err)
	atb, _ := sixTablet(t, "root.rs.d2", 250, func(i int) int64 { return int64(i) - 100 }, true)
	st, err = sess.InsertAlignedTablet(atb, true)
	mustOK(t, "InsertAlignedTablet root.rs.d2", st, err)
	for i := range 20 {
		ms, types, vals, _ := sixRecord(i, true)
		st, err = sess.InsertRecord("root.rs2.d", ms, types, vals, int64(1_700_000_000_000+i))
		mustOK(t, "InsertRecord root.rs2.d", st, err)
	}
	// Part of the data in flushed chunks, the rest only in the logs.
	execOK(t, sess, "FLUSH")
	execOK(t, sess,
		"INSERT INTO root.rs.enc(time, x) VALUES (1, 10), (2, 20), (3, 30)",
		"INSERT INTO root.rs.al(time, a, b) ALIGNED VALUES (5, 1.5, 'five')",
		"DELETE FROM root.rs.d1.i32 WHERE time < 300",
		"SET TTL TO root.rs2 3153600000000",
		"CREATE USER rsuser 'rs-pass-1'",
		"GRANT READ_DATA ON root.rs.** TO USER rsuser")
	st, err = sess.DeleteData([]string{"root.rs.d2.t"}, -50, 0)
	mustOK(t, "DeleteData root.rs.d2.t", st, err)
	st, err = sess.CreateTimeseries("root.rs.gone.x", client.INT32, client.RLE, client.SNAPPY, nil, nil)
	mustOK(t, "CreateTimeseries root.rs.gone.x", st, err)
	st, err = sess.DeleteTimeseries([]string{"root.rs.gone.x"})
	mustOK(t, "DeleteTimeseries root.rs.gone.x", st, err)

	// snapshot is everything the test compares across restarts.
	queries := []string{
		"SELECT * FROM root.rs.d1",
		"SELECT * FROM root.rs.d2",
		"SELECT * FROM root.rs2.d",
		"SELECT * FROM root.rs.enc",
		"SELECT * FROM root.rs.al",
		"SELECT count(*) FROM root.rs.**",
		"SELECT LAST * FROM root.rs.**",
		"SHOW TIMESERIES root.**",
		"SHOW DEVICES root.**",
		"SHOW DATABASES",
		"LIST USER",
		"LIST PRIVILEGES OF USER rsuser",
	}
	snapshot := func(sess *client.Session) map[string]*result {
		t.Helper()
		out := map[string]*result{}
		for _, q := range queries {
			out[q] = query(t, sess, q)
		}
		return out
	}
	before := snapshot(sess)
	if n := len(before["SELECT * FROM root.rs.d1"].rows); n != 333 {
		t.Fatalf("before restart: %d rows in root.rs.d1, want 333", n)
	}
	if _, ok := showTimeseries(t, sess, "root.rs.gone.**")["root.rs.gone.x"]; ok {
		t.Fatalf("deleted series root.rs.gone.x still listed before restart")
	}

	compare := func(round string, after map[string]*result) {
		t.Helper()
		for _, q := range queries {
			b, a := before[q], after[q]
			if !reflect.DeepEqual(b.cols, a.cols) || !reflect.DeepEqual(b.types, a.types) {
				t.Errorf("%s: %s columns %q %v, before %q %v", round, q, a.cols, a.types, b.cols, b.types)
				continue
			}
			if len(a.rows) != len(b.rows) {
				t.Errorf("%s: %s has %d rows, before %d", round, q, len(a.rows), len(b.rows))
				continue
			}
			bad := 0
			for i := range a.rows {
				if !reflect.DeepEqual(a.rows[i], b.rows[i]) {
					t.Errorf("%s: %s row %d: %v, before %v", round, q, i, a.rows[i], b.rows[i])
					if bad++; bad > 5 {
						break
					}
				}
			}
		}
	}

	for round := 1; round <= 2; round++ {
		name := fmt.Sprintf("restart %d", round)
		s.Stop() // fails the test unless the exit status is 0
		s.Start()
		sess = rootSession(t, s)
		after := snapshot(sess)
		compare(name, after)
		// The user and its grant survive.
		user := openAs(t, s, "rsuser", "rs-pass-1", nil)
		if res := query(t, user, "SELECT x FROM root.rs.enc"); len(res.rows) != 3+round-1 {
			t.Errorf("%s: rsuser reads %d rows of root.rs.enc, want %d", name, len(res.rows), 3+round-1)
		}
		// Writes go on after the restart and survive the next one.
		st, err := sess.InsertRecord("root.rs.enc", []string{"x"}, []client.TSDataType{client.INT64}, []any{int64(round * 100)}, int64(100+round))
		mustOK(t, name+": InsertRecord", st, err)
		before["SELECT * FROM root.rs.enc"] = query(t, sess, "SELECT * FROM root.rs.enc")
		before["SELECT count(*) FROM root.rs.**"] = query(t, sess, "SELECT count(*) FROM root.rs.**")
		before["SELECT LAST * FROM root.rs.**"] = query(t, sess, "SELECT LAST * FROM root.rs.**")
		if n := len(before["SELECT * FROM root.rs.enc"].rows); n != 3+round {
			t.Errorf("%s: root.rs.enc has %d rows after a new write, want %d", name, n, 3+round)
		}
	}
	s.Stop()
}
