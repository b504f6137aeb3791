package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
)

// fakeServer is a DataNode client port reduced to what the shell uses. Each
// query's rows are served in the pages listed, the first with the execute
// response and the rest through fetchResults.
type fakeServer struct {
	rpc.TSIService // unimplemented methods panic: the shell must not call them

	mu        sync.Mutex
	queries   map[string]*fakeQuery
	statuses  map[string]*rpc.TSStatus
	sessions  int
	closedOps []int64
	closedSes int
	nextQuery int64
	open      map[int64]*fakeQuery
}

type fakeQuery struct {
	names      []string
	types      []string
	nameIndex  map[string]int32
	ignoreTime bool
	pageTypes  []string // types of the deduplicated columns, if not types
	pages      [][]row
	fetchErr   *rpc.TSStatus // returned instead of the second page, if set
}

func newFakeServer() *fakeServer {
	return &fakeServer{queries: map[string]*fakeQuery{}, statuses: map[string]*rpc.TSStatus{}, open: map[int64]*fakeQuery{}}
}

func status(code int32, msg string) *rpc.TSStatus { return &rpc.TSStatus{Code: code, Message: &msg} }

func (f *fakeServer) OpenSession(_ context.Context, req *rpc.TSOpenSessionReq) (*rpc.TSOpenSessionResp, error) {
	if req.GetUsername() != "root" || req.GetPassword() != "root" {
		return &rpc.TSOpenSessionResp{Status: status(801, "Authentication failed.")}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions++
	id := int64(f.sessions)
	return &rpc.TSOpenSessionResp{Status: status(200, ""), SessionId: &id}, nil
}

func (f *fakeServer) RequestStatementId(context.Context, int64) (int64, error) { return 1, nil }

func (f *fakeServer) ExecuteStatement(_ context.Context, req *rpc.TSExecuteStatementReq) (*rpc.TSExecuteStatementResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st := f.statuses[req.Statement]; st != nil {
		return &rpc.TSExecuteStatementResp{Status: st}, nil
	}
	q := f.queries[req.Statement]
	f.nextQuery++
	id := f.nextQuery
	if q == nil {
		// A non-query; like some servers, report a query id anyway.
		return &rpc.TSExecuteStatementResp{Status: status(200, ""), QueryId: &id}, nil
	}
	pageTypes := q.pageTypes
	if pageTypes == nil {
		pageTypes = q.types
	}
	f.open[id] = &fakeQuery{pageTypes: pageTypes, pages: q.pages[1:], fetchErr: q.fetchErr}
	return &rpc.TSExecuteStatementResp{
		Status:             status(200, ""),
		QueryId:            &id,
		Columns:            q.names,
		DataTypeList:       q.types,
		ColumnNameIndexMap: q.nameIndex,
		IgnoreTimeStamp:    &q.ignoreTime,
		QueryDataSet:       encodePage(pageTypes, q.pages[0]),
	}, nil
}

func (f *fakeServer) FetchResults(_ context.Context, req *rpc.TSFetchResultsReq) (*rpc.TSFetchResultsResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.open[req.QueryId]
	if q == nil {
		return &rpc.TSFetchResultsResp{Status: status(708, "no such query")}, nil
	}
	if q.fetchErr != nil {
		return &rpc.TSFetchResultsResp{Status: q.fetchErr}, nil
	}
	if len(q.pages) == 0 {
		return &rpc.TSFetchResultsResp{Status: status(200, ""), HasResultSet: false, IsAlign: true}, nil
	}
	page := q.pages[0]
	q.pages = q.pages[1:]
	return &rpc.TSFetchResultsResp{Status: status(200, ""), HasResultSet: true, IsAlign: true, QueryDataSet: encodePage(q.pageTypes, page)}, nil
}

func (f *fakeServer) CloseOperation(_ context.Context, req *rpc.TSCloseOperationReq) (*rpc.TSStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closedOps = append(f.closedOps, req.GetQueryId())
	delete(f.open, req.GetQueryId())
	return status(200, ""), nil
}

func (f *fakeServer) CloseSession(context.Context, *rpc.TSCloseSessionReq) (*rpc.TSStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closedSes++
	return status(200, ""), nil
}

// encodePage lays rows out as IoTDB's TSQueryDataSet: big-endian times,
// one value buffer per column holding only the non-null values, and one
// bitmap per column with a set bit (most significant first) per non-null.
func encodePage(types []string, rows []row) *rpc.TSQueryDataSet {
	ds := &rpc.TSQueryDataSet{ValueList: make([][]byte, len(types)), BitmapList: make([][]byte, len(types))}
	for i, r := range rows {
		ds.Time = binary.BigEndian.AppendUint64(ds.Time, uint64(r.time))
		for c, v := range r.values {
			if i%8 == 0 {
				ds.BitmapList[c] = append(ds.BitmapList[c], 0)
			}
			if v == nil {
				continue
			}
			ds.BitmapList[c][i/8] |= 0x80 >> (i % 8)
			b := ds.ValueList[c]
			switch v := v.(type) {
			case bool:
				if v {
					b = append(b, 1)
				} else {
					b = append(b, 0)
				}
			case int32:
				b = binary.BigEndian.AppendUint32(b, uint32(v))
			case int64:
				b = binary.BigEndian.AppendUint64(b, uint64(v))
			case float32:
				b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
			case float64:
				b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
			case string:
				b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
				b = append(b, v...)
			default:
				panic(fmt.Sprintf("BUG: cannot encode %T", v))
			}
			ds.ValueList[c] = b
		}
	}
	return ds
}

// serve runs f on a free local port until the test ends and returns the port.
func serve(t *testing.T, f *fakeServer) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sock := thrift.NewTServerSocketFromAddrTimeout(l.Addr(), 0)
	l.Close()
	if err := sock.Listen(); err != nil {
		t.Fatal(err)
	}
	conf := &thrift.TConfiguration{}
	srv := thrift.NewTSimpleServer4(rpc.NewTSIServiceProcessor(f), sock,
		thrift.NewTFramedTransportFactoryConf(thrift.NewTTransportFactory(), conf),
		thrift.NewTBinaryProtocolFactoryConf(conf))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve()
	}()
	t.Cleanup(func() {
		_ = srv.Stop()
		<-done
	})
	_, port, _ := net.SplitHostPort(sock.Addr().String())
	return port
}

// runAgainst runs the real Main path (dialSession) against port.
func runAgainst(t *testing.T, port string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{dial: dialSession, loc: shanghai, now: fakeClock()}
	code := run(context.Background(), append([]string{"-p", port}, args...), nil, &stdout, &stderr, e)
	return code, string(transcript(&stdout, &stderr))
}

func TestSessionAgainstThriftServer(t *testing.T) {
	f := newFakeServer()
	allTypes := []string{"DOUBLE", "BOOLEAN", "INT32", "INT64", "FLOAT", "TEXT"}
	f.queries["select * from root.sg.d1"] = &fakeQuery{
		names: []string{"root.sg.d1.s1", "root.sg.d1.b", "root.sg.d1.i", "root.sg.d1.l", "root.sg.d1.f", "root.sg.d1.t"},
		types: allTypes,
		pages: [][]row{
			{
				{1, []any{1.0, true, int32(1), int64(10), float32(0.5), "a"}},
				{2, []any{nil, nil, nil, nil, nil, nil}},
			},
			{}, // an empty page is not the end: hasResultSet=false is
			{
				{3, []any{2.5, false, nil, int64(-3), nil, "温度"}},
				{4, []any{nil, true, int32(4), nil, float32(1e10), nil}},
				{5, []any{1e-5, nil, int32(5), int64(5), nil, "x"}},
				{6, []any{6.0, nil, nil, nil, nil, nil}},
				{7, []any{7.0, nil, nil, nil, nil, nil}},
				{8, []any{8.0, nil, nil, nil, nil, nil}},
				{9, []any{nil, nil, nil, nil, nil, "ninth"}}, // crosses a bitmap byte
			},
		},
	}
	f.queries["show databases"] = &fakeQuery{
		names:      []string{"Database", "TTL"},
		types:      []string{"TEXT", "INT64"},
		ignoreTime: true,
		pages:      [][]row{{{0, []any{"root.sg", nil}}, {0, []any{"root.ln", int64(3600000)}}}},
	}
	f.queries["select s1, s1 from root.sg.d1"] = &fakeQuery{
		names:     []string{"root.sg.d1.s1", "root.sg.d1.s1"},
		types:     []string{"INT32", "INT32"},
		nameIndex: map[string]int32{"root.sg.d1.s1": 0},
		pageTypes: []string{"INT32"},
		pages:     [][]row{{{1, []any{int32(42)}}}},
	}
	f.queries["select broken"] = &fakeQuery{
		names:    []string{"v"},
		types:    []string{"INT32"},
		pages:    [][]row{{{1, []any{int32(1)}}}},
		fetchErr: status(301, "region leader changed"),
	}
	f.queries["select malformed"] = &fakeQuery{
		names:     []string{"v"},
		types:     []string{"INT32"},
		pageTypes: []string{"INT32", "INT32"}, // a bitmap the client reads is missing
		pages:     [][]row{{{1, []any{int32(1)}}}},
	}
	f.statuses["bad sql"] = status(700, "line 1:0 mismatched input 'bad'")
	sub1, sub2 := status(200, ""), status(507, "root.sg.d2.s1 already exists")
	f.statuses["create timeseries many"] = &rpc.TSStatus{Code: 302, SubStatus: []*rpc.TSStatus{sub1, sub2}}
	f.statuses["redirected"] = status(400, "try elsewhere")
	port := serve(t, f)

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"query-pages", []string{"-e", "select * from root.sg.d1; show databases; select s1, s1 from root.sg.d1"}, 0},
		{"query-pages-json", []string{"--format", "json", "-e", "select * from root.sg.d1"}, 0},
		{"non-query", []string{"-e", "create database root.sg; redirected"}, 0},
		{"status-error", []string{"-e", "create database root.sg; bad sql; show databases"}, 1},
		{"multiple-error", []string{"-e", "create timeseries many"}, 1},
		{"fetch-error", []string{"-e", "select broken; show databases"}, 1},
		{"malformed-page", []string{"-e", "select malformed; show databases"}, 1},
		{"wrong-password", []string{"-pw", "nope", "-e", "show databases"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runAgainst(t, port, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\n%s", code, tt.code, out)
			}
			checkGolden(t, "session-"+tt.name+".golden", []byte(strings.ReplaceAll(out, port, "PORT")))
		})
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.open) != 0 {
		t.Errorf("%d queries left open on the server", len(f.open))
	}
	if f.closedSes != f.sessions {
		t.Errorf("%d sessions opened, %d closed", f.sessions, f.closedSes)
	}
	if !slices.IsSorted(f.closedOps) {
		t.Errorf("closed operations out of order: %v", f.closedOps)
	}
}
