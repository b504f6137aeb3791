package e2e

import (
	"context"
	"fmt"
	"math"
	"net"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/test/validator"
)

// Helpers shared by the session, query, schema, auth and bad-input tests.
// They drive the server with the official client.Session and check every
// status the client hands back, since the client itself often does not.

// openAs opens an official client session to s with the given config
// tweaks (user, password, fetch size, time zone), fails the test unless the
// login really succeeded, and closes the session at cleanup.
func openAs(t testing.TB, s *proc.Standalone, user, password string, tweak func(*client.Config)) *client.Session {
	t.Helper()
	cfg := &client.Config{Host: "127.0.0.1", Port: strconv.Itoa(s.Port), UserName: user, Password: password}
	if tweak != nil {
		tweak(cfg)
	}
	sess := client.NewSession(cfg)
	if err := sess.Open(false, 5000); err != nil {
		t.Fatalf("open session as %s to %s: %v", user, s.Addr(), err)
	}
	t.Cleanup(func() { sess.Close() })
	// Open does not look at the login status: prove the session works.
	if _, err := sess.GetTimeZone(); err != nil {
		t.Fatalf("session as %s does not work after open: %v", user, err)
	}
	ds, err := sess.ExecuteQueryStatement("SHOW DATABASES", nil)
	if err != nil {
		t.Fatalf("session as %s cannot run SHOW DATABASES after open: %v", user, err)
	}
	ds.Close()
	return &sess
}

// rootSession opens a root session with the client's default config.
func rootSession(t testing.TB, s *proc.Standalone) *client.Session {
	t.Helper()
	return openAs(t, s, "root", "root", nil)
}

// statusString renders a status for failure messages.
func statusString(st *rpc.TSStatus) string {
	if st == nil {
		return "<nil status>"
	}
	msg := "<no message>"
	if st.Message != nil {
		msg = *st.Message
	}
	s := fmt.Sprintf("code %d: %s", st.Code, msg)
	for _, sub := range st.SubStatus {
		s += " [sub " + statusString(sub) + "]"
	}
	return s
}

// mustOK fails the test unless a call returned no error and status 200.
func mustOK(t testing.TB, what string, st *rpc.TSStatus, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: error %v (status %s)", what, err, statusString(st))
	}
	if st == nil || st.Code != client.SuccessStatus {
		t.Fatalf("%s: want status 200, got %s", what, statusString(st))
	}
}

// wantFail reports an error unless a call failed: a transport error or a
// status other than 200. It returns the status code (0 for a transport
// error) and message.
func wantFail(t testing.TB, what string, st *rpc.TSStatus, err error) (int32, string) {
	t.Helper()
	if err != nil && st == nil {
		return 0, err.Error()
	}
	if st == nil {
		t.Errorf("%s: no status and no error", what)
		return 0, ""
	}
	if st.Code == client.SuccessStatus {
		t.Errorf("%s: succeeded (%s), want an error", what, statusString(st))
	}
	msg := ""
	if st.Message != nil {
		msg = *st.Message
	}
	return st.Code, msg
}

// wantCode reports an error unless a call returned exactly status code.
func wantCode(t testing.TB, what string, st *rpc.TSStatus, err error, code int32) string {
	t.Helper()
	if err != nil && st == nil {
		t.Errorf("%s: transport error %v, want status %d", what, err, code)
		return ""
	}
	if st == nil || st.Code != code {
		t.Errorf("%s: want status %d, got %s (err %v)", what, code, statusString(st), err)
		return ""
	}
	if st.Message == nil {
		return ""
	}
	return *st.Message
}

// execOK runs one or more SQL statements with ExecuteNonQueryStatement,
// each of which must return 200.
func execOK(t testing.TB, sess *client.Session, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		st, err := nonQuery(sess, sql)
		mustOK(t, sql, st, err)
	}
}

// nonQuery runs ExecuteNonQueryStatement, turning the client's panic on a
// missing response into an error.
func nonQuery(sess *client.Session, sql string) (st *rpc.TSStatus, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, fmt.Errorf("client panicked on %q: %v", sql, r)
		}
	}()
	return sess.ExecuteNonQueryStatement(sql)
}

// row is one result row: its timestamp and one typed value per column
// (bool, int32, int64, float32, float64, string, or nil for null).
type row struct {
	time int64
	vals []any
}

// result is a whole query result.
type result struct {
	cols  []string
	types []client.TSDataType
	rows  []row
}

// col returns the index of column name, failing the test if absent.
func (r *result) col(t testing.TB, name string) int {
	t.Helper()
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, r.cols)
	return -1
}

// has reports whether the result has column name.
func (r *result) has(name string) bool {
	for _, c := range r.cols {
		if c == name {
			return true
		}
	}
	return false
}

// texts returns the values of column name as strings, one per row.
func (r *result) texts(t testing.TB, name string) []string {
	t.Helper()
	i := r.col(t, name)
	out := make([]string, len(r.rows))
	for j, rw := range r.rows {
		out[j] = textOf(rw.vals[i])
	}
	return out
}

// times returns the timestamps of all rows.
func (r *result) times() []int64 {
	out := make([]int64, len(r.rows))
	for i, rw := range r.rows {
		out[i] = rw.time
	}
	return out
}

// textOf renders a value as IoTDB's clients print it ("null" for nil).
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// readAll drains a data set into a result and closes it.
func readAll(t testing.TB, what string, ds *client.SessionDataSet) *result {
	t.Helper()
	defer func() {
		if err := ds.Close(); err != nil {
			t.Errorf("%s: close data set: %v", what, err)
		}
	}()
	res := &result{cols: append([]string(nil), ds.GetColumnNames()...)}
	for i := range res.cols {
		res.types = append(res.types, ds.GetColumnDataType(i))
	}
	for {
		ok, err := ds.Next()
		if err != nil {
			t.Fatalf("%s: next: %v", what, err)
		}
		if !ok {
			break
		}
		rec, err := ds.GetRowRecord()
		if err != nil {
			t.Fatalf("%s: row record: %v", what, err)
		}
		rw := row{time: rec.GetTimestamp()}
		for _, f := range rec.GetFields() {
			rw.vals = append(rw.vals, f.GetValue())
		}
		res.rows = append(res.rows, rw)
	}
	return res
}

// tryQuery runs a query with ExecuteQueryStatement and reads every row.
func tryQuery(t testing.TB, sess *client.Session, sql string) (*result, error) {
	t.Helper()
	ds, err := validator.Query(sess, sql)
	if err != nil {
		return nil, err
	}
	return readAll(t, sql, ds), nil
}

// query runs a query that must succeed and returns all its rows.
func query(t testing.TB, sess *client.Session, sql string) *result {
	t.Helper()
	res, err := tryQuery(t, sess, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

// countOf runs "select count(m) from dev" and returns the count, 0 when the
// result has no column (IoTDB's answer for paths that do not exist).
func countOf(t testing.TB, sess *client.Session, series string) int64 {
	t.Helper()
	i := strings.LastIndexByte(series, '.')
	sql := "SELECT count(" + series[i+1:] + ") FROM " + series[:i]
	res := query(t, sess, sql)
	if len(res.cols) == 0 || len(res.rows) == 0 {
		return 0
	}
	if len(res.rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", sql, len(res.rows))
	}
	v, ok := res.rows[0].vals[0].(int64)
	if !ok {
		t.Fatalf("%s: count is %T %v, want int64", sql, res.rows[0].vals[0], res.rows[0].vals[0])
	}
	return v
}

// showTimeseries returns SHOW TIMESERIES pattern as a map from series path to
// its row, one string per column, keyed by column name.
func showTimeseries(t testing.TB, sess *client.Session, pattern string) map[string]map[string]string {
	t.Helper()
	res := query(t, sess, "SHOW TIMESERIES "+pattern)
	out := map[string]map[string]string{}
	if len(res.rows) == 0 {
		return out
	}
	ts := res.col(t, "Timeseries")
	for _, rw := range res.rows {
		m := map[string]string{}
		for i, c := range res.cols {
			m[c] = textOf(rw.vals[i])
		}
		out[textOf(rw.vals[ts])] = m
	}
	return out
}

// showDatabases returns the database names of SHOW DATABASES, sorted.
func showDatabases(t testing.TB, sess *client.Session) []string {
	t.Helper()
	res := query(t, sess, "SHOW DATABASES")
	if len(res.rows) == 0 {
		return nil
	}
	dbs := res.texts(t, "Database")
	sort.Strings(dbs)
	return dbs
}

// The six data types, their measurement names in the tests, and sample
// values that exercise each type's extremes.

var sixTypes = []client.TSDataType{client.BOOLEAN, client.INT32, client.INT64, client.FLOAT, client.DOUBLE, client.TEXT}

var sixNames = []string{"b", "i32", "i64", "f", "d", "t"}

func sixTypeNames() []string {
	return []string{"BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT"}
}

func sixSchemas() []*client.MeasurementSchema {
	out := make([]*client.MeasurementSchema, len(sixTypes))
	for i, typ := range sixTypes {
		out[i] = &client.MeasurementSchema{Measurement: sixNames[i], DataType: typ}
	}
	return out
}

// sample is the value of type typ for row i.
func sample(typ client.TSDataType, i int) any {
	switch typ {
	case client.BOOLEAN:
		return i%3 == 1
	case client.INT32:
		switch i % 97 {
		case 5:
			return int32(math.MaxInt32)
		case 6:
			return int32(math.MinInt32)
		}
		return int32(i*7919%100003 - 50000)
	case client.INT64:
		switch i % 97 {
		case 5:
			return int64(math.MaxInt64)
		case 6:
			return int64(math.MinInt64)
		}
		return int64(i)*1_000_000_007 - 3
	case client.FLOAT:
		switch i % 97 {
		case 5:
			return float32(math.MaxFloat32)
		case 6:
			return float32(-math.SmallestNonzeroFloat32)
		}
		return float32(i)*0.37 - 12.5
	case client.DOUBLE:
		switch i % 97 {
		case 5:
			return math.MaxFloat64
		case 6:
			return math.SmallestNonzeroFloat64
		}
		return float64(i)*math.Pi - 1e6
	case client.TEXT:
		switch i % 97 {
		case 5:
			return ""
		case 6:
			return "ünï,cødé 'q' \"dq\" \n\ttab 数据"
		}
		return "s" + strconv.Itoa(i*31)
	}
	panic("bad type")
}

// sampleNull reports whether column col of row i is null in tablets with
// nulls. Every row keeps at least one non-null column.
func sampleNull(col, i int) bool { return (i*7+col*3)%5 == 2 }

// sixTablet builds a tablet of rows rows for device with the six types,
// timestamps time(i), and nulls where sampleNull says (when nulls).
func sixTablet(t testing.TB, device string, rows int, time func(int) int64, nulls bool) (*client.Tablet, map[int64][]any) {
	t.Helper()
	// The client sends RowSize/8+1 bytes of each null bitmap, one more
	// than it allocates when the capacity is a multiple of 8: keep the
	// capacity off those.
	capacity := rows
	if capacity%8 == 0 {
		capacity++
	}
	tb, err := client.NewTablet(device, sixSchemas(), capacity)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][]any{}
	for r := range rows {
		ts := time(r)
		tb.SetTimestamp(ts, r)
		vals := make([]any, len(sixTypes))
		for c, typ := range sixTypes {
			v := sample(typ, r)
			if nulls && sampleNull(c, r) {
				v = nil
			}
			if v == nil {
				setNull(tb, c, r)
			} else if err := tb.SetValueAt(v, c, r); err != nil {
				t.Fatal(err)
			}
			vals[c] = v
		}
		want[ts] = vals
	}
	tb.RowSize = rows
	return tb, want
}

// setNull marks a tablet cell null. The client's SetValueAt marks the
// bitmap for nil and then reports "illegal argument value <nil>", which is
// not an error here.
func setNull(tb *client.Tablet, col, row int) {
	_ = tb.SetValueAt(nil, col, row)
}

// checkRows compares a "SELECT * FROM device" style result with want (time
// -> values in the order of names): same timestamps in ascending order,
// same values and nulls, and the declared column types types (if not nil).
// Rows of want whose values are all nil must not appear.
func checkRows(t testing.TB, what string, res *result, device string, names []string, types []client.TSDataType, want map[int64][]any) {
	t.Helper()
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = -1
		for j, c := range res.cols {
			if c == device+"."+n {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Errorf("%s: no column %s.%s in %q", what, device, n, res.cols)
			return
		}
		if types != nil && res.types[idx[i]] != types[i] {
			t.Errorf("%s: column %s.%s has type %d, want %d", what, device, n, res.types[idx[i]], types[i])
		}
	}
	var times []int64
	for ts, vals := range want {
		for _, v := range vals {
			if v != nil {
				times = append(times, ts)
				break
			}
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(res.rows) != len(times) {
		t.Errorf("%s: %d rows, want %d (got times %v)", what, len(res.rows), len(times), firstTimes(res.times(), 20))
	}
	bad := 0
	for i, rw := range res.rows {
		if i < len(times) && rw.time != times[i] {
			t.Errorf("%s: row %d has time %d, want %d", what, i, rw.time, times[i])
			if bad++; bad > 10 {
				return
			}
			continue
		}
		wv, ok := want[rw.time]
		if !ok {
			continue
		}
		for k, j := range idx {
			if !reflect.DeepEqual(rw.vals[j], wv[k]) {
				t.Errorf("%s: time %d column %s: got %T(%#v), want %T(%#v)", what, rw.time, names[k], rw.vals[j], rw.vals[j], wv[k], wv[k])
				if bad++; bad > 10 {
					return
				}
			}
		}
	}
}

func firstTimes(ts []int64, n int) []int64 {
	if len(ts) > n {
		return ts[:n]
	}
	return ts
}

// rawSession is a generated TSIService client on its own connection, for
// calls client.Session does not offer (last data query, string records of
// one device) and for checking statuses the client hides (login).
type rawSession struct {
	*rpc.TSIServiceClient
	trans  thrift.TTransport
	sid    int64
	stmtID int64
}

// dialRaw connects a raw client to s without opening a session.
func dialRaw(t testing.TB, s *proc.Standalone) *rawSession {
	t.Helper()
	cfg := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 60 * time.Second}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(s.Addr(), cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatalf("dial %s: %v", s.Addr(), err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	return &rawSession{TSIServiceClient: rpc.NewTSIServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans))), trans: trans}
}

// login sends OpenSession and returns the response.
func (r *rawSession) login(user, password, zone string) (*rpc.TSOpenSessionResp, error) {
	resp, err := r.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: zone, Username: &user, Password: &password})
	if err == nil && resp.GetStatus() != nil && resp.GetStatus().Code == client.SuccessStatus {
		r.sid = resp.GetSessionId()
		r.stmtID, err = r.RequestStatementId(context.Background(), r.sid)
	}
	return resp, err
}

// rawRoot is a raw client logged in as root in UTC.
func rawRoot(t testing.TB, s *proc.Standalone) *rawSession {
	t.Helper()
	r := dialRaw(t, s)
	resp, err := r.login("root", "root", "UTC")
	if err != nil {
		t.Fatalf("raw login: %v", err)
	}
	mustOK(t, "raw login", resp.GetStatus(), nil)
	return r
}

// dataSet wraps a raw query response in the client's data set reader.
func (r *rawSession) dataSet(resp *rpc.TSExecuteStatementResp, fetchSize int32) *client.SessionDataSet {
	return client.NewSessionDataSet("", resp.Columns, resp.DataTypeList, resp.ColumnNameIndexMap, resp.GetQueryId(),
		r.TSIServiceClient, r.sid, resp.QueryDataSet, resp.GetIgnoreTimeStamp(), fetchSize, nil)
}

// positionRE matches a position in a parse error message: IoTDB's
// "line 1:7", or "position 7", "column 7", "offset 7", "at 1:7".
var positionRE = regexp.MustCompile(`(?i)(line \d+:\d+|\d+:\d+|position \d+|column \d+|offset \d+|char(acter)? \d+)`)

// alive checks that s still accepts a session and answers a query.
func alive(t testing.TB, s *proc.Standalone) {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("server no longer accepts connections: %v\n%s", err, s.Log())
	}
	c.Close()
	sess := rootSession(t, s)
	query(t, sess, "SHOW DATABASES")
	sess.Close()
}
