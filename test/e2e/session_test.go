package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// TestSession covers opening and closing sessions, logins that must fail,
// the session time zone, and many sessions at once.
func TestSession(t *testing.T) {
	s := proc.StartStandalone(t)

	t.Run("open-close", func(t *testing.T) {
		sess := rootSession(t, s)
		st, err := sess.SetStorageGroup("root.sess")
		mustOK(t, "SetStorageGroup", st, err)
		if _, err := sess.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		// A new session sees what the closed one did.
		again := rootSession(t, s)
		if dbs := showDatabases(t, again); !contains(dbs, "root.sess") {
			t.Errorf("SHOW DATABASES after reopen: %v, want root.sess", dbs)
		}
	})

	t.Run("closed-session-is-logged-out", func(t *testing.T) {
		raw := rawRoot(t, s)
		st, err := raw.CloseSession(context.Background(), &rpc.TSCloseSessionReq{SessionId: raw.sid})
		mustOK(t, "CloseSession", st, err)
		resp, err := raw.ExecuteStatement(context.Background(), &rpc.TSExecuteStatementReq{
			SessionId: raw.sid, Statement: "SHOW DATABASES", StatementId: raw.stmtID})
		if err != nil {
			return // dropping the connection is an acceptable answer
		}
		wantCode(t, "SHOW DATABASES after CloseSession", resp.GetStatus(), nil, client.NotLogin)
	})

	t.Run("wrong-password", func(t *testing.T) {
		raw := dialRaw(t, s)
		resp, err := raw.login("root", "s3cr3t-wrong", "UTC")
		if err != nil {
			t.Fatalf("OpenSession with a wrong password: transport error %v, want status 801", err)
		}
		msg := wantCode(t, "OpenSession(root, wrong password)", resp.GetStatus(), nil, client.WrongLoginPassword)
		if strings.Contains(msg, "s3cr3t-wrong") {
			t.Errorf("login failure message echoes the password: %q", msg)
		}
		// The same connection can log in properly afterwards.
		resp, err = raw.login("root", "root", "UTC")
		if err != nil {
			t.Fatalf("OpenSession after a failed one: %v", err)
		}
		mustOK(t, "OpenSession(root, root) after a failed login", resp.GetStatus(), nil)

		// The official client: Open does not look at the status, so either
		// Open fails or every later call does.
		checkClientLoginFails(t, s, "root", "s3cr3t-wrong")
	})

	t.Run("unknown-user", func(t *testing.T) {
		raw := dialRaw(t, s)
		resp, err := raw.login("nobody", "whatever", "UTC")
		if err != nil {
			t.Fatalf("OpenSession for an unknown user: transport error %v, want a status", err)
		}
		code, _ := wantFail(t, "OpenSession(nobody)", resp.GetStatus(), nil)
		if code != client.WrongLoginPassword && code != client.UserNotExist {
			t.Errorf("OpenSession(nobody): code %d, want 801 (IoTDB) or 804", code)
		}
		checkClientLoginFails(t, s, "nobody", "whatever")
	})

	t.Run("time-zone", func(t *testing.T) {
		sess := rootSession(t, s) // the client sends Asia/Shanghai by default
		if tz, err := sess.GetTimeZone(); err != nil || tz != client.DefaultTimeZone {
			t.Errorf("GetTimeZone: %q, %v; want %q", tz, err, client.DefaultTimeZone)
		}
		// Date-time literals are read in the session zone.
		execOK(t, sess, "INSERT INTO root.tz.d(time, s) VALUES (1970-01-01T08:00:01, 1)")
		st, err := sess.SetTimeZone("UTC")
		mustOK(t, "SetTimeZone(UTC)", st, err)
		if tz, err := sess.GetTimeZone(); err != nil || tz != "UTC" {
			t.Errorf("GetTimeZone after SetTimeZone(UTC): %q, %v", tz, err)
		}
		execOK(t, sess, "INSERT INTO root.tz.d(time, s) VALUES (1970-01-01 00:00:02, 2)")
		st, err = sess.SetTimeZone("+05:30")
		mustOK(t, "SetTimeZone(+05:30)", st, err)
		execOK(t, sess,
			"INSERT INTO root.tz.d(time, s) VALUES (1970-01-01T05:30:03.500, 3)",
			// An explicit offset wins over the session zone.
			"INSERT INTO root.tz.d(time, s) VALUES (1970-01-01T01:00:04+01:00, 4)")
		res := query(t, sess, "SELECT s FROM root.tz.d")
		if got := fmt.Sprint(res.times()); got != "[1000 2000 3500 4000]" {
			t.Errorf("times written through date-time literals: %s, want [1000 2000 3500 4000]", got)
		}
		// WHERE literals too: in +05:30, 05:30:01 .. 05:30:03 is 1000..3000.
		res = query(t, sess, "SELECT s FROM root.tz.d WHERE time >= 1970-01-01T05:30:01 AND time <= 1970-01-01T05:30:03")
		if got := fmt.Sprint(res.times()); got != "[1000 2000]" {
			t.Errorf("WHERE on date-time literals in +05:30: %s, want [1000 2000]", got)
		}
		// An unknown zone is refused and the zone stays.
		st, err = sess.SetTimeZone("Not/AZone")
		wantFail(t, "SetTimeZone(Not/AZone)", st, err)
		raw := rawRoot(t, s)
		st, err = raw.SetTimeZone(context.Background(), &rpc.TSSetTimeZoneReq{SessionId: raw.sid, TimeZone: "Asia/Tokyo"})
		mustOK(t, "raw SetTimeZone(Asia/Tokyo)", st, err)
		tzr, err := raw.GetTimeZone(context.Background(), raw.sid)
		if err != nil || tzr.TimeZone != "Asia/Tokyo" {
			t.Errorf("raw GetTimeZone: %v, %v", tzr, err)
		}
		st, err = raw.SetTimeZone(context.Background(), &rpc.TSSetTimeZoneReq{SessionId: raw.sid, TimeZone: "Not/AZone"})
		wantFail(t, "raw SetTimeZone(Not/AZone)", st, err)
		tzr, err = raw.GetTimeZone(context.Background(), raw.sid)
		if err != nil || tzr.TimeZone != "Asia/Tokyo" {
			t.Errorf("raw GetTimeZone after a refused zone: %v, %v, want Asia/Tokyo", tzr, err)
		}
		// Zones are per session.
		other := openAs(t, s, "root", "root", func(c *client.Config) { c.TimeZone = "UTC" })
		if tz, err := other.GetTimeZone(); err != nil || tz != "UTC" {
			t.Errorf("GetTimeZone of a second session opened in UTC: %q, %v", tz, err)
		}
	})

	t.Run("concurrent-sessions", func(t *testing.T) {
		const n, rows = 6, 150
		sessions := make([]*client.Session, n)
		for i := range sessions { // client.NewSession is not goroutine-safe
			sessions[i] = rootSession(t, s)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, sess := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dev := "root.conc.d" + strconv.Itoa(i)
				for batch := range 5 {
					tb, err := client.NewTablet(dev, []*client.MeasurementSchema{{Measurement: "v", DataType: client.INT64}}, rows)
					if err != nil {
						errs <- err
						return
					}
					for r := range rows {
						ts := int64(batch*rows + r)
						tb.SetTimestamp(ts, r)
						tb.SetValueAt(ts*int64(i+1), 0, r)
					}
					tb.RowSize = rows
					st, err := sess.InsertTablet(tb, true)
					if err != nil || st.GetCode() != client.SuccessStatus {
						errs <- fmt.Errorf("%s batch %d: %v %s", dev, batch, err, statusString(st))
						return
					}
					ds, err := sess.ExecuteQueryStatement("SELECT count(v) FROM "+dev, nil)
					if err != nil {
						errs <- err
						return
					}
					ok, err := ds.Next()
					got := ds.GetValue(ds.GetColumnName(0))
					ds.Close()
					if !ok || err != nil || got != int64((batch+1)*rows) {
						errs <- fmt.Errorf("%s: count %v after batch %d, want %d (%v)", dev, got, batch, (batch+1)*rows, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// The first writes into a new database, from every session at
		// once: each must be acknowledged and readable.
		for round := range 4 {
			start := make(chan struct{})
			errs := make(chan error, n)
			for i, sess := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dev := fmt.Sprintf("root.first%d.d%d", round, i)
					<-start
					st, err := sess.InsertRecord(dev, []string{"v"}, []client.TSDataType{client.INT32}, []any{int32(i)}, 1)
					if err != nil || st.GetCode() != client.SuccessStatus {
						errs <- fmt.Errorf("first write to %s, concurrent with %d others: %v %s", dev, n-1, err, statusString(st))
					}
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := queryInt64(t, *sessions[0], fmt.Sprintf("COUNT TIMESERIES root.first%d.**", round)); got != n {
				t.Errorf("round %d: %d series after concurrent first writes, want %d", round, got, n)
			}
		}

		sess := sessions[0]
		for i := range n {
			dev := "root.conc.d" + strconv.Itoa(i)
			res := query(t, sess, "SELECT sum(v) FROM "+dev)
			want := float64(i+1) * float64(5*rows*(5*rows-1)/2)
			if len(res.rows) != 1 || res.rows[0].vals[0] != want {
				t.Errorf("sum(v) of %s: %v, want %v", dev, res.rows, want)
			}
		}
	})
}

// checkClientLoginFails opens an official client session with bad
// credentials: Open must fail, or (since Open ignores the login status)
// every later call must.
func checkClientLoginFails(t *testing.T, s *proc.Standalone, user, password string) {
	t.Helper()
	sess := client.NewSession(&client.Config{Host: "127.0.0.1", Port: strconv.Itoa(s.Port), UserName: user, Password: password, ConnectRetryMax: 1})
	if err := sess.Open(false, 5000); err != nil {
		return
	}
	defer sess.Close()
	db := "root.loginfail" + strconv.Itoa(len(user)+len(password))
	st, err := sess.SetStorageGroup(db)
	if code, _ := wantFail(t, "SetStorageGroup on a session whose login failed", st, err); code != 0 && code != client.NotLogin {
		t.Errorf("SetStorageGroup on a session whose login failed: code %d, want 802 (not logged in)", code)
	}
	if _, err := tryQuery(t, &sess, "SHOW DATABASES"); err == nil {
		t.Errorf("SHOW DATABASES on a session whose login failed succeeded")
	}
	root := rootSession(t, s)
	if dbs := showDatabases(t, root); contains(dbs, db) {
		t.Errorf("a session whose login failed created database %s", db)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
