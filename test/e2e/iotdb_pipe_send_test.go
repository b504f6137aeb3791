package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/test/proc"
)

// TestIoTDBPipeSend runs pipes with iotdb-thrift-sink (async) and
// iotdb-thrift-sync-sink from a Sluice standalone to a receiver that
// behaves as an IoTDB 1.3 DataNode: an iotdbFront in front of a second
// standalone, answering Sluice's handshake as IoTDB does and relaying
// IoTDB's requests to the standalone's client port, which takes IoTDB's
// protocol. The sinks must detect IoTDB and speak its protocol; every
// value of every type, nulls, aligned and non-aligned, history and
// realtime, is read back with the official client.
func TestIoTDBPipeSend(t *testing.T) {
	t.Parallel()
	a, b, ca, cb := startPipePair(t)
	front := startIoTDBFront(t, b)

	ca.mustExec(
		"CREATE DATABASE root.sg",
		"CREATE TIMESERIES root.sg.d1.b WITH DATATYPE=BOOLEAN",
		"CREATE TIMESERIES root.sg.d1.i WITH DATATYPE=INT32",
		"CREATE TIMESERIES root.sg.d1.l WITH DATATYPE=INT64",
		"CREATE TIMESERIES root.sg.d1.f WITH DATATYPE=FLOAT",
		"CREATE TIMESERIES root.sg.d1.d WITH DATATYPE=DOUBLE",
		"CREATE TIMESERIES root.sg.d1.s WITH DATATYPE=TEXT",
		"CREATE ALIGNED TIMESERIES root.sg.al(b BOOLEAN, i INT32, l INT64, f FLOAT, d DOUBLE, s TEXT)",
	)
	write := func(from int64) {
		for _, dev := range []string{"root.sg.d1", "root.sg.al"} {
			aligned := ""
			if dev == "root.sg.al" {
				aligned = " ALIGNED"
			}
			ca.mustExec(
				fmt.Sprintf("INSERT INTO %s(time, b, i, l, f, d, s)%s VALUES (%d, true, -7, 9007199254740993, 1.5, -2.25e100, 'héllo'), (%d, false, 2147483647, -9223372036854775808, -0.125, 3.5, '')",
					dev, aligned, from, from+1),
				// Rows with nulls: a column left out of a row.
				fmt.Sprintf("INSERT INTO %s(time, i, s)%s VALUES (%d, 5, 'only i and s')", dev, aligned, from+2),
				fmt.Sprintf("INSERT INTO %s(time, b, d)%s VALUES (%d, true, 0.0)", dev, aligned, from+3),
			)
		}
	}
	write(1000) // history
	sink := func(plugin string) string {
		return fmt.Sprintf("WITH SINK ('sink'='%s', 'sink.node-urls'='%s', 'sink.user'='root', 'sink.password'='root')", plugin, front.addr())
	}
	ca.mustExec(
		"CREATE PIPE to_iotdb_async "+sink("iotdb-thrift-sink"),
		"CREATE PIPE to_iotdb_sync "+sink("iotdb-thrift-sync-sink"),
	)
	write(2000) // realtime
	want := ca.dump("root.sg")
	if want.points() != 2*2*(6+6+2+2) {
		t.Fatalf("sender holds %d points, want %d", want.points(), 2*2*16)
	}
	pipeWaitData(t, cb, "root.sg", want, 60*time.Second)
	if d := pipeDiff(want, cb.dump("root.sg")); d != "" {
		t.Fatalf("receiver differs from sender: %s", d)
	}
	for _, name := range []string{"to_iotdb_async", "to_iotdb_sync"} {
		if row := ca.pipe(name); row["State"] != "RUNNING" || row["ExceptionMessage"] != "" {
			t.Fatalf("pipe %s: %v", name, row)
		}
	}
	// The aligned device arrived aligned: the receiver refuses a
	// non-aligned write to it.
	if code, _ := cb.mustFail("INSERT INTO root.sg.al(time, i) VALUES (1, 1)"); code != 609 {
		t.Fatalf("non-aligned write to the received aligned device: code %d, want 609", code)
	}

	// Every connection was answered as IoTDB answers Sluice's handshake,
	// then spoke IoTDB's protocol only.
	types := front.types()
	for _, typ := range []int16{1, iotdbwire.TypeHandshakeV2} {
		if types[typ] == 0 {
			t.Fatalf("no request of type %d at the receiver: %v", typ, types)
		}
	}
	if types[iotdbwire.TypeTabletRaw]+types[iotdbwire.TypeTabletBatch] == 0 {
		t.Fatalf("no IoTDB tablets at the receiver: %v", types)
	}
	for typ := range types {
		if !slices.Contains([]int16{1, iotdbwire.TypeHandshakeV2, iotdbwire.TypeTabletRaw, iotdbwire.TypeTabletBatch}, typ) {
			t.Fatalf("request type %d at the receiver: %v", typ, types)
		}
	}
	if n := front.sluiceHandshakes(); n != types[1] {
		t.Fatalf("%d of %d type-1 requests were Sluice's handshake, want all", n, types[1])
	}
	alive(t, a)
}

// iotdbFront answers pipeTransfer as an IoTDB 1.3 DataNode does, backed
// by a Sluice standalone: a type-1 request whose body is not IoTDB's V1
// handshake (Sluice's handshake) gets the status an IoTDB receiver
// answers a body it cannot read with; everything else is relayed, per
// connection, to the standalone's client port.
type iotdbFront struct {
	ln      net.Listener
	backend string
	wg      sync.WaitGroup

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	byType  map[int16]int
	sluiceN int
}

func startIoTDBFront(t *testing.T, backend *proc.Standalone) *iotdbFront {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &iotdbFront{ln: ln, backend: backend.Addr(), conns: map[net.Conn]struct{}{}, byType: map[int16]int{}}
	f.wg.Go(f.accept)
	t.Cleanup(f.close)
	return f
}

func (f *iotdbFront) addr() string { return f.ln.Addr().String() }

func (f *iotdbFront) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns[c] = struct{}{}
		f.mu.Unlock()
		f.wg.Go(func() { f.serve(c) })
	}
}

// serve relays one sender connection over its own backend connection, as
// the backend keeps a handshake per connection.
func (f *iotdbFront) serve(c net.Conn) {
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		c.Close()
	}()
	conf := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 60 * time.Second}
	up := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(f.backend, conf), conf)
	if err := up.Open(); err != nil {
		return
	}
	defer up.Close()
	upProto := thrift.NewTBinaryProtocolConf(up, conf)
	h := &frontConn{f: f, up: pipethrift.NewPipeTransferServiceClient(thrift.NewTStandardClient(upProto, upProto))}
	p := pipethrift.NewPipeTransferServiceProcessor(h)
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(c, conf), conf)
	proto := thrift.NewTBinaryProtocolConf(trans, conf)
	for {
		_, err := p.Process(context.Background(), proto, proto)
		var ae thrift.TApplicationException
		if err != nil && !errors.As(err, &ae) {
			return
		}
	}
}

// frontConn is the handler of one relayed connection.
type frontConn struct {
	f  *iotdbFront
	up *pipethrift.PipeTransferServiceClient
}

func (h *frontConn) PipeTransfer(ctx context.Context, req *pipethrift.TPipeTransferReq) (*pipethrift.TPipeTransferResp, error) {
	h.f.mu.Lock()
	h.f.byType[req.Type]++
	h.f.mu.Unlock()
	if req.Type == iotdbwire.TypeHandshakeV1 && !iotdbwire.LooksLikeHandshakeV1(req.Body) {
		h.f.mu.Lock()
		h.f.sluiceN++
		h.f.mu.Unlock()
		msg := fmt.Sprintf("Exception null encountered while handling request TPipeTransferReq(version:%d, type:%d, body:...).", req.Version, req.Type)
		return &pipethrift.TPipeTransferResp{Status: &pipethrift.TSStatus{Code: 1107, Message: &msg}}, nil
	}
	return h.up.PipeTransfer(ctx, req)
}

func (f *iotdbFront) types() map[int16]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[int16]int, len(f.byType))
	for k, v := range f.byType {
		out[k] = v
	}
	return out
}

func (f *iotdbFront) sluiceHandshakes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sluiceN
}

func (f *iotdbFront) close() {
	f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}
