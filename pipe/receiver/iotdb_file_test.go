package receiver

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/tsfile"
)

const iotdbGoldenTsFile = "/work/shared/iotdb-golden/tsfile/zstd.tsfile"

func pieceBody(name string, offset int64, data []byte) []byte {
	b := iotdbString(name)
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func sealV1Body(name string, length int64) []byte {
	return binary.BigEndian.AppendUint64(iotdbString(name), uint64(length))
}

func sealV2Body(names []string, lengths []int64) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	for _, n := range names {
		b = append(b, iotdbString(n)...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(lengths)))
	for _, l := range lengths {
		b = binary.BigEndian.AppendUint64(b, uint64(l))
	}
	return binary.BigEndian.AppendUint32(b, 0)
}

// fileEnv is an env whose receiver takes files, handshaken as IoTDB V2.
func fileEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "files")
	e.r = New(e.target, nil, nil, nil, WithFileDir(dir), WithMaxFileBytes(1<<20))
	wantStatus(t, e.r.Handle(context.Background(), request(iotdbwire.TypeHandshakeV2, iotdbGolden(t, "handshake_v2"))), status.Success, "")
	return e, dir
}

// sendFile sends data as pieces of typ and checks each answer's offset.
func sendFile(t *testing.T, e *env, typ int16, name string, data []byte) {
	t.Helper()
	for off := 0; off < len(data); off += 4096 {
		end := min(off+4096, len(data))
		resp := e.r.Handle(context.Background(), request(typ, pieceBody(name, int64(off), data[off:end])))
		wantOffset(t, resp, status.Success, int64(end))
	}
}

func wantOffset(t *testing.T, resp *pipethrift.TPipeTransferResp, code status.Code, offset int64) {
	t.Helper()
	if resp.Status.Code != int32(code) || len(resp.Body) != 8 || int64(binary.BigEndian.Uint64(resp.Body)) != offset {
		t.Fatalf("piece answer %d %q body %x, want %d at offset %d", resp.Status.Code, resp.Status.GetMessage(), resp.Body, code, offset)
	}
}

// rowsByDevice counts the rows inserted per device.
func rowsByDevice(calls []insertCall) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		for _, tb := range c.tablets {
			if err := tb.Validate(); err != nil {
				panic(err)
			}
			out[tb.Device.String()] += len(tb.Times)
		}
	}
	return out
}

func TestIoTDBTsFile(t *testing.T) {
	data, err := os.ReadFile(iotdbGoldenTsFile)
	if err != nil {
		t.Skip(err)
	}
	e, dir := fileEnv(t)
	ctx := context.Background()
	sendFile(t, e, iotdbwire.TypeTsFilePiece, "1-1-0-0.tsfile", data)
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFileSeal, sealV1Body("1-1-0-0.tsfile", int64(len(data))))), status.Success, "")
	calls := e.target.takeInserts()
	got := rowsByDevice(calls)
	for _, d := range []string{"root.sg.d1", "root.sg.d2", "root.sg.d3", "root.sg.d4"} {
		if got[d] != 300 {
			t.Fatalf("rows per device %v, want 300 each", got)
		}
	}
	first := calls[0].tablets[0]
	if first.Device.String() != "root.sg.d1" || first.Times[0] != 1700000000000 || calls[0].origin != "00000000-0000-0000-0000-000000000001" {
		t.Fatalf("first tablet %s at %v from %s", first.Device, first.Times[:1], calls[0].origin)
	}
	for i, m := range first.Measurements {
		want := map[string]any{"s_int32": int32(-40), "s_text": "v0-5-é中", "s_bool": true, "s_int64": int64(1000000000001), "s_double": 1001237.5678, "s_float": float32(22.5)}[m]
		if got := first.Columns[i].Value(0); got != want {
			t.Fatalf("%s = %#v, want %#v", m, got, want)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "0")); len(left) != 0 {
		t.Fatalf("files left after the seal: %v", left)
	}
}

func TestIoTDBTsFileWithMods(t *testing.T) {
	data, err := os.ReadFile(iotdbGoldenTsFile)
	if err != nil {
		t.Skip(err)
	}
	e, _ := fileEnv(t)
	var mods bytes.Buffer
	if err := tsfile.WriteMods(&mods, []tsfile.Deletion{{Path: "root.sg.d1.**", FileOffset: int64(len(data)), StartTime: 0, EndTime: 1 << 62}}); err != nil {
		t.Fatal(err)
	}
	sendFile(t, e, iotdbwire.TypeTsFilePieceWithMod, "a.tsfile.mods", mods.Bytes())
	sendFile(t, e, iotdbwire.TypeTsFilePieceWithMod, "a.tsfile", data)
	seal := sealV2Body([]string{"a.tsfile.mods", "a.tsfile"}, []int64{int64(mods.Len()), int64(len(data))})
	wantStatus(t, e.r.Handle(context.Background(), request(iotdbwire.TypeTsFileSealWithMod, seal)), status.Success, "")
	got := rowsByDevice(e.target.takeInserts())
	if got["root.sg.d1"] != 0 || got["root.sg.d2"] != 300 {
		t.Fatalf("rows per device %v: want d1 deleted by the mods, d2 whole", got)
	}
}

func TestIoTDBTsFileRefusals(t *testing.T) {
	e, _ := fileEnv(t)
	ctx := context.Background()
	// A piece not where the file ends: resend from the receiver's offset.
	wantOffset(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("f.tsfile", 5, []byte("x")))), iotdbwire.CodeFileOffsetReset, 0)
	wantOffset(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("f.tsfile", 0, []byte("abc")))), status.Success, 3)
	wantOffset(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("f.tsfile", 1, []byte("abc")))), iotdbwire.CodeFileOffsetReset, 3)
	// A seal of another length, or of a file not received.
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFileSeal, sealV1Body("f.tsfile", 4))), iotdbwire.CodeFileError, "sealed at 4 bytes")
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFileSeal, sealV1Body("g.tsfile", 3))), iotdbwire.CodeFileError, "g.tsfile")
	// A file that is not a TsFile.
	wantOffset(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("f.tsfile", 0, []byte("abc")))), status.Success, 3)
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFileSeal, sealV1Body("f.tsfile", 3))), iotdbwire.CodeFileError, "f.tsfile")
	// Names that are paths, and files over the limit.
	for _, name := range []string{"../x", "a/b", "..", ""} {
		wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody(name, 0, nil))), status.IllegalParameter, "file name")
	}
	wantStatus(t, e.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("big", 0, make([]byte, 1<<20+1)))), iotdbwire.CodeFileError, "limit of 1048576 bytes")
	// Without a file dir, TsFiles are refused.
	e2 := newEnv(t)
	wantStatus(t, e2.r.Handle(ctx, request(iotdbwire.TypeHandshakeV1, iotdbGolden(t, "handshake_v1"))), status.Success, "")
	wantStatus(t, e2.r.Handle(ctx, request(iotdbwire.TypeTsFilePiece, pieceBody("f", 0, nil))), CodeIoTDBPipeTypeError, "no TsFile")
}

func TestIoTDBTsFileConnClosed(t *testing.T) {
	e, dir := fileEnv(t)
	wantOffset(t, e.r.Handle(context.Background(), request(iotdbwire.TypeTsFilePiece, pieceBody("f.tsfile", 0, []byte("abc")))), status.Success, 3)
	if _, err := os.Stat(filepath.Join(dir, "0", "f.tsfile")); err != nil {
		t.Fatal(err)
	}
	e.r.ConnClosed(0)
	if _, err := os.Stat(filepath.Join(dir, "0")); !os.IsNotExist(err) {
		t.Fatalf("connection's files after it closed: %v", err)
	}
}
