package clientrpc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestOpenCloseSession(t *testing.T) {
	e := newEnv(t)
	for _, compact := range []bool{false, true} {
		s := client.NewSession(&client.Config{Host: e.host, Port: e.port, UserName: "root", Password: "root"})
		if err := s.Open(compact, 5000); err != nil {
			t.Fatalf("open (compact=%v): %v", compact, err)
		}
		if got := metricValue(e.srv.metrics.sessions); got != 1 {
			t.Fatalf("sessions_open = %v, want 1", got)
		}
		r, err := s.SetStorageGroup("root.sg")
		wantCode(t, r, err, status.Success)
		if _, err := s.Close(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "session gauge to drop", func() bool { return metricValue(e.srv.metrics.sessions) == 0 })
	}
	wantStatements(t, e.be.take(),
		&ast.CreateDatabase{Path: path(t, "root.sg")},
		&ast.CreateDatabase{Path: path(t, "root.sg")})
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t)
	s := client.NewSession(&client.Config{Host: e.host, Port: e.port, UserName: "root", Password: "nope"})
	err := s.Open(false, 5000)
	if err == nil {
		_, _ = s.Close()
		t.Fatal("open with a wrong password succeeded")
	}
	if !strings.Contains(err.Error(), "801") || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("error %q does not report the login failure", err)
	}

	// The openSession reply itself carries the status.
	c := e.raw(t)
	user, pw := "root", "bad"
	resp, err := c.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: "UTC", Username: &user, Password: &pw})
	wantCode(t, resp.GetStatus(), err, status.WrongLoginPassword)
	if resp.SessionId != nil {
		t.Fatalf("failed login returned session id %d", *resp.SessionId)
	}
}

func TestUnknownSession(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	ctx := context.Background()
	st, err := c.SetStorageGroup(ctx, c.sid+1000, "root.sg")
	wantCode(t, st, err, status.NotLogin)
	if !strings.Contains(st.GetMessage(), "not open") {
		t.Fatalf("message %q", st.GetMessage())
	}
	resp, err := c.ExecuteQueryStatement(ctx, &rpc.TSExecuteStatementReq{SessionId: -5, Statement: "select * from root.**"})
	wantCode(t, resp.GetStatus(), err, status.NotLogin)
	if resp.QueryId == nil {
		t.Fatal("failed execute reply has no query id; the Go client would crash")
	}
	if _, err := c.RequestStatementId(ctx, 777); err == nil {
		t.Fatal("requestStatementId of an unknown session succeeded")
	}

	// A session belongs to its connection.
	other := e.raw(t)
	st, err = other.SetStorageGroup(ctx, c.sid, "root.sg")
	wantCode(t, st, err, status.NotLogin)

	// A closed session is gone.
	st, err = c.CloseSession(ctx, &rpc.TSCloseSessionReq{SessionId: c.sid})
	wantCode(t, st, err, status.Success)
	st, err = c.SetStorageGroup(ctx, c.sid, "root.sg")
	wantCode(t, st, err, status.NotLogin)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("backend ran %s", dump(got))
	}
}

func TestTimeZone(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	zone, err := s.GetTimeZone()
	if err != nil || zone != client.DefaultTimeZone {
		t.Fatalf("GetTimeZone = %q, %v; want the client's default %q", zone, err, client.DefaultTimeZone)
	}
	for _, tc := range []struct {
		id     string
		offset int
	}{
		{"+08:00", 8 * 3600},
		{"UTC", 0},
		{"Europe/Berlin", 3600}, // in January
		{"-05:30", -(5*3600 + 30*60)},
		{"GMT+2", 2 * 3600},
	} {
		r, err := s.SetTimeZone(tc.id)
		wantCode(t, r, err, status.Success)
		got, err := s.GetTimeZone()
		if err != nil || got != tc.id {
			t.Fatalf("after SetTimeZone(%q): GetTimeZone = %q, %v", tc.id, got, err)
		}
		r, err = s.SetStorageGroup("root.sg")
		wantCode(t, r, err, status.Success)
		if _, off := timeIn(e.be.lastZone()); off != tc.offset {
			t.Fatalf("zone %q: backend saw offset %d, want %d", tc.id, off, tc.offset)
		}
	}
	for _, bad := range []string{"Mars/Olympus", "+25:00", "", "08:00", "+8:0", "Local"} {
		r, err := s.SetTimeZone(bad)
		wantCode(t, r, err, status.SetTimeZoneError)
	}
}

// timeIn returns the zone name and offset of loc on 2024-01-01.
func timeIn(loc *time.Location) (string, int) {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone()
}

func TestParseZone(t *testing.T) {
	good := map[string]int{"Z": 0, "UTC": 0, "+8": 28800, "+08": 28800, "+0800": 28800, "+08:00": 28800,
		"-08:00:30": -28830, "UTC+01:00": 3600, "UT-1": -3600, "+18:00": 64800}
	for id, want := range good {
		loc, err := parseZone(id)
		if err != nil {
			t.Fatalf("parseZone(%q): %v", id, err)
		}
		if _, off := timeIn(loc); off != want {
			t.Fatalf("parseZone(%q) offset %d, want %d", id, off, want)
		}
	}
	for _, id := range []string{"", "+", "+123", "+08:0", "+08:60", "+18:01", "UTC+", "GMT+x", "Nowhere/City", "+08:00:00:00"} {
		if _, err := parseZone(id); status.CodeOf(err) != status.SetTimeZoneError {
			t.Fatalf("parseZone(%q) = %v, want SetTimeZoneError", id, err)
		}
	}
}

func TestPropertiesAndUnsupported(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	ctx := context.Background()
	props, err := c.GetProperties(ctx)
	if err != nil || props.Version != DefaultVersion || props.TimestampPrecision != "ms" {
		t.Fatalf("GetProperties = %+v, %v", props, err)
	}
	id1, err1 := c.RequestStatementId(ctx, c.sid)
	id2, err2 := c.RequestStatementId(ctx, c.sid)
	if err1 != nil || err2 != nil || id2 != id1+1 {
		t.Fatalf("statement ids %d, %d (%v, %v)", id1, id2, err1, err2)
	}
	st, err := c.CreateSchemaTemplate(ctx, &rpc.TSCreateSchemaTemplateReq{SessionId: c.sid, Name: "t1"})
	wantCode(t, st, err, status.UnsupportedOperation)
	if !strings.Contains(st.GetMessage(), "templates are not supported") {
		t.Fatalf("message %q", st.GetMessage())
	}
	st, err = c.UnsetUsingTemplate(ctx, c.sid, "t1", "root.sg")
	wantCode(t, st, err, status.UnsupportedOperation)
	qt, err := c.QuerySchemaTemplate(ctx, &rpc.TSQueryTemplateReq{SessionId: c.sid, Name: "t1"})
	wantCode(t, qt.GetStatus(), err, status.UnsupportedOperation)
	st, err = c.ExecuteOperationSync(ctx, &rpc.TSOperationSyncWriteReq{SessionId: c.sid})
	wantCode(t, st, err, status.UnsupportedOperation)
	md, err := c.FetchMetadata(ctx, &rpc.TSFetchMetadataReq{SessionId: c.sid, Type: "COLUMN"})
	wantCode(t, md.GetStatus(), err, status.UnsupportedOperation)
	// Templates still require a login.
	st, err = c.DropSchemaTemplate(ctx, &rpc.TSDropSchemaTemplateReq{SessionId: 424242, TemplateName: "t1"})
	wantCode(t, st, err, status.NotLogin)

	if got := metricValue(e.srv.metrics.requests.WithLabelValues("createSchemaTemplate", "300")); got != 1 {
		t.Fatalf("requests_total{createSchemaTemplate,300} = %v", got)
	}
}

func TestProtocolVersion(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	user, pw := "root", "root"
	resp, err := c.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V1, ZoneId: "UTC", Username: &user, Password: &pw})
	wantCode(t, resp.GetStatus(), err, incompatibleVersion)
}
