package e2e

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/test/proc"
)

// TestBadInput sends what a server must refuse, checks the error, that
// nothing was written, and that the server keeps serving.
func TestBadInput(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)

	t.Run("malformed-sql", func(t *testing.T) {
		for _, sql := range []string{
			"selct * from root.**",
			"SELECT s FROM",
			"SELECT s FROM root.bad.d WHERE",
			"INSERT INTO root.bad.d(time, s) VALUES (1",
			"SELECT 'unterminated FROM root.bad.d",
			"CREATE TIMESERIES root.bad.d.s WITH DATATYPE=",
			"SELECT s FROM root.bad.d GROUP BY ([1, 10) 1ms)",
			"DELETE root.bad.d.s",
		} {
			st, err := nonQuery(sess, sql)
			msg := wantCode(t, sql, st, err, client.SqlParseError)
			if msg != "" && !positionRE.MatchString(msg) {
				t.Errorf("%s: parse error without a position: %q", sql, msg)
			}
			if _, err := tryQuery(t, sess, sql); err == nil || !strings.Contains(err.Error(), "700") {
				t.Errorf("ExecuteQueryStatement(%q): %v, want a 700 error", sql, err)
			}
		}
		// A parse error anywhere in the text applies nothing.
		st, err := nonQuery(sess, "INSERT INTO root.bad.ms(time, s) VALUES (1, 1); SELEC x")
		wantCode(t, "insert followed by a malformed statement", st, err, client.SqlParseError)
		if n := countOf(t, sess, "root.bad.ms.s"); n != 0 {
			t.Errorf("statement before a parse error was applied: count %d", n)
		}
	})

	t.Run("type-mismatch", func(t *testing.T) {
		st, err := sess.CreateTimeseries("root.bad.d.i", client.INT32, client.RLE, client.SNAPPY, nil, nil)
		mustOK(t, "CreateTimeseries root.bad.d.i", st, err)
		namesIt := func(what, msg string) {
			t.Helper()
			if msg != "" && !strings.Contains(msg, "root.bad.d.i") && !strings.Contains(msg, "INT32") {
				t.Errorf("%s: message %q names neither the series nor its type", what, msg)
			}
		}
		st, err = sess.InsertRecord("root.bad.d", []string{"ok", "i"}, []client.TSDataType{client.DOUBLE, client.TEXT}, []any{1.5, "text"}, 1)
		_, msg := wantFail(t, "InsertRecord TEXT into INT32", st, err)
		namesIt("InsertRecord TEXT into INT32", msg)

		st, err = nonQuery(sess, "INSERT INTO root.bad.d(time, i) VALUES (2, 'text')")
		_, msg = wantFail(t, "SQL insert of TEXT into INT32", st, err)
		namesIt("SQL insert of TEXT into INT32", msg)

		st, err = nonQuery(sess, "INSERT INTO root.bad.d(time, i) VALUES (3, 3), (4, 'four')")
		wantFail(t, "SQL insert with a bad second row", st, err)

		tb, err := client.NewTablet("root.bad.d", []*client.MeasurementSchema{{Measurement: "i", DataType: client.TEXT}}, 3)
		if err != nil {
			t.Fatal(err)
		}
		for r := range 3 {
			tb.SetTimestamp(int64(10+r), r)
			tb.SetValueAt("x", 0, r)
		}
		tb.RowSize = 3
		st, err = sess.InsertTablet(tb, true)
		wantFail(t, "InsertTablet TEXT into INT32", st, err)

		st, err = sess.InsertStringRecord("root.bad.d", []string{"i"}, []string{"not a number"}, 20)
		wantFail(t, "InsertStringRecord of 'not a number' into INT32", st, err)

		for _, series := range []string{"root.bad.d.i", "root.bad.d.ok"} {
			if n := countOf(t, sess, series); n != 0 {
				t.Errorf("refused inserts wrote %d points to %s", n, series)
			}
		}
		if got := showTimeseries(t, sess, "root.bad.d.i")["root.bad.d.i"]["DataType"]; got != "INT32" {
			t.Errorf("root.bad.d.i has type %q after refused inserts, want INT32", got)
		}
		// The series still takes proper values.
		st, err = sess.InsertRecord("root.bad.d", []string{"i"}, []client.TSDataType{client.INT32}, []any{int32(5)}, 30)
		mustOK(t, "InsertRecord INT32 into INT32", st, err)
	})

	t.Run("unknown-path", func(t *testing.T) {
		for _, sql := range []string{
			"SELECT s FROM root.nothere.d",
			"SELECT * FROM root.nothere.**",
			"SELECT LAST s FROM root.nothere.d",
			"SELECT s FROM root.nothere.d WHERE time > 0 ORDER BY TIME DESC",
			"SHOW TIMESERIES root.nothere.**",
			"SHOW DEVICES root.nothere.**",
		} {
			res, err := tryQuery(t, sess, sql)
			if err != nil {
				t.Errorf("%s: %v, want an empty result", sql, err)
				continue
			}
			if len(res.rows) != 0 {
				t.Errorf("%s: %d rows, want none", sql, len(res.rows))
			}
		}
	})

	t.Run("aligned-mismatch", func(t *testing.T) {
		st, err := sess.CreateAlignedTimeseries("root.bad.al", []string{"a", "b"}, []client.TSDataType{client.INT32, client.DOUBLE},
			[]client.TSEncoding{client.RLE, client.GORILLA}, []client.TSCompressionType{client.SNAPPY, client.SNAPPY}, nil)
		mustOK(t, "CreateAlignedTimeseries root.bad.al", st, err)
		st, err = sess.InsertRecord("root.bad.al", []string{"a"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
		wantFail(t, "non-aligned InsertRecord into an aligned device", st, err)
		tb, err := client.NewTablet("root.bad.al", []*client.MeasurementSchema{{Measurement: "a", DataType: client.INT32}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		tb.SetTimestamp(2, 0)
		tb.SetValueAt(int32(2), 0, 0)
		tb.RowSize = 1
		st, err = sess.InsertTablet(tb, true)
		wantFail(t, "non-aligned InsertTablet into an aligned device", st, err)
		st, err = nonQuery(sess, "INSERT INTO root.bad.al(time, a) VALUES (3, 3)")
		wantFail(t, "SQL insert without ALIGNED into an aligned device", st, err)
		if n := countOf(t, sess, "root.bad.al.a"); n != 0 {
			t.Errorf("refused non-aligned writes left %d points in root.bad.al.a", n)
		}
		execOK(t, sess, "INSERT INTO root.bad.al(time, a) ALIGNED VALUES (4, 4)")
		if n := countOf(t, sess, "root.bad.al.a"); n != 1 {
			t.Errorf("aligned SQL insert: count %d, want 1", n)
		}

		st, err = sess.CreateTimeseries("root.bad.na.a", client.INT32, client.RLE, client.SNAPPY, nil, nil)
		mustOK(t, "CreateTimeseries root.bad.na.a", st, err)
		st, err = sess.InsertAlignedRecord("root.bad.na", []string{"a"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
		wantFail(t, "InsertAlignedRecord into a non-aligned device", st, err)
		if n := countOf(t, sess, "root.bad.na.a"); n != 0 {
			t.Errorf("refused aligned write left %d points in root.bad.na.a", n)
		}
	})

	t.Run("other-bad-requests", func(t *testing.T) {
		st, err := nonQuery(sess, "INSERT INTO root.bad.vc(time, a, b) VALUES (1, 2)")
		wantFail(t, "SQL insert with fewer values than columns", st, err)
		if n := countOf(t, sess, "root.bad.vc.a"); n != 0 {
			t.Errorf("insert with a missing value wrote %d points", n)
		}
		st, err = sess.InsertRecord("notroot.d", []string{"a"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
		wantFail(t, "InsertRecord to a path outside root", st, err)
		st, err = sess.CreateTimeseries("root.bad.d..x", client.INT32, client.RLE, client.SNAPPY, nil, nil)
		wantFail(t, "CreateTimeseries root.bad.d..x", st, err)
		st, err = sess.SetStorageGroup("notroot.db")
		wantFail(t, "SetStorageGroup notroot.db", st, err)
		// Records whose lists disagree in length, through the raw client
		// (the official one refuses to send them).
		raw := rawRoot(t, s)
		st, err = raw.InsertStringRecordsOfOneDevice(context.Background(), &rpc.TSInsertStringRecordsOfOneDeviceReq{
			SessionId: raw.sid, PrefixPath: "root.bad.len", MeasurementsList: [][]string{{"a"}, {"a"}},
			ValuesList: [][]string{{"1"}}, Timestamps: []int64{1, 2}})
		wantFail(t, "string records with 2 timestamps and 1 value list", st, err)
		st, err = raw.InsertRecord(context.Background(), &rpc.TSInsertRecordReq{
			SessionId: raw.sid, PrefixPath: "root.bad.len", Measurements: []string{"a", "b"},
			Values: []byte{byte(client.INT32), 0, 0}, Timestamp: 1})
		wantFail(t, "InsertRecord with truncated values", st, err)
		if res := query(t, sess, "SELECT * FROM root.bad.len"); len(res.rows) != 0 {
			t.Errorf("malformed records wrote rows: %v", res.rows)
		}
	})

	t.Run("broken-connections", func(t *testing.T) {
		frame := func(n uint32, body []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, n), body...) }
		// whole is a complete, valid OpenSession frame.
		whole := func() []byte {
			buf := thrift.NewTMemoryBuffer()
			p := thrift.NewTBinaryProtocolConf(buf, nil)
			ctx := context.Background()
			user, pw := "root", "root"
			args := rpc.TSIServiceOpenSessionArgs{Req: &rpc.TSOpenSessionReq{ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: "UTC", Username: &user, Password: &pw}}
			if err := p.WriteMessageBegin(ctx, "openSession", thrift.CALL, 1); err != nil {
				t.Fatal(err)
			}
			if err := args.Write(ctx, p); err != nil {
				t.Fatal(err)
			}
			p.WriteMessageEnd(ctx)
			p.Flush(ctx)
			return frame(uint32(buf.Len()), buf.Bytes())
		}()
		// Sanity: the whole frame does open a session.
		func() {
			conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write(whole); err != nil {
				t.Fatal(err)
			}
			var hdr [4]byte
			if _, err := io.ReadFull(conn, hdr[:]); err != nil {
				t.Fatalf("no answer to a hand-made OpenSession frame: %v", err)
			}
		}()
		cases := []struct {
			name string
			data []byte
			hold bool // keep the connection open while others work
		}{
			{"half-of-declared-body", frame(1000, make([]byte, 500)), false},
			{"half-a-header", []byte{0, 0}, false},
			{"half-an-open-session", whole[:len(whole)/2], false},
			{"garbage-frame", frame(100, []byte(strings.Repeat("garbage!", 13)[:100])), false},
			{"declared-2GB", frame(0x7fffffff, make([]byte, 64)), false},
			{"negative-size", frame(0xffffffff, make([]byte, 16)), false},
			{"header-then-silence", frame(4096, make([]byte, 10)), true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Write(c.data); err != nil {
					t.Logf("write: %v", err) // the server may already have hung up
				}
				if c.hold {
					alive(t, s)
					query(t, sess, "SHOW DATABASES")
				}
				time.Sleep(20 * time.Millisecond)
				conn.Close()
				alive(t, s)
				query(t, sess, "SHOW DATABASES")
			})
		}
		t.Run("many-dropped-connections", func(t *testing.T) {
			for i := range 40 {
				conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
				if err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
				conn.Write(whole[:i%len(whole)])
				if tc, ok := conn.(*net.TCPConn); ok && i%2 == 0 {
					tc.SetLinger(0) // reset instead of a clean close
				}
				conn.Close()
			}
			alive(t, s)
		})
		t.Run("drop-mid-query", func(t *testing.T) {
			for i := range 200 {
				st, err := sess.InsertRecord("root.bad.mq", []string{"v"}, []client.TSDataType{client.INT64}, []any{int64(i)}, int64(i))
				if err != nil || st.Code != client.SuccessStatus {
					t.Fatalf("InsertRecord: %v %s", err, statusString(st))
				}
			}
			raw := rawRoot(t, s)
			fs := int32(5)
			resp, err := raw.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{
				SessionId: raw.sid, Statement: "SELECT v FROM root.bad.mq", StatementId: raw.stmtID, FetchSize: &fs})
			if err != nil {
				t.Fatal(err)
			}
			mustOK(t, "query before the drop", resp.GetStatus(), nil)
			raw.trans.Close() // no CloseOperation, no CloseSession
			alive(t, s)
			if n := countOf(t, sess, "root.bad.mq.v"); n != 200 {
				t.Errorf("count after a dropped query: %d, want 200", n)
			}
		})
	})
}

// TestOversizeRequest sends a ~4 MB tablet to a server whose frames are
// limited to 1 MB: the request fails (no hang, no crash), nothing is
// written, and the server keeps serving.
func TestOversizeRequest(t *testing.T) {
	s := proc.StartStandalone(t, "thrift_max_frame_size=1048576")
	sess := rootSession(t, s)

	bigTablet := func(device string, rows, width int) *client.Tablet {
		tb, err := client.NewTablet(device, []*client.MeasurementSchema{{Measurement: "t", DataType: client.TEXT}}, rows)
		if err != nil {
			t.Fatal(err)
		}
		val := strings.Repeat("x", width)
		for r := range rows {
			tb.SetTimestamp(int64(r), r)
			tb.SetValueAt(val, 0, r)
		}
		tb.RowSize = rows
		return tb
	}

	// Under the limit works.
	st, err := sess.InsertTablet(bigTablet("root.big.small", 500, 1000), true) // ~0.5 MB
	mustOK(t, "InsertTablet of 0.5 MB", st, err)

	type answer struct {
		st  *rpc.TSStatus
		err error
	}
	done := make(chan answer, 1)
	big := bigTablet("root.big.d", 4000, 1000) // ~4 MB
	go func() {
		st, err := sess.InsertTablet(big, true)
		done <- answer{st, err}
	}()
	select {
	case a := <-done:
		if a.err == nil && a.st != nil && a.st.Code == client.SuccessStatus {
			t.Errorf("4 MB InsertTablet over a 1 MB frame limit succeeded")
		}
		t.Logf("4 MB InsertTablet: err %v, status %s", a.err, statusString(a.st))
	case <-time.After(60 * time.Second):
		t.Fatalf("4 MB InsertTablet did not return within 60s\n%s", s.Log())
	}

	alive(t, s)
	// The session that sent it goes on working (the client reconnects
	// by itself if the server hung up).
	if _, err := tryQuery(t, sess, "SHOW DATABASES"); err != nil {
		t.Errorf("the session that sent the oversize request: %v", err)
	}
	other := rootSession(t, s)
	if n := countOf(t, other, "root.big.d.t"); n != 0 {
		t.Errorf("the refused 4 MB tablet wrote %d rows", n)
	}
	if n := countOf(t, other, "root.big.small.t"); n != 500 {
		t.Errorf("count of the 0.5 MB tablet: %d, want 500", n)
	}
	st, err = other.InsertTablet(bigTablet("root.big.after", 10, 10), true)
	mustOK(t, "InsertTablet after the oversize request", st, err)

	// A raw 4 MB frame of zeros as well.
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	payload := binary.BigEndian.AppendUint32(nil, 4<<20)
	conn.Write(payload)
	conn.Write(make([]byte, 4<<20)) // the server may hang up first
	conn.Close()
	alive(t, s)
}
