package e2e

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/test/proc"
)

// iotdbGoldenPipeDir holds the pipe requests an Apache IoTDB 1.3 sender
// produced (see its README.md).
const iotdbGoldenPipeDir = "/work/shared/iotdb-golden/pipe"

// TestIoTDBPipeReceive replays an IoTDB 1.3 sender's requests, byte for
// byte as its Thrift binary protocol wrote them, to a standalone over the
// client port, and reads the data back with the official client.
func TestIoTDBPipeReceive(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(iotdbGoldenPipeDir); err != nil {
		t.Skipf("golden IoTDB requests not present: %v", err)
	}
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)

	// V2 handshake, then the non-aligned requests: each writes the same
	// rows, so the data reads back the same after every one.
	v2 := dialIoTDBSender(t, s)
	v2.want(t, "handshake_v2", 200, "")
	for _, name := range []string{"tablet_raw_nonaligned", "tablet_binary", "tablet_insert_node"} {
		v2.want(t, name, 200, "")
		checkIoTDBGoldenRows(t, sess, name)
	}
	// An aligned tablet for the non-aligned device is refused as IoTDB
	// refuses it, and so is the batch, which holds both alignments.
	v2.want(t, "tablet_raw_aligned", 609, "not aligned")
	v2.want(t, "tablet_batch", 609, "aligned")
	checkIoTDBGoldenRows(t, sess, "after the refusals")

	// On a fresh database the aligned tablet creates an aligned device.
	execOK(t, sess, "DROP DATABASE root.sg")
	v2.want(t, "tablet_raw_aligned", 200, "")
	checkIoTDBGoldenRows(t, sess, "tablet_raw_aligned")

	// A V1 handshake on another connection: type 2 is then IoTDB's insert
	// node, not Sluice's tablets.
	execOK(t, sess, "DROP DATABASE root.sg")
	v1 := dialIoTDBSender(t, s)
	v1.want(t, "tablet_insert_node", 1107, "handshake required")
	v1.want(t, "tablet_raw_nonaligned", 1802, "handshake")
	v1.want(t, "handshake_v1", 200, "")
	v1.want(t, "tablet_insert_node", 200, "")
	checkIoTDBGoldenRows(t, sess, "tablet_insert_node after V1")

	// A wrong password in the V2 parameters is refused as a login is.
	bad := dialIoTDBSender(t, s)
	resp := bad.send(t, 51, iotdbV2Body("clusterID", "other", "timestampPrecision", "ms", "username", "root", "password", "wrong"))
	if resp.GetStatus().GetCode() != 801 {
		t.Fatalf("V2 handshake with a wrong password: %v, want 801", resp.GetStatus())
	}
	if got := bad.send(t, 3, iotdbGoldenBody(t, "tablet_raw_nonaligned")); got.GetStatus().GetCode() != 1802 {
		t.Fatalf("tablet after a refused handshake: %v, want 1802", got.GetStatus())
	}
	alive(t, s)
}

// checkIoTDBGoldenRows reads root.sg.d1 back and checks every value the
// golden README lists.
func checkIoTDBGoldenRows(t *testing.T, sess *client.Session, what string) {
	t.Helper()
	names := []string{"s_int32", "s_int64", "s_float", "s_double", "s_bool", "s_text"}
	want := map[int64][]any{
		1700000000000: {int32(1), int64(10), float32(1.5), 3.14159, true, "a"},
		1700000001000: {int32(-2), nil, float32(-2.25), -0.5, false, ""},
		1700000002000: {int32(3), int64(30), float32(0), 1e300, true, nil},
		1700000003000: {int32(math.MaxInt32), int64(math.MinInt64), float32(math.NaN()), 0.0, false, "zz"},
	}
	res := query(t, sess, "SELECT "+strings.Join(names, ", ")+" FROM root.sg.d1")
	if len(res.rows) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(res.rows), len(want))
	}
	for _, rw := range res.rows {
		w, ok := want[rw.time]
		if !ok {
			t.Fatalf("%s: unexpected row at %d", what, rw.time)
		}
		for j, n := range names {
			got := rw.vals[res.col(t, "root.sg.d1."+n)]
			if !sameIoTDBValue(got, w[j]) {
				t.Errorf("%s: %s at %d = %#v, want %#v", what, n, rw.time, got, w[j])
			}
		}
	}
}

// sameIoTDBValue compares values of the official client's types, floats
// by their bits (NaN equals NaN).
func sameIoTDBValue(got, want any) bool {
	switch w := want.(type) {
	case float32:
		g, ok := got.(float32)
		return ok && math.Float32bits(g) == math.Float32bits(w)
	case float64:
		g, ok := got.(float64)
		return ok && math.Float64bits(g) == math.Float64bits(w)
	}
	return got == want
}

// iotdbSender is one client-port connection replaying golden requests.
type iotdbSender struct {
	trans thrift.TTransport
	seq   int32
}

func dialIoTDBSender(t *testing.T, s *proc.Standalone) *iotdbSender {
	t.Helper()
	cfg := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 30 * time.Second}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(s.Addr(), cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	return &iotdbSender{trans: trans}
}

// want replays golden request name (its whole TPipeTransferReq as IoTDB's
// binary protocol wrote it) and checks the reply's code and message.
func (c *iotdbSender) want(t *testing.T, name string, code int32, msg string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(iotdbGoldenPipeDir, name+".tbinary.bin"))
	if err != nil {
		t.Fatal(err)
	}
	resp := c.call(t, raw)
	st := resp.GetStatus()
	if st.GetCode() != code || !strings.Contains(st.GetMessage(), msg) {
		t.Fatalf("%s: status %d %q, want %d containing %q", name, st.GetCode(), st.GetMessage(), code, msg)
	}
}

// send encodes and sends a request of typ carrying body.
func (c *iotdbSender) send(t *testing.T, typ int16, body []byte) *pipethrift.TPipeTransferResp {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	req := &pipethrift.TPipeTransferReq{Version: 1, Type: typ, Body: body}
	if err := req.Write(context.Background(), thrift.NewTBinaryProtocolConf(buf, nil)); err != nil {
		t.Fatal(err)
	}
	return c.call(t, buf.Bytes())
}

// call sends a pipeTransfer call whose argument struct is reqStruct, as
// encoded, and reads the reply.
func (c *iotdbSender) call(t *testing.T, reqStruct []byte) *pipethrift.TPipeTransferResp {
	t.Helper()
	ctx := context.Background()
	c.seq++
	msg := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(msg, nil)
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(p.WriteMessageBegin(ctx, "pipeTransfer", thrift.CALL, c.seq))
	must(p.WriteStructBegin(ctx, "pipeTransfer_args"))
	must(p.WriteFieldBegin(ctx, "req", thrift.STRUCT, 1))
	must(p.Flush(ctx))
	_, err := msg.Write(reqStruct)
	must(err)
	must(p.WriteFieldEnd(ctx))
	must(p.WriteFieldStop(ctx))
	must(p.WriteStructEnd(ctx))
	must(p.WriteMessageEnd(ctx))
	must(p.Flush(ctx))
	_, err = c.trans.Write(msg.Bytes())
	must(err)
	must(c.trans.Flush(ctx))

	in := thrift.NewTBinaryProtocolConf(c.trans, nil)
	_, typ, seq, err := in.ReadMessageBegin(ctx)
	must(err)
	if typ != thrift.REPLY || seq != c.seq {
		t.Fatalf("reply of type %d, seq %d; want %d, %d", typ, seq, thrift.REPLY, c.seq)
	}
	res := pipethrift.NewPipeTransferServicePipeTransferResult()
	must(res.Read(ctx, in))
	must(in.ReadMessageEnd(ctx))
	if !res.IsSetSuccess() {
		t.Fatal("pipeTransfer reply has no result")
	}
	return res.GetSuccess()
}

func iotdbGoldenBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(iotdbGoldenPipeDir, name+".body.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// iotdbV2Body encodes a V2 handshake's parameters as IoTDB does.
func iotdbV2Body(kv ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(kv)/2))
	for _, s := range kv {
		b = append(b, iotdbStringBytes(s)...)
	}
	return b
}

// iotdbStringBytes encodes s as IoTDB does: int32 length, then the bytes.
func iotdbStringBytes(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// TestIoTDBPipeReceiveTsFile sends a TsFile IoTDB 1.3's TsFile library
// wrote, as an IoTDB sender sends historical data (pieces, then a seal),
// and checks every value of every device against the reference reader's
// dump.
func TestIoTDBPipeReceiveTsFile(t *testing.T) {
	t.Parallel()
	const dir = "/work/shared/iotdb-golden/tsfile"
	data, err := os.ReadFile(filepath.Join(dir, "snappy.tsfile"))
	if err != nil {
		t.Skipf("golden TsFile not present: %v", err)
	}
	dump, err := os.ReadFile(filepath.Join(dir, "expected.dump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)
	c := dialIoTDBSender(t, s)
	c.want(t, "handshake_v2", 200, "")
	const name = "1700000000000-1-0-0.tsfile"
	for off := 0; off < len(data); off += 16 << 10 {
		end := min(off+16<<10, len(data))
		piece := binary.BigEndian.AppendUint64(iotdbStringBytes(name), uint64(off))
		piece = binary.BigEndian.AppendUint32(piece, uint32(end-off))
		piece = append(piece, data[off:end]...)
		resp := c.send(t, 4, piece)
		if resp.GetStatus().GetCode() != 200 || int(binary.BigEndian.Uint64(resp.GetBody())) != end {
			t.Fatalf("piece at %d: %v, body %x", off, resp.GetStatus(), resp.GetBody())
		}
	}
	seal := binary.BigEndian.AppendUint64(iotdbStringBytes(name), uint64(len(data)))
	if resp := c.send(t, 5, seal); resp.GetStatus().GetCode() != 200 {
		t.Fatalf("seal: %v", resp.GetStatus())
	}

	lines := strings.Split(strings.TrimSpace(string(dump)), "\n")[1:]
	var series []string
	var device string
	var want map[int64][]string
	check := func() {
		if device == "" {
			return
		}
		res := query(t, sess, "SELECT * FROM "+device)
		if len(res.rows) != len(want) {
			t.Fatalf("%s: %d rows, want %d", device, len(res.rows), len(want))
		}
		for _, rw := range res.rows {
			w, ok := want[rw.time]
			if !ok {
				t.Fatalf("%s: unexpected row at %d", device, rw.time)
			}
			for j, sr := range series {
				if got := rw.vals[res.col(t, sr)]; !sameDumpValue(got, w[j]) {
					t.Errorf("%s at %d = %#v, want %s", sr, rw.time, got, w[j])
				}
			}
		}
	}
	for _, ln := range lines {
		if strings.HasPrefix(ln, "rows ") {
			continue
		}
		if rest, ok := strings.CutPrefix(ln, "device "); ok {
			check()
			dev, list, _ := strings.Cut(rest, " ")
			device, series, want = dev, strings.Split(strings.Trim(list, "[]"), ", "), map[int64][]string{}
			continue
		}
		f := strings.Split(ln, "\t")
		ts, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("dump line %q: %v", ln, err)
		}
		want[ts] = f[1:]
	}
	check()
	alive(t, s)
}

// sameDumpValue compares a value the official client read with the
// reference reader's rendering of it: floats by parsing the rendering at
// their precision, "null" for none.
func sameDumpValue(got any, want string) bool {
	if want == "null" {
		return got == nil
	}
	switch g := got.(type) {
	case float32:
		w, err := strconv.ParseFloat(want, 32)
		return err == nil && float32(w) == g
	case float64:
		w, err := strconv.ParseFloat(want, 64)
		return err == nil && w == g
	case nil:
		return false
	}
	return textOf(got) == want
}
