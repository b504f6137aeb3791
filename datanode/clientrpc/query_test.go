package clientrpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// sixResult is a result of rows rows over the six types; cell (row, col)
// is null when (row*7+col)%5 == 0. want holds each row as the client
// should read it: the timestamp, then the six values.
func sixResult(rows int) (model.Batch, [][]any) {
	b := model.Batch{Columns: make([]model.Column, 6)}
	for c := range 6 {
		b.Columns[c] = model.NewColumn(model.DataType(c), rows)
	}
	var want [][]any
	for r := range rows {
		ts := int64(r)*10 - 50
		b.Times = append(b.Times, ts)
		vals := []any{r%3 == 0, int32(r - 11), int64(r) << 35, float32(r) + 0.25, float64(r) / 3, fmt.Sprintf("row %d ü", r)}
		row := []any{ts}
		for c, v := range vals {
			if (r*7+c)%5 == 0 {
				v = nil
			}
			b.Columns[c].Append(v)
			row = append(row, v)
		}
		want = append(want, row)
	}
	return b, want
}

var sixColumns = []string{"root.sg.d1.b", "root.sg.d1.i", "root.sg.d1.l", "root.sg.d1.f", "root.sg.d1.d", "root.sg.d1.t"}

func sixTypesModel() []model.DataType {
	return []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text}
}

// readAll drains a data set through the official client, one row per
// entry: the timestamp followed by every column's value.
func readAll(t *testing.T, ds *client.SessionDataSet) [][]any {
	t.Helper()
	var rows [][]any
	for {
		ok, err := ds.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return rows
		}
		rec, err := ds.GetRowRecord()
		if err != nil {
			t.Fatal(err)
		}
		row := []any{rec.GetTimestamp()}
		for _, f := range rec.GetFields() {
			row = append(row, f.GetValue())
		}
		rows = append(rows, row)
	}
}

func TestQueryPaging(t *testing.T) {
	sel := &ast.Select{Items: []ast.SelectItem{{Expr: &ast.PathExpr{Path: model.Path{"*"}}}}, Limit: -1, SLimit: -1}
	sql := "select * from root.sg.d1"
	e := newEnv(t, func(c *Config) { c.Parse = fakeParser{sql: {sel}}.parse })
	batch, want := sixResult(23)
	var rows atomic.Pointer[chunkRows]
	e.be.setHook(func(_ context.Context, stmt ast.Statement) (*model.Result, error) {
		r := newChunkRows(batch, 7)
		rows.Store(r)
		return &model.Result{Columns: sixColumns, Types: sixTypesModel(), HasTime: true, Rows: r}, nil
	})
	plain, compact := e.sessionOpts(t, 5, false), e.sessionOpts(t, 5, true)
	for _, run := range []func() (*client.SessionDataSet, error){
		func() (*client.SessionDataSet, error) { return plain.ExecuteQueryStatement(sql, nil) },
		func() (*client.SessionDataSet, error) { return plain.ExecuteStatement(sql) },
		func() (*client.SessionDataSet, error) { return compact.ExecuteQueryStatement(sql, nil) },
	} {
		fetchesBefore := metricValue(e.srv.metrics.requests.WithLabelValues("fetchResults", "200"))
		ds, err := run()
		if err != nil {
			t.Fatal(err)
		}
		if got := ds.GetColumnNames(); !reflect.DeepEqual(got, sixColumns) {
			t.Fatalf("columns %v", got)
		}
		if ds.IsIgnoreTimeStamp() {
			t.Fatal("time column ignored")
		}
		got := readAll(t, ds)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("rows differ\n got: %v\nwant: %v", got, want)
		}
		if !rows.Load().isClosed() {
			t.Fatal("result rows not closed at the end of the stream")
		}
		// 23 rows in pages of 5: the first comes with the reply, four
		// fetches bring the rest and one more learns that none are left.
		if n := metricValue(e.srv.metrics.requests.WithLabelValues("fetchResults", "200")) - fetchesBefore; n != 5 {
			t.Fatalf("%v fetches, want 5", n)
		}
		if err := ds.Close(); err != nil {
			t.Fatal(err)
		}
	}
	wantStatements(t, e.be.take(), sel, sel, sel)
}

func TestQueryPageBytes(t *testing.T) {
	sql := "select t from root.sg.d1"
	e := newEnv(t, func(c *Config) {
		c.Parse = fakeParser{sql: {&ast.Select{}}}.parse
		c.MaxPageBytes = 1000
	})
	texts := model.NewColumn(model.Text, 50)
	var want [][]any
	var times []int64
	for r := range 50 {
		v := strings.Repeat(string(rune('a'+r%26)), 300)
		texts.Append(v)
		times = append(times, int64(r))
		want = append(want, []any{int64(r), v})
	}
	e.be.setHook(func(context.Context, ast.Statement) (*model.Result, error) {
		return &model.Result{Columns: []string{"root.sg.d1.t"}, Types: []model.DataType{model.Text}, HasTime: true,
			Rows: model.NewSliceRows(model.Batch{Times: times, Columns: []model.Column{texts}})}, nil
	})
	s := e.session(t, 1000)
	ds, err := s.ExecuteQueryStatement(sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if got := readAll(t, ds); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	// Pages are cut at about 1000 bytes: four 300-byte rows each.
	if n := metricValue(e.srv.metrics.requests.WithLabelValues("fetchResults", "200")); n < 12 {
		t.Fatalf("%v fetches; pages were not cut by size", n)
	}
}

func TestQueryWithoutTimeAndDuplicateColumns(t *testing.T) {
	sql := "show something"
	e := newEnv(t, func(c *Config) { c.Parse = fakeParser{sql: {&ast.ShowDatabases{}}}.parse })
	b := model.Batch{Columns: []model.Column{
		col(model.Text, "root.a", "root.b", nil),
		col(model.Int64, int64(1), nil, int64(3)),
		col(model.Text, "root.a", "root.b", nil),
	}}
	e.be.setHook(func(context.Context, ast.Statement) (*model.Result, error) {
		return &model.Result{Columns: []string{"Database", "TTL", "Database"}, Types: []model.DataType{model.Text, model.Int64, model.Text},
			Rows: newChunkRows(b, 2)}, nil
	})
	s := e.session(t, 2)
	ds, err := s.ExecuteQueryStatement(sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	if !ds.IsIgnoreTimeStamp() {
		t.Fatal("time column not ignored")
	}
	var got [][]any
	for {
		ok, err := ds.Next()
		if err != nil || !ok {
			break
		}
		got = append(got, []any{ds.GetValue("Database"), ds.GetValue("TTL")})
		if v, _ := ds.GetValue("Database").(string); ds.GetText("Database") != v {
			t.Fatalf("GetText %q, GetValue %q", ds.GetText("Database"), v)
		}
	}
	want := [][]any{{"root.a", int64(1)}, {"root.b", nil}, {nil, int64(3)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRawAndLastDataQueries(t *testing.T) {
	e := newEnv(t)
	batch, want := sixResult(4)
	e.be.setHook(func(context.Context, ast.Statement) (*model.Result, error) {
		return &model.Result{Columns: sixColumns, Types: sixTypesModel(), HasTime: true, Rows: newChunkRows(batch, 100)}, nil
	})
	s := e.session(t, 3)
	ds, err := s.ExecuteRawDataQuery([]string{"root.sg.d1.s1", "root.sg.d2.s2", "root.sg.d1.s3"}, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, ds); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows differ\n got: %v\nwant: %v", got, want)
	}
	_ = ds.Close()

	c := e.raw(t)
	fetch := int32(2)
	resp, err := c.ExecuteLastDataQuery(context.Background(), &rpc.TSLastDataQueryReq{SessionId: c.sid, Paths: []string{"root.sg.d1.s1"}, Time: 7, FetchSize: &fetch})
	wantCode(t, resp.GetStatus(), err, status.Success)
	ds = client.NewSessionDataSet("", resp.Columns, resp.DataTypeList, resp.ColumnNameIndexMap, *resp.QueryId, c.TSIServiceClient, c.sid,
		resp.QueryDataSet, resp.GetIgnoreTimeStamp(), fetch, nil)
	if got := readAll(t, ds); !reflect.DeepEqual(got, want) {
		t.Fatalf("last rows differ\n got: %v\nwant: %v", got, want)
	}
	_ = ds.Close()

	lit := func(v int64) *ast.Literal { return &ast.Literal{Kind: ast.IntLit, Int: v, Raw: fmt.Sprint(v)} }
	item := func(p string) ast.SelectItem { return ast.SelectItem{Expr: &ast.PathExpr{Path: path(t, p)}} }
	wantStatements(t, e.be.take(),
		&ast.Select{
			Items: []ast.SelectItem{item("root.sg.d1.s1"), item("root.sg.d2.s2"), item("root.sg.d1.s3")},
			From:  []model.Path{path(t, "root.sg.d1"), path(t, "root.sg.d2")},
			Where: &ast.Binary{Op: "AND",
				L: &ast.Binary{Op: ">=", L: &ast.TimeExpr{}, R: lit(10)},
				R: &ast.Binary{Op: "<", L: &ast.TimeExpr{}, R: lit(20)}},
			Limit: -1, SLimit: -1,
		},
		&ast.Select{
			Last:  true,
			Items: []ast.SelectItem{item("root.sg.d1.s1")},
			From:  []model.Path{path(t, "root.sg.d1")},
			Where: &ast.Binary{Op: ">=", L: &ast.TimeExpr{}, R: lit(7)},
			Limit: -1, SLimit: -1,
		})

	resp, err = c.ExecuteRawDataQuery(context.Background(), &rpc.TSRawDataQueryReq{SessionId: c.sid, Paths: []string{"root"}, StartTime: 0, EndTime: 1})
	wantCode(t, resp.GetStatus(), err, status.IllegalPath)
}

func TestExecuteStatements(t *testing.T) {
	create := &ast.CreateDatabase{Path: model.Path{"root", "x"}}
	insert := &ast.Insert{Device: model.Path{"root", "x", "d"}, Measurements: []string{"a", "b"}, Rows: []ast.InsertRow{
		{Time: &ast.Literal{Kind: ast.IntLit, Int: 1}, Values: []*ast.Literal{{Kind: ast.IntLit, Int: 1}, {Kind: ast.NullLit}}},
		{Time: &ast.Literal{Kind: ast.IntLit, Int: 2}, Values: []*ast.Literal{{Kind: ast.IntLit, Int: 1}, {Kind: ast.BoolLit, Bool: true}}},
	}}
	failing := &ast.DropDatabase{Paths: []model.Path{{"root", "missing"}}}
	parser := fakeParser{
		"create database root.x": {create},
		"insert":                 {insert},
		"two":                    {create, insert},
		"drop missing":           {failing},
	}
	e := newEnv(t, func(c *Config) { c.Parse = parser.parse })
	e.be.setHook(func(_ context.Context, stmt ast.Statement) (*model.Result, error) {
		if stmt == failing {
			return nil, status.Errorf(status.DatabaseNotExist, "database root.missing does not exist")
		}
		return nil, nil
	})
	s := e.session(t, 0)
	r, err := s.ExecuteNonQueryStatement("create database root.x")
	wantCode(t, r, err, status.Success)
	r, err = s.ExecuteNonQueryStatement("two")
	wantCode(t, r, err, status.Success)
	r, err = s.ExecuteNonQueryStatement("selec oops")
	wantCode(t, r, err, status.SQLParseError)
	if !strings.Contains(r.GetMessage(), "syntax error") {
		t.Fatalf("message %q", r.GetMessage())
	}
	r, err = s.ExecuteNonQueryStatement("drop missing")
	wantCode(t, r, err, status.DatabaseNotExist)

	ds, err := s.ExecuteUpdateStatement("insert")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := ds.Next(); ok {
		t.Fatal("a statement without rows returned a row")
	}
	_ = ds.Close()
	ds, err = s.ExecuteStatement("insert")
	if err != nil {
		t.Fatal(err)
	}
	_ = ds.Close()
	if _, err := s.ExecuteQueryStatement("drop missing", nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("query of a failing statement: %v", err)
	}

	r, err = s.ExecuteBatchStatement([]string{"insert", "bogus", "drop missing", "create database root.x"})
	wantCode(t, r, err, status.MultipleError)
	var codes []int32
	for _, sub := range r.SubStatus {
		codes = append(codes, sub.Code)
	}
	if want := []int32{200, 700, 500, 200}; !equalInts(codes, want) {
		t.Fatalf("batch sub-statuses %v, want %v", codes, want)
	}
	r, err = s.ExecuteBatchStatement([]string{"insert", "create database root.x"})
	wantCode(t, r, err, status.Success)

	wantStatements(t, e.be.take(), create, create, insert, failing, insert, insert, failing, insert, failing, create, insert, create)
	// Five successful inserts of two rows and three values each.
	if rows, points := metricValue(e.srv.metrics.rows), metricValue(e.srv.metrics.points); rows != 10 || points != 15 {
		t.Fatalf("ingest rows %v points %v, want 10 and 15", rows, points)
	}
}

func TestQueryLifecycle(t *testing.T) {
	sql := "select"
	e := newEnv(t, func(c *Config) { c.Parse = fakeParser{sql: {&ast.Select{}}}.parse })
	var (
		mu       sync.Mutex
		lastRows *chunkRows
		timeout  time.Duration
	)
	last := func() *chunkRows {
		mu.Lock()
		defer mu.Unlock()
		return lastRows
	}
	e.be.setHook(func(ctx context.Context, _ ast.Statement) (*model.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		timeout = 0
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		b, _ := sixResult(30)
		lastRows = newChunkRows(b, 4)
		return &model.Result{Columns: sixColumns, Types: sixTypesModel(), HasTime: true, Rows: lastRows}, nil
	})
	s := e.session(t, 5)

	// Closing a data set early releases the query.
	ms := int64(60000)
	ds, err := s.ExecuteQueryStatement(sql, &ms)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if timeout <= 0 || timeout > time.Minute {
		t.Errorf("backend saw timeout %v, want about a minute", timeout)
	}
	mu.Unlock()
	if ok, _ := ds.Next(); !ok {
		t.Fatal("no first row")
	}
	if err := ds.Close(); err != nil {
		t.Fatal(err)
	}
	if !last().isClosed() {
		t.Fatal("CloseOperation did not release the query")
	}

	// Closing the session releases its queries.
	s2 := e.session(t, 5)
	if _, err := s2.ExecuteQueryStatement(sql, nil); err != nil {
		t.Fatal(err)
	}
	q := last()
	if _, err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "session close to release the query", q.isClosed)

	// So does closing the server.
	if _, err := s.ExecuteQueryStatement(sql, nil); err != nil {
		t.Fatal(err)
	}
	q = last()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if !q.isClosed() {
		t.Fatal("server close did not release the query")
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal("second close:", err)
	}
}

// failingRows fails on its second call.
type failingRows struct{ calls int }

func (f *failingRows) Next(context.Context, int) (*model.Batch, error) {
	f.calls++
	if f.calls > 1 {
		return nil, status.Errorf(status.QueryProcessError, "disk on fire")
	}
	return &model.Batch{Times: []int64{1}, Columns: []model.Column{col(model.Int32, int32(1))}}, nil
}

func (f *failingRows) Close() error { return nil }

func TestQueryErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Parse = func(sql string) ([]ast.Statement, error) { return []ast.Statement{&ast.ShowVersion{}}, nil }
	})
	c := e.raw(t)
	ctx := context.Background()
	one := int32(1)
	exec := func(res *model.Result) *rpc.TSExecuteStatementResp {
		t.Helper()
		e.be.setHook(func(context.Context, ast.Statement) (*model.Result, error) { return res, nil })
		resp, err := c.ExecuteQueryStatement(ctx, &rpc.TSExecuteStatementReq{SessionId: c.sid, Statement: "q", FetchSize: &one})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := exec(&model.Result{Columns: []string{"v"}, Types: []model.DataType{model.Int32}, HasTime: true, Rows: &failingRows{}})
	wantCode(t, resp.Status, nil, status.Success)
	fr, err := c.FetchResults(ctx, &rpc.TSFetchResultsReq{SessionId: c.sid, QueryId: *resp.QueryId, FetchSize: 1})
	wantCode(t, fr.GetStatus(), err, status.QueryProcessError)
	if !strings.Contains(fr.Status.GetMessage(), "disk on fire") {
		t.Fatalf("message %q", fr.Status.GetMessage())
	}
	// The failed query is gone; fetching it again finds nothing.
	fr, err = c.FetchResults(ctx, &rpc.TSFetchResultsReq{SessionId: c.sid, QueryId: *resp.QueryId, FetchSize: 1})
	wantCode(t, fr.GetStatus(), err, status.Success)
	if fr.HasResultSet {
		t.Fatal("released query still has rows")
	}

	// A batch that contradicts the header is a bug reported as such.
	resp = exec(&model.Result{Columns: []string{"v"}, Types: []model.DataType{model.Int64}, HasTime: true,
		Rows: model.NewSliceRows(model.Batch{Times: []int64{1}, Columns: []model.Column{col(model.Int32, int32(1))}})})
	wantCode(t, resp.Status, nil, status.InternalServerError)
	resp = exec(&model.Result{Columns: []string{"v", "w"}, Types: []model.DataType{model.Int64}, Rows: &failingRows{}})
	wantCode(t, resp.Status, nil, status.InternalServerError)
}

func TestPanicRecovery(t *testing.T) {
	e := newEnv(t)
	e.be.setHook(func(_ context.Context, stmt ast.Statement) (*model.Result, error) {
		if cd, ok := stmt.(*ast.CreateDatabase); ok && cd.Path.Last() == "boom" {
			panic("deliberate")
		}
		return nil, nil
	})
	s := e.session(t, 0)
	r, err := s.SetStorageGroup("root.boom")
	wantCode(t, r, err, status.InternalServerError)
	if !strings.Contains(r.GetMessage(), "deliberate") {
		t.Fatalf("message %q", r.GetMessage())
	}
	r, err = s.SetStorageGroup("root.fine")
	wantCode(t, r, err, status.Success)
}

func TestDisconnectCancelsRequest(t *testing.T) {
	e := newEnv(t)
	entered := make(chan struct{})
	canceled := make(chan error, 1)
	e.be.setHook(func(ctx context.Context, _ ast.Statement) (*model.Result, error) {
		close(entered)
		select {
		case <-ctx.Done():
			canceled <- ctx.Err()
		case <-time.After(10 * time.Second):
			canceled <- errors.New("not canceled")
		}
		return nil, ctx.Err()
	})
	c := e.raw(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.SetStorageGroup(context.Background(), c.sid, "root.slow")
		done <- err
	}()
	<-entered
	_ = c.trans.Close()
	if err := <-canceled; !errors.Is(err, context.Canceled) {
		t.Fatalf("backend context: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("call on a closed transport succeeded")
	}
	eventually(t, "session of the dropped connection to close", func() bool { return metricValue(e.srv.metrics.sessions) == 0 })
}

func TestGarbageConnection(t *testing.T) {
	e := newEnv(t)
	for _, payload := range [][]byte{
		{0, 0, 0, 3, 1, 2, 3},          // a frame that is no message
		{0xff, 0xff, 0xff, 0xff},       // an impossible frame size
		{0, 0, 0, 5, 0x80, 1, 0, 1, 0}, // a truncated message header
	} {
		cfg := &thrift.TConfiguration{}
		sock := thrift.NewTSocketConf(e.srv.Addr().String(), cfg)
		if err := sock.Open(); err != nil {
			t.Fatal(err)
		}
		if _, err := sock.Write(payload); err != nil {
			t.Fatal(err)
		}
		_ = sock.Flush(context.Background())
		_ = sock.Close()
	}
	// The server still serves.
	s := e.session(t, 0)
	r, err := s.SetStorageGroup("root.sg")
	wantCode(t, r, err, status.Success)
}

func TestDefaultParser(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Parse = nil })
	s := e.session(t, 0)
	r, err := s.ExecuteNonQueryStatement("CREATE DATABASE root.sg; SET STORAGE GROUP TO root.sg2")
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(), &ast.CreateDatabase{Path: path(t, "root.sg")}, &ast.CreateDatabase{Path: path(t, "root.sg2")})
	r, err = s.ExecuteNonQueryStatement("CREATE DATABSE root.sg")
	wantCode(t, r, err, status.SQLParseError)
	if !strings.Contains(r.GetMessage(), "line 1:") {
		t.Fatalf("message %q", r.GetMessage())
	}
}
