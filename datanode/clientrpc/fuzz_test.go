package clientrpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/rpc"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// encodeRecord is the client's record encoding, for round trips.
func encodeRecord(cells []cell) []byte {
	var b []byte
	for _, c := range cells {
		if c.v == nil {
			b = append(b, 0xfe)
			continue
		}
		b = append(b, byte(c.typ))
		switch v := c.v.(type) {
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
		}
	}
	return b
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord([]cell{{model.Boolean, true}, {model.Int32, int32(-1)}, {model.Int64, int64(7)},
		{model.Float, float32(1.5)}, {model.Double, 2.5}, {model.Text, "abc"}, {}}), uint8(7))
	f.Add([]byte{5, 0, 0, 0, 2, 'h'}, uint8(1))
	f.Add([]byte{1, 0, 0}, uint8(1))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		cells, err := decodeRecord(data, int(n))
		if err != nil {
			return
		}
		// Bool bytes other than 0 and 1 read as true, so compare after a
		// second trip.
		again, err := decodeRecord(encodeRecord(cells), int(n))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(cells) {
			t.Fatalf("round trip: %v vs %v (%v)", cells, again, err)
		}
	})
}

func FuzzDecodeTablet(f *testing.F) {
	ts := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, 1), 2)
	f.Add([]byte{1, 5}, []byte{0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 0, 1, 2}, ts, int32(2))
	f.Add([]byte{0}, []byte{1, 0}, ts, int32(2))
	f.Add([]byte{4}, make([]byte, 16), ts, int32(9))
	f.Fuzz(func(t *testing.T, types, values, times []byte, size int32) {
		if len(types) > 16 {
			return
		}
		ms := make([]string, len(types))
		ts := make([]int32, len(types))
		for i, b := range types {
			ms[i], ts[i] = fmt.Sprintf("m%d", i), int32(int8(b))
		}
		tab, err := decodeTablet("root.sg.d", false, ms, ts, values, times, size)
		if err != nil {
			return
		}
		if err := tab.Validate(); err != nil {
			t.Fatalf("decoded tablet is invalid: %v", err)
		}
		for i := range tab.Columns {
			c := &tab.Columns[i]
			for r := range tab.Rows() {
				if c.IsNull(r) && c.Value(r) != nil {
					t.Fatal("null row with a value")
				}
			}
		}
	})
}

// bugCatcher is a slog handler that remembers records saying "BUG".
type bugCatcher struct {
	mu   sync.Mutex
	bugs []string
}

func (b *bugCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (b *bugCatcher) WithAttrs([]slog.Attr) slog.Handler       { return b }
func (b *bugCatcher) WithGroup(string) slog.Handler            { return b }
func (b *bugCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "BUG") {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "panic" || a.Key == "stack" {
				msg += fmt.Sprintf(" %s=%v", a.Key, a.Value)
			}
			return true
		})
		b.mu.Lock()
		b.bugs = append(b.bugs, msg)
		b.mu.Unlock()
	}
	return nil
}

// sinkConn is a net.Conn that swallows writes.
type sinkConn struct{ net.Conn }

func (sinkConn) Write(p []byte) (int, error)        { return len(p), nil }
func (sinkConn) Close() error                       { return nil }
func (sinkConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (sinkConn) SetDeadline(time.Time) error        { return nil }
func (sinkConn) SetWriteDeadline(t time.Time) error { return nil }

// message serializes one call as a client would frame it.
func message(name string, args thrift.TStruct) []byte {
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, nil)
	ctx := context.Background()
	_ = p.WriteMessageBegin(ctx, name, thrift.CALL, 1)
	_ = args.Write(ctx, p)
	_ = p.WriteMessageEnd(ctx)
	return buf.Bytes()
}

// FuzzRequest feeds arbitrary request frames to the service, as if they
// came from a logged-in connection, and fails on any panic.
func FuzzRequest(f *testing.F) {
	aligned := true
	f.Add(message("insertRecord", &rpc.TSIServiceInsertRecordArgs{Req: &rpc.TSInsertRecordReq{SessionId: 1, PrefixPath: "root.sg.d",
		Measurements: []string{"a", "b"}, Values: encodeRecord([]cell{{model.Int32, int32(1)}, {model.Text, "x"}}), Timestamp: 3}}))
	f.Add(message("insertTablet", &rpc.TSIServiceInsertTabletArgs{Req: &rpc.TSInsertTabletReq{SessionId: 1, PrefixPath: "root.sg.d",
		Measurements: []string{"a"}, Values: []byte{0, 0, 0, 1, 1, 1}, Timestamps: make([]byte, 8), Types: []int32{1}, Size: 1, IsAligned: &aligned}}))
	f.Add(message("insertRecords", &rpc.TSIServiceInsertRecordsArgs{Req: &rpc.TSInsertRecordsReq{SessionId: 1, PrefixPaths: []string{"root.sg.d"},
		MeasurementsList: [][]string{{"a"}}, ValuesList: [][]byte{{0, 1}}, Timestamps: []int64{1}}}))
	f.Add(message("insertStringRecordsOfOneDevice", &rpc.TSIServiceInsertStringRecordsOfOneDeviceArgs{Req: &rpc.TSInsertStringRecordsOfOneDeviceReq{
		SessionId: 1, PrefixPath: "root.sg.d", MeasurementsList: [][]string{{"a"}, {"b"}}, ValuesList: [][]string{{"1"}, {"2"}}, Timestamps: []int64{1, 2}}}))
	f.Add(message("createMultiTimeseries", &rpc.TSIServiceCreateMultiTimeseriesArgs{Req: &rpc.TSCreateMultiTimeseriesReq{SessionId: 1,
		Paths: []string{"root.sg.d.a"}, DataTypes: []int32{1}, Encodings: []int32{0}, Compressors: []int32{0}}}))
	f.Add(message("executeRawDataQuery", &rpc.TSIServiceExecuteRawDataQueryArgs{Req: &rpc.TSRawDataQueryReq{SessionId: 1, Paths: []string{"root.sg.d.a"}, EndTime: 9}}))
	f.Add(message("setTimeZone", &rpc.TSIServiceSetTimeZoneArgs{Req: &rpc.TSSetTimeZoneReq{SessionId: 1, TimeZone: "+08:00"}}))
	f.Add([]byte{0x82, 0x21, 0x01, 0x00})
	// A call without its request struct reaches the handler as nil.
	f.Add(message("insertRecord", &rpc.TSIServiceInsertRecordArgs{}))
	f.Add(message("executeStatement", &rpc.TSIServiceExecuteStatementArgs{}))

	bugs := &bugCatcher{}
	srv := New(Config{Parse: fakeParser{}.parse}, &fakeBackend{hook: func(_ context.Context, stmt ast.Statement) (*model.Result, error) {
		if _, ok := stmt.(*ast.Select); ok {
			b, _ := sixResult(3)
			return &model.Result{Columns: sixColumns, Types: sixTypesModel(), HasTime: true, Rows: model.NewSliceRows(b)}, nil
		}
		return nil, nil
	}}, slog.New(bugs), nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		ss := &session{id: 1, user: "root", zoneID: "UTC", zone: time.UTC, queries: make(map[int64]*query)}
		c := &conn{srv: srv, nc: sinkConn{}, sessions: map[int64]*session{1: ss}}
		ctx := clientconn.With(context.Background(), c)
		err := c.handle(ctx, frame{body: bytes.Clone(body), size: int64(len(body))})
		if err != nil && strings.HasPrefix(err.Error(), "panic") {
			t.Fatal(err)
		}
		for _, q := range ss.queries {
			srv.releaseQuery(ss, q)
		}
		bugs.mu.Lock()
		defer bugs.mu.Unlock()
		if len(bugs.bugs) > 0 {
			t.Fatalf("BUG logged: %v", bugs.bugs)
		}
	})
}
