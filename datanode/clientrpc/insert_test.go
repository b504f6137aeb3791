package clientrpc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

var (
	sixNames = []string{"b", "i", "l", "f", "d", "t"}
	sixTypes = []client.TSDataType{client.BOOLEAN, client.INT32, client.INT64, client.FLOAT, client.DOUBLE, client.TEXT}
)

func sixSchemas() []*client.MeasurementSchema {
	out := make([]*client.MeasurementSchema, len(sixNames))
	for i, n := range sixNames {
		out[i] = &client.MeasurementSchema{Measurement: n, DataType: sixTypes[i]}
	}
	return out
}

func TestInsertRecords(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	vals := []any{true, int32(-7), int64(1) << 40, float32(1.5), 2.25, "héllo"}
	r, err := s.InsertRecord("root.sg.d1", sixNames, sixTypes, vals, 1000)
	wantCode(t, r, err, status.Success)
	r, err = s.InsertAlignedRecord("root.sg.d2", []string{"x"}, []client.TSDataType{client.TEXT}, []any{""}, -5)
	wantCode(t, r, err, status.Success)

	d1 := &model.Tablet{Device: path(t, "root.sg.d1"), Measurements: sixNames, Times: []int64{1000}, Columns: []model.Column{
		col(model.Boolean, true), col(model.Int32, int32(-7)), col(model.Int64, int64(1)<<40),
		col(model.Float, float32(1.5)), col(model.Double, 2.25), col(model.Text, "héllo")}}
	d2 := &model.Tablet{Device: path(t, "root.sg.d2"), Aligned: true, Measurements: []string{"x"}, Times: []int64{-5},
		Columns: []model.Column{col(model.Text, "")}}
	wantStatements(t, e.be.take(),
		&ast.InsertTablets{Tablets: []*model.Tablet{d1}, Typed: true},
		&ast.InsertTablets{Tablets: []*model.Tablet{d2}, Typed: true})

	// Records of several devices gather into one tablet per device, the
	// union of their measurements with nulls where a record has none.
	r, err = s.InsertRecords(
		[]string{"root.sg.d1", "root.sg.d2", "root.sg.d1"},
		[][]string{{"i", "t"}, {"x"}, {"i", "l"}},
		[][]client.TSDataType{{client.INT32, client.TEXT}, {client.DOUBLE}, {client.INT32, client.INT64}},
		[][]any{{int32(1), "a"}, {0.5}, {int32(2), int64(3)}},
		[]int64{10, 11, 12})
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(), &ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{
		{Device: path(t, "root.sg.d1"), Measurements: []string{"i", "t", "l"}, Times: []int64{10, 12}, Columns: []model.Column{
			col(model.Int32, int32(1), int32(2)), col(model.Text, "a", nil), col(model.Int64, nil, int64(3))}},
		{Device: path(t, "root.sg.d2"), Measurements: []string{"x"}, Times: []int64{11}, Columns: []model.Column{col(model.Double, 0.5)}},
	}})

	r, err = s.InsertAlignedRecords([]string{"root.sg.d3"}, [][]string{{"b"}}, [][]client.TSDataType{{client.BOOLEAN}}, [][]any{{false}}, []int64{1})
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(), &ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{
		{Device: path(t, "root.sg.d3"), Aligned: true, Measurements: []string{"b"}, Times: []int64{1}, Columns: []model.Column{col(model.Boolean, false)}},
	}})

	// Records of one device; the client sorts them by time.
	r, err = s.InsertRecordsOfOneDevice("root.sg.d4", []int64{20, 10},
		[][]string{{"f"}, {"f", "d"}}, [][]client.TSDataType{{client.FLOAT}, {client.FLOAT, client.DOUBLE}},
		[][]any{{float32(2)}, {float32(1), 9.5}}, false)
	wantCode(t, r, err, status.Success)
	r, err = s.InsertAlignedRecordsOfOneDevice("root.sg.d5", []int64{1}, [][]string{{"l"}}, [][]client.TSDataType{{client.INT64}}, [][]any{{int64(-1)}}, true)
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(),
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{
			{Device: path(t, "root.sg.d4"), Measurements: []string{"f", "d"}, Times: []int64{10, 20}, Columns: []model.Column{
				col(model.Float, float32(1), float32(2)), col(model.Double, 9.5, nil)}},
		}},
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{
			{Device: path(t, "root.sg.d5"), Aligned: true, Measurements: []string{"l"}, Times: []int64{1}, Columns: []model.Column{col(model.Int64, int64(-1))}},
		}})

	if got := metricValue(e.srv.metrics.rows); got != 9 {
		t.Fatalf("ingest rows = %v, want 9", got)
	}
	if got := metricValue(e.srv.metrics.points); got != 17 {
		t.Fatalf("ingest points = %v, want 17", got)
	}

	// A measurement given with two types is refused.
	r, err = s.InsertRecordsOfOneDevice("root.sg.d4", []int64{1, 2}, [][]string{{"f"}, {"f"}},
		[][]client.TSDataType{{client.FLOAT}, {client.DOUBLE}}, [][]any{{float32(1)}, {1.0}}, true)
	wantCode(t, r, err, status.DataTypeMismatch)
	r, err = s.InsertRecord("root.sg.d1", []string{"a", "a"}, []client.TSDataType{client.INT32, client.INT32}, []any{int32(1), int32(2)}, 1)
	wantCode(t, r, err, status.IllegalParameter)
	r, err = s.InsertRecord("root.sg.d1", []string{"a.b"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
	wantCode(t, r, err, status.IllegalPath)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("backend ran %s", dump(got))
	}
}

func TestInsertStringRecords(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	r, err := s.InsertStringRecord("root.sg.d1", []string{"a", "b"}, []string{"1", "true"}, 5)
	wantCode(t, r, err, status.Success)
	c := e.raw(t)
	ctx := context.Background()
	aligned := true
	r, err = c.InsertStringRecords(ctx, &rpc.TSInsertStringRecordsReq{SessionId: c.sid,
		PrefixPaths: []string{"root.sg.d1", "root.sg.d2"}, MeasurementsList: [][]string{{"a"}, {"c"}},
		ValuesList: [][]string{{"2"}, {"x"}}, Timestamps: []int64{6, 7}, IsAligned: &aligned})
	wantCode(t, r, err, status.Success)
	r, err = c.InsertStringRecordsOfOneDevice(ctx, &rpc.TSInsertStringRecordsOfOneDeviceReq{SessionId: c.sid,
		PrefixPath: "root.sg.d3", MeasurementsList: [][]string{{"a"}, {"b"}}, ValuesList: [][]string{{"1.5"}, {"-"}},
		Timestamps: []int64{1, 2}})
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(),
		&ast.InsertTablets{Tablets: []*model.Tablet{{Device: path(t, "root.sg.d1"), Measurements: []string{"a", "b"}, Times: []int64{5},
			Columns: []model.Column{col(model.Text, "1"), col(model.Text, "true")}}}},
		&ast.InsertTablets{Tablets: []*model.Tablet{
			{Device: path(t, "root.sg.d1"), Aligned: true, Measurements: []string{"a"}, Times: []int64{6}, Columns: []model.Column{col(model.Text, "2")}},
			{Device: path(t, "root.sg.d2"), Aligned: true, Measurements: []string{"c"}, Times: []int64{7}, Columns: []model.Column{col(model.Text, "x")}},
		}},
		&ast.InsertTablets{Tablets: []*model.Tablet{{Device: path(t, "root.sg.d3"), Measurements: []string{"a", "b"}, Times: []int64{1, 2},
			Columns: []model.Column{col(model.Text, "1.5", nil), col(model.Text, nil, "-")}}}})

	r, err = c.InsertStringRecord(ctx, &rpc.TSInsertStringRecordReq{SessionId: c.sid, PrefixPath: "root.sg.d1",
		Measurements: []string{"a", "b"}, Values: []string{"1"}, Timestamp: 1})
	wantCode(t, r, err, status.IllegalParameter)
}

// sixTablet fills rows of a tablet of the six types; cell (row, col) is
// null when (row+col)%4 == 3.
func sixTablet(t *testing.T, device string, rows, capacity int) (*client.Tablet, *model.Tablet) {
	t.Helper()
	ct, err := client.NewTablet(device, sixSchemas(), capacity)
	if err != nil {
		t.Fatal(err)
	}
	want := &model.Tablet{Device: path(t, device), Measurements: sixNames, Columns: make([]model.Column, 6)}
	for c := range 6 {
		want.Columns[c] = model.NewColumn(model.DataType(c), rows)
	}
	for r := range rows {
		ts := int64(1000 + r)
		ct.SetTimestamp(ts, r)
		want.Times = append(want.Times, ts)
		vals := []any{r%2 == 0, int32(-r), int64(r) << 33, float32(r) / 4, float64(r) * 1.5, strings.Repeat("x", r)}
		for c, v := range vals {
			if (r+c)%4 == 3 {
				// The client marks the null but reports an error for nil.
				_ = ct.SetValueAt(nil, c, r)
				want.Columns[c].Append(nil)
				continue
			}
			if err := ct.SetValueAt(v, c, r); err != nil {
				t.Fatal(err)
			}
			want.Columns[c].Append(v)
		}
	}
	ct.RowSize = rows
	return ct, want
}

func TestInsertTablets(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	ct, want := sixTablet(t, "root.sg.d1", 9, 10)
	r, err := s.InsertTablet(ct, true)
	wantCode(t, r, err, status.Success)
	ct2, want2 := sixTablet(t, "root.sg.d2", 3, 3)
	r, err = s.InsertAlignedTablet(ct2, true)
	want2.Aligned = true
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(),
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{want}},
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{want2}})

	// insertTablets declares each tablet's capacity as its size but sends
	// only the filled rows.
	ta, wa := sixTablet(t, "root.sg.d3", 5, 10)
	tb, wb := sixTablet(t, "root.sg.d4", 10, 10)
	r, err = s.InsertTablets([]*client.Tablet{ta, tb}, true)
	wantCode(t, r, err, status.Success)
	tc, wc := sixTablet(t, "root.sg.d5", 1, 1)
	r, err = s.InsertAlignedTablets([]*client.Tablet{tc}, true)
	wc.Aligned = true
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(),
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{wa, wb}},
		&ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{wc}})

	// A tablet without nulls has no bitmap section.
	nn, err := client.NewTablet("root.sg.d6", []*client.MeasurementSchema{{Measurement: "v", DataType: client.INT32}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	nn.SetTimestamp(2, 0)
	nn.SetTimestamp(1, 1)
	_ = nn.SetValueAt(int32(20), 0, 0)
	_ = nn.SetValueAt(int32(10), 0, 1)
	nn.RowSize = 2
	r, err = s.InsertTablet(nn, false)
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(), &ast.InsertTablets{Typed: true, Tablets: []*model.Tablet{
		{Device: path(t, "root.sg.d6"), Measurements: []string{"v"}, Times: []int64{1, 2}, Columns: []model.Column{col(model.Int32, int32(10), int32(20))}},
	}})

	points := 0
	for _, w := range []*model.Tablet{want, want2, wa, wb, wc} {
		points += w.Points()
	}
	if got := metricValue(e.srv.metrics.points); got != float64(points+2) {
		t.Fatalf("ingest points = %v, want %d", got, points+2)
	}
}

func TestTestInsertVariants(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	ctx := context.Background()
	st, err := c.TestInsertRecord(ctx, &rpc.TSInsertRecordReq{SessionId: c.sid, PrefixPath: "root.sg.d1",
		Measurements: []string{"s"}, Values: []byte{1, 0, 0, 0, 7}, Timestamp: 1})
	wantCode(t, st, err, status.Success)
	st, err = c.TestInsertRecords(ctx, &rpc.TSInsertRecordsReq{SessionId: c.sid, PrefixPaths: []string{"root.sg.d1"},
		MeasurementsList: [][]string{{"s"}}, ValuesList: [][]byte{{0, 1}}, Timestamps: []int64{1}})
	wantCode(t, st, err, status.Success)
	st, err = c.TestInsertRecordsOfOneDevice(ctx, &rpc.TSInsertRecordsOfOneDeviceReq{SessionId: c.sid, PrefixPath: "root.sg.d1",
		MeasurementsList: [][]string{{"s"}}, ValuesList: [][]byte{{0, 1}}, Timestamps: []int64{1}})
	wantCode(t, st, err, status.Success)
	st, err = c.TestInsertStringRecord(ctx, &rpc.TSInsertStringRecordReq{SessionId: c.sid, PrefixPath: "root.sg.d1",
		Measurements: []string{"s"}, Values: []string{"1"}, Timestamp: 1})
	wantCode(t, st, err, status.Success)
	st, err = c.TestInsertStringRecords(ctx, &rpc.TSInsertStringRecordsReq{SessionId: c.sid, PrefixPaths: []string{"root.sg.d1"},
		MeasurementsList: [][]string{{"s"}}, ValuesList: [][]string{{"1"}}, Timestamps: []int64{1}})
	wantCode(t, st, err, status.Success)
	tablet := &rpc.TSInsertTabletReq{SessionId: c.sid, PrefixPath: "root.sg.d1", Measurements: []string{"s"},
		Values: []byte{0, 0, 0, 1}, Timestamps: []byte{0, 0, 0, 0, 0, 0, 0, 9}, Types: []int32{1}, Size: 1}
	st, err = c.TestInsertTablet(ctx, tablet)
	wantCode(t, st, err, status.Success)
	st, err = c.TestInsertTablets(ctx, &rpc.TSInsertTabletsReq{SessionId: c.sid, PrefixPaths: []string{"root.sg.d1"},
		MeasurementsList: [][]string{{"s"}}, ValuesList: [][]byte{{0, 0, 0, 1}}, TimestampsList: [][]byte{tablet.Timestamps},
		TypesList: [][]int32{{1}}, SizeList: []int32{1}})
	wantCode(t, st, err, status.Success)
	// Test variants validate like the real ones.
	st, err = c.TestInsertRecord(ctx, &rpc.TSInsertRecordReq{SessionId: c.sid, PrefixPath: "root.sg.d1",
		Measurements: []string{"s"}, Values: []byte{1, 0}, Timestamp: 1})
	wantCode(t, st, err, status.IllegalParameter)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("test inserts reached the backend: %s", dump(got))
	}
}

func TestMalformedInserts(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	ctx := context.Background()
	ts1 := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	records := []struct {
		name   string
		device string
		ms     []string
		values []byte
		code   status.Code
	}{
		{"truncated int32", "root.sg.d", []string{"s"}, []byte{1, 0, 0}, status.IllegalParameter},
		{"unknown type", "root.sg.d", []string{"s"}, []byte{9, 0}, status.IllegalParameter},
		{"trailing bytes", "root.sg.d", []string{"s"}, []byte{0, 1, 5}, status.IllegalParameter},
		{"negative text length", "root.sg.d", []string{"s"}, []byte{5, 0xff, 0xff, 0xff, 0xff}, status.IllegalParameter},
		{"huge text length", "root.sg.d", []string{"s"}, []byte{5, 0x7f, 0xff, 0xff, 0xff, 'a'}, status.IllegalParameter},
		{"fewer values than measurements", "root.sg.d", []string{"s", "t"}, []byte{0, 1}, status.IllegalParameter},
		{"empty buffer", "root.sg.d", []string{"s"}, nil, status.IllegalParameter},
		{"device too short", "root", []string{"s"}, []byte{0, 1}, status.IllegalPath},
		{"device pattern", "root.*.d", []string{"s"}, []byte{0, 1}, status.IllegalPath},
		{"wildcard measurement", "root.sg.d", []string{"**"}, []byte{0, 1}, status.IllegalPath},
	}
	for _, tc := range records {
		t.Run("record/"+tc.name, func(t *testing.T) {
			st, err := c.InsertRecord(ctx, &rpc.TSInsertRecordReq{SessionId: c.sid, PrefixPath: tc.device,
				Measurements: tc.ms, Values: tc.values, Timestamp: 1})
			wantCode(t, st, err, tc.code)
		})
	}
	tablets := []struct {
		name  string
		req   rpc.TSInsertTabletReq
		words string
	}{
		{"timestamps not 8-byte", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1[:7], Size: 1}, "timestamps"},
		{"more rows than size", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1, Size: 0}, "timestamps"},
		{"negative size", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1, Size: -1}, "timestamps"},
		{"short values", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{2}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1, Size: 1}, "malformed"},
		{"types mismatch", rpc.TSInsertTabletReq{Measurements: []string{"s", "t"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1, Size: 1}, "data types"},
		{"bad type", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{6}, Values: []byte{0, 0, 0, 1}, Timestamps: ts1, Size: 1}, "data type"},
		{"truncated bitmap", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1, 1}, Timestamps: ts1, Size: 1}, "bitmap"},
		{"bitmap trailing", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{1}, Values: []byte{0, 0, 0, 1, 0, 9}, Timestamps: ts1, Size: 1}, "left"},
		{"text rows without lengths", rpc.TSInsertTabletReq{Measurements: []string{"s"}, Types: []int32{5}, Values: []byte{0, 0}, Timestamps: ts1, Size: 1}, "TEXT"},
	}
	for _, tc := range tablets {
		t.Run("tablet/"+tc.name, func(t *testing.T) {
			req := tc.req
			req.SessionId, req.PrefixPath = c.sid, "root.sg.d"
			st, err := c.InsertTablet(ctx, &req)
			wantCode(t, st, err, status.IllegalParameter)
			if !strings.Contains(st.GetMessage(), tc.words) {
				t.Fatalf("message %q does not mention %q", st.GetMessage(), tc.words)
			}
		})
	}
	st, err := c.InsertRecords(ctx, &rpc.TSInsertRecordsReq{SessionId: c.sid, PrefixPaths: []string{"root.sg.d"},
		MeasurementsList: [][]string{{"s"}}, ValuesList: nil, Timestamps: []int64{1}})
	wantCode(t, st, err, status.IllegalParameter)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("malformed inserts reached the backend: %s", dump(got))
	}
	// The connection is still fine.
	st, err = c.SetStorageGroup(ctx, c.sid, "root.ok")
	wantCode(t, st, err, status.Success)
}

func TestOversizeRequest(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxFrameBytes = 64 << 10 })
	s := e.session(t, 0)
	ct, err := client.NewTablet("root.sg.d1", []*client.MeasurementSchema{{Measurement: "t", DataType: client.TEXT}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for r := range 3 {
		ct.SetTimestamp(int64(r), r)
		_ = ct.SetValueAt(strings.Repeat("v", 40<<10), 0, r)
	}
	ct.RowSize = 3
	r, err := s.InsertTablet(ct, true)
	wantCode(t, r, err, status.OversizeRecord)
	if !strings.Contains(r.GetMessage(), "exceeds the limit of 65536 bytes") {
		t.Fatalf("message %q", r.GetMessage())
	}
	// The connection and session survive.
	r, err = s.SetStorageGroup("root.sg")
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(), &ast.CreateDatabase{Path: path(t, "root.sg")})

	// Oversize calls of other shapes fail cleanly too.
	c := e.raw(t)
	resp, err := c.ExecuteStatement(context.Background(), &rpc.TSExecuteStatementReq{SessionId: c.sid, Statement: strings.Repeat(" ", 70<<10)})
	wantCode(t, resp.GetStatus(), err, status.OversizeRecord)
	_, err = c.FetchMetadata(context.Background(), &rpc.TSFetchMetadataReq{SessionId: c.sid, Type: strings.Repeat("x", 70<<10)})
	var ae thrift.TApplicationException
	if err == nil || !errors.As(err, &ae) || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Fatalf("oversize fetchMetadata: %v", err)
	}
	st, err := c.SetStorageGroup(context.Background(), c.sid, "root.sg2")
	wantCode(t, st, err, status.Success)
}

// A write of one device whose region another DataNode leads succeeds with
// the redirection recommendation naming that node; writes spanning devices,
// and devices led here, get plain success.
func TestInsertRedirectsToTheLeader(t *testing.T) {
	e := newEnv(t)
	e.be.mu.Lock()
	e.be.leaders = map[string]*rpc.EndPoint{"root.sg.far": {IP: "10.0.0.7", Port: 6668}}
	e.be.mu.Unlock()
	s := e.session(t, 0)

	r, err := s.InsertRecord("root.sg.far", []string{"s"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
	wantCode(t, r, err, status.RedirectionRecommend)
	if n := r.GetRedirectNode(); n == nil || n.IP != "10.0.0.7" || n.Port != 6668 {
		t.Fatalf("redirect node = %+v, want 10.0.0.7:6668", n)
	}
	r, err = s.InsertRecord("root.sg.near", []string{"s"}, []client.TSDataType{client.INT32}, []any{int32(1)}, 1)
	wantCode(t, r, err, status.Success)
	r, err = s.InsertRecords([]string{"root.sg.far", "root.sg.near"}, [][]string{{"s"}, {"s"}},
		[][]client.TSDataType{{client.INT32}, {client.INT32}}, [][]any{{int32(1)}, {int32(2)}}, []int64{1, 1})
	wantCode(t, r, err, status.Success)
	if got := len(e.be.take()); got != 3 {
		t.Fatalf("%d writes reached the backend, want 3", got)
	}
}
