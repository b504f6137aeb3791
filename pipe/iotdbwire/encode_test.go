package iotdbwire

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/pipethrift"
)

// goldenSlots is goldenTablet as the sender's buffers held it: the null
// rows' slots carry the values the README names, which the bitmap masks.
func goldenSlots(aligned bool) *model.Tablet {
	t := goldenTablet(aligned)
	t.Columns[1].Int64s[1] = -20
	t.Columns[5].Texts[2] = "h\u00e9llo"
	return t
}

// goldenRequest reads NAME.tbinary.bin or NAME.tcompact.bin.
func goldenRequest(tb testing.TB, name, encoding string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name+"."+encoding+".bin"))
	if os.IsNotExist(err) {
		tb.Skipf("golden file %s not present", name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// thriftBytes is req in Thrift's binary or compact encoding.
func thriftBytes(t *testing.T, req *pipethrift.TPipeTransferReq, compact bool) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	var p thrift.TProtocol = thrift.NewTBinaryProtocolConf(buf, nil)
	if compact {
		p = thrift.NewTCompactProtocolConf(buf, nil)
	}
	if err := req.Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameRequest checks body against NAME.body.bin, and the whole request of
// type typ against NAME.tbinary.bin and NAME.tcompact.bin.
func sameRequest(t *testing.T, name string, typ RequestType, body []byte) {
	t.Helper()
	if want := golden(t, name); !bytes.Equal(body, want) {
		t.Fatalf("%s body differs\nours:   %x\nIoTDB:  %x", name, body, want)
	}
	req := &pipethrift.TPipeTransferReq{Version: 1, Type: typ, Body: body}
	for _, enc := range []string{"tbinary", "tcompact"} {
		got := thriftBytes(t, req, enc == "tcompact")
		if want := goldenRequest(t, name, enc); !bytes.Equal(got, want) {
			t.Fatalf("%s %s differs\nours:   %x\nIoTDB:  %x", name, enc, got, want)
		}
	}
}

func TestEncodeGoldenTabletRaw(t *testing.T) {
	for _, aligned := range []bool{false, true} {
		name := "tablet_raw_nonaligned"
		if aligned {
			name = "tablet_raw_aligned"
		}
		t.Run(name, func(t *testing.T) {
			tablet := goldenSlots(aligned)
			body, err := EncodeTabletRaw(tablet)
			if err != nil {
				t.Fatal(err)
			}
			if len(body) != RawTabletSize(tablet) {
				t.Fatalf("RawTabletSize %d, body %d bytes", RawTabletSize(tablet), len(body))
			}
			sameRequest(t, name, TypeTabletRaw, body)
		})
	}
}

func TestEncodeGoldenHandshakes(t *testing.T) {
	sameRequest(t, "handshake_v1", TypeHandshakeV1, EncodeHandshakeV1("ms"))
	sameRequest(t, "handshake_v2", TypeHandshakeV2, EncodeHandshakeV2([]HandshakeParam{
		{KeyTimestampPrecision, "ms"},
		{KeyClusterID, "00000000-0000-0000-0000-000000000001"},
		{KeyConvertOnTypeMismatch, "true"},
		{KeyLoadTsFileStrategy, "sync"},
	}))
}

// TestEncodeGoldenBatch checks the raw-tablet part of a batch against the
// golden batch, whose last entry is the aligned raw tablet (IoTDB's batch
// also holds a WAL entry and an insert node, which Sluice does not send).
func TestEncodeGoldenBatch(t *testing.T) {
	gold := golden(t, "tablet_batch")
	raw := golden(t, "tablet_raw_aligned")
	tail := append([]byte{0, 0, 0, 1}, raw[:len(raw)-1]...) // count, then the tablet; the batch's flag is the aligned one
	tail = append(tail, 1)
	if !bytes.HasSuffix(gold, tail) {
		t.Fatal("the golden batch does not end with a count of one and the aligned raw tablet")
	}
	body, err := EncodeTabletBatch([]*model.Tablet{goldenSlots(true)})
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte{0, 0, 0, 0, 0, 0, 0, 0}, tail...); !bytes.Equal(body, want) {
		t.Fatalf("batch of one raw tablet\nours: %x\nwant: %x", body, want)
	}
	got, err := DecodeTabletBatch(body, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sameTablets(t, got, []*model.Tablet{goldenTablet(true)})
}

// TestEncodeRoundTrip encodes tablets of every type, with and without
// nulls, aligned or not, and decodes them back.
func TestEncodeRoundTrip(t *testing.T) {
	allNull := []bool{true, true, true}
	some := []bool{false, true, false}
	tablets := []*model.Tablet{
		{
			Device: model.Path{"root", "db", "dev-1", "`x`"}, Measurements: []string{"b", "i", "l", "f", "d", "s"},
			Times: []int64{-5, 0, math.MaxInt64},
			Columns: []model.Column{
				{Type: model.Boolean, Bools: []bool{true, false, false}, Nulls: some},
				{Type: model.Int32, Int32s: []int32{math.MinInt32, 0, 7}},
				{Type: model.Int64, Int64s: []int64{0, 0, 0}, Nulls: allNull},
				{Type: model.Float, Float32s: []float32{float32(math.Inf(-1)), 0, 1e-38}, Nulls: some},
				{Type: model.Double, Float64s: []float64{math.SmallestNonzeroFloat64, 2, math.Copysign(0, -1)}},
				{Type: model.Text, Texts: []string{"日本語", "", "tab\there"}, Nulls: some},
			},
		},
		{Device: model.Path{"root", "db", "a"}, Aligned: true, Measurements: []string{"t"}, Times: []int64{1},
			Columns: []model.Column{{Type: model.Text, Texts: []string{"x"}}}},
		{Device: model.Path{"root", "db", "empty"}, Measurements: []string{}, Columns: []model.Column{}},
	}
	for i, tb := range tablets {
		body, err := EncodeTabletRaw(tb)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) != RawTabletSize(tb) {
			t.Fatalf("tablet %d: RawTabletSize %d, body %d bytes", i, RawTabletSize(tb), len(body))
		}
		got, err := DecodeTabletRaw(body, 1<<20)
		if err != nil {
			t.Fatalf("tablet %d: %v", i, err)
		}
		sameTablets(t, []*model.Tablet{got}, []*model.Tablet{tb})
	}
	body, err := EncodeTabletBatch(tablets)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTabletBatch(body, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sameTablets(t, got, tablets)
}

func TestEncodeRefusesInvalidTablets(t *testing.T) {
	bad := []*model.Tablet{
		{Device: model.Path{"root"}, Measurements: []string{"s"}, Times: []int64{1}, Columns: []model.Column{{Type: model.Int32, Int32s: []int32{1}}}},
		{Device: model.Path{"root", "d"}, Measurements: []string{"s"}, Times: []int64{1, 2}, Columns: []model.Column{{Type: model.Int32, Int32s: []int32{1}}}},
		{Device: model.Path{"root", "d"}, Measurements: []string{"s"}, Times: []int64{1}, Columns: []model.Column{{Type: model.DataType(42)}}},
	}
	for i, tb := range bad {
		if _, err := EncodeTabletRaw(tb); err == nil {
			t.Fatalf("tablet %d encoded", i)
		}
		if _, err := EncodeTabletBatch([]*model.Tablet{tb}); err == nil {
			t.Fatalf("tablet %d encoded in a batch", i)
		}
	}
}

// FuzzEncodeTabletRaw: any raw tablet the decoder takes, encoded again,
// decodes to the same tablet.
func FuzzEncodeTabletRaw(f *testing.F) {
	seed(f, "tablet_raw_nonaligned", "tablet_raw_aligned")
	f.Fuzz(func(t *testing.T, body []byte) {
		tb, err := DecodeTabletRaw(body, fuzzLimit)
		if err != nil || tb.Validate() != nil {
			return
		}
		again, err := EncodeTabletRaw(tb)
		if err != nil {
			t.Fatalf("a valid decoded tablet does not encode: %v", err)
		}
		back, err := DecodeTabletRaw(again, 4*fuzzLimit)
		if err != nil {
			t.Fatalf("re-encoded tablet does not decode: %v", err)
		}
		sameTablets(t, []*model.Tablet{back}, []*model.Tablet{tb})
	})
}

// BenchmarkEncodeTabletRaw encodes a tablet of 4,096 rows of the six
// types, every seventh value null, and reports the wire bytes per point.
func BenchmarkEncodeTabletRaw(b *testing.B) {
	const rows = 4096
	tb := &model.Tablet{Device: model.Path{"root", "sg", "bench"}}
	types := []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text}
	for _, typ := range types {
		tb.Measurements = append(tb.Measurements, typ.String())
		tb.Columns = append(tb.Columns, model.NewColumn(typ, rows))
	}
	for i := range rows {
		tb.Times = append(tb.Times, 1700000000000+int64(i)*1000)
		vals := []any{i%2 == 0, int32(i), int64(i) * 7, float32(i) / 3, float64(i) / 7, "v" + strconv.Itoa(i)}
		for j := range types {
			if (i+j)%7 == 0 {
				vals[j] = nil
			}
			tb.Columns[j].Append(vals[j])
		}
	}
	var body []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if body, err = EncodeTabletRaw(tb); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(body)))
	b.ReportMetric(float64(len(body))/float64(tb.Points()), "bytes/point")
}
