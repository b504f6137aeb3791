package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// connect opens an official client session to s as root.
func connect(t testing.TB, s *proc.Standalone) client.Session {
	t.Helper()
	sess := client.NewSession(&client.Config{Host: "127.0.0.1", Port: strconv.Itoa(s.Port), UserName: "root", Password: "root"})
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := sess.Open(false, 5000)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("open session to %s: %v\n%s", s.Addr(), err, s.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// queryInt64 runs a query whose first row's first column is an integer.
func queryInt64(t testing.TB, sess client.Session, sql string) int64 {
	t.Helper()
	ds, err := sess.ExecuteQueryStatement(sql, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer ds.Close()
	ok, err := ds.Next()
	if err != nil || !ok {
		t.Fatalf("%s: no row (%v)", sql, err)
	}
	v, err := strconv.ParseInt(ds.GetText(ds.GetColumnName(0)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}
