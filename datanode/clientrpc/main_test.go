package clientrpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeBackend records the statements it runs. hook, when set, decides
// their outcome.
type fakeBackend struct {
	mu    sync.Mutex
	stmts []ast.Statement
	zones []*time.Location
	hook  func(ctx context.Context, stmt ast.Statement) (*model.Result, error)
	// leaders maps devices to the client endpoint of the DataNode leading
	// them, for LeaderEndpoint.
	leaders map[string]*rpc.EndPoint
}

func (f *fakeBackend) LeaderEndpoint(device model.Path) (string, int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ep, ok := f.leaders[device.String()]
	if !ok {
		return "", 0, false
	}
	return ep.IP, int(ep.Port), true
}

func (f *fakeBackend) Login(_ context.Context, user, password string) error {
	if user != "root" || password != "root" {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s: wrong password or no such user", user)
	}
	return nil
}

func (f *fakeBackend) Run(ctx context.Context, _ string, zone *time.Location, stmt ast.Statement) (*model.Result, error) {
	f.mu.Lock()
	f.stmts = append(f.stmts, stmt)
	f.zones = append(f.zones, zone)
	hook := f.hook
	f.mu.Unlock()
	if hook != nil {
		return hook(ctx, stmt)
	}
	return nil, nil
}

func (f *fakeBackend) setHook(h func(ctx context.Context, stmt ast.Statement) (*model.Result, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

// take returns the statements run so far and forgets them.
func (f *fakeBackend) take() []ast.Statement {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.stmts
	f.stmts = nil
	return out
}

func (f *fakeBackend) lastZone() *time.Location {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.zones[len(f.zones)-1]
}

// fakeParser maps SQL texts to statements, standing in for sql/parser.
type fakeParser map[string][]ast.Statement

func (p fakeParser) parse(sql string) ([]ast.Statement, error) {
	if stmts, ok := p[sql]; ok {
		return stmts, nil
	}
	return nil, fmt.Errorf("syntax error in %q", sql)
}

type env struct {
	srv  *Server
	be   *fakeBackend
	reg  *prometheus.Registry
	host string
	port string
}

// newEnv starts a Server on a free port with a fake backend.
func newEnv(t *testing.T, configure ...func(*Config)) *env {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", Parse: fakeParser{}.parse}
	for _, f := range configure {
		f(&cfg)
	}
	be := &fakeBackend{}
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := New(cfg, be, logger, reg)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	host, port, err := net.SplitHostPort(srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, be: be, reg: reg, host: host, port: port}
}

// session opens an official client session as root.
func (e *env) session(t *testing.T, fetchSize int32) *client.Session {
	t.Helper()
	return e.sessionOpts(t, fetchSize, false)
}

func (e *env) sessionOpts(t *testing.T, fetchSize int32, compact bool) *client.Session {
	t.Helper()
	s := client.NewSession(&client.Config{Host: e.host, Port: e.port, UserName: "root", Password: "root", FetchSize: fetchSize})
	if err := s.Open(compact, 5000); err != nil {
		t.Fatalf("open session: %v", err)
	}
	t.Cleanup(func() { _, _ = s.Close() })
	return &s
}

// rawClient is a generated TSIService client on its own connection, for
// calls client.Session does not offer or inputs it would not send.
type rawClient struct {
	*rpc.TSIServiceClient
	trans thrift.TTransport
	sid   int64
}

func (e *env) raw(t *testing.T) *rawClient {
	t.Helper()
	cfg := &thrift.TConfiguration{}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(net.JoinHostPort(e.host, e.port), cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	c := &rawClient{TSIServiceClient: rpc.NewTSIServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans))), trans: trans}
	user, pw := "root", "root"
	resp, err := c.OpenSession(context.Background(), &rpc.TSOpenSessionReq{
		ClientProtocol: rpc.TSProtocolVersion_IOTDB_SERVICE_PROTOCOL_V3, ZoneId: "UTC", Username: &user, Password: &pw})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status.Code != 200 {
		t.Fatalf("open session: %v", resp.Status)
	}
	c.sid = resp.GetSessionId()
	return c
}

// wantCode fails unless st carries code.
func wantCode(t *testing.T, st *rpc.TSStatus, err error, code status.Code) {
	t.Helper()
	if err != nil {
		t.Fatalf("transport error %v, want status %d", err, code)
	}
	if st == nil {
		t.Fatalf("nil status, want %d", code)
	}
	if st.Code != int32(code) {
		t.Fatalf("status %d (%s), want %d", st.Code, st.GetMessage(), code)
	}
}

func wantStatements(t *testing.T, got []ast.Statement, want ...ast.Statement) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statements differ\n got: %s\nwant: %s", dump(got), dump(want))
	}
}

func dump(stmts []ast.Statement) string {
	s := ""
	for _, st := range stmts {
		s += fmt.Sprintf("\n  %T %+v", st, st)
		if ins, ok := st.(*ast.InsertTablets); ok {
			for _, t := range ins.Tablets {
				s += fmt.Sprintf("\n    %+v", *t)
			}
		}
	}
	return s
}

func path(t *testing.T, s string) model.Path {
	t.Helper()
	p, err := model.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// col builds a column of type typ from values, nil meaning null.
func col(typ model.DataType, values ...any) model.Column {
	c := model.NewColumn(typ, len(values))
	for _, v := range values {
		c.Append(v)
	}
	return c
}

// chunkRows serves a batch in chunks of at most chunk rows and records
// whether it was closed.
type chunkRows struct {
	mu     sync.Mutex
	rows   *model.SliceRows
	chunk  int
	closed bool
	calls  int
}

func newChunkRows(b model.Batch, chunk int) *chunkRows {
	return &chunkRows{rows: model.NewSliceRows(b), chunk: chunk}
}

func (c *chunkRows) Next(ctx context.Context, max int) (*model.Batch, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("next after close")
	}
	c.calls++
	return c.rows.Next(ctx, min(max, c.chunk))
}

func (c *chunkRows) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *chunkRows) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metricValue reads the value of a collector holding one counter or gauge.
func metricValue(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}
