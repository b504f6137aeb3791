package iotdbwire

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// goldenDir holds the request bodies an IoTDB 1.3 sender produced (see
// its README.md).
const goldenDir = "/work/shared/iotdb-golden/pipe"

// golden reads NAME.body.bin, skipping the test when the files are not on
// this machine.
func golden(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name+".body.bin"))
	if os.IsNotExist(err) {
		tb.Skipf("golden file %s not present", name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// goldenTablet is the tablet every golden data request carries (README).
func goldenTablet(aligned bool) *model.Tablet {
	return &model.Tablet{
		Device:       model.Path{"root", "sg", "d1"},
		Aligned:      aligned,
		Measurements: []string{"s_int32", "s_int64", "s_float", "s_double", "s_bool", "s_text"},
		Times:        []int64{1700000000000, 1700000001000, 1700000002000, 1700000003000},
		Columns: []model.Column{
			{Type: model.Int32, Int32s: []int32{1, -2, 3, math.MaxInt32}},
			{Type: model.Int64, Int64s: []int64{10, 0, 30, math.MinInt64}, Nulls: []bool{false, true, false, false}},
			{Type: model.Float, Float32s: []float32{1.5, -2.25, 0, float32(math.NaN())}},
			{Type: model.Double, Float64s: []float64{3.14159, -0.5, 1e300, 0}},
			{Type: model.Boolean, Bools: []bool{true, false, true, false}},
			{Type: model.Text, Texts: []string{"a", "", "", "zz"}, Nulls: []bool{false, false, true, false}},
		},
	}
}

func TestGolden(t *testing.T) {
	const limit = 1 << 20
	one := func(f func([]byte, int) (*model.Tablet, error)) func([]byte, int) ([]*model.Tablet, error) {
		return func(b []byte, n int) ([]*model.Tablet, error) {
			tb, err := f(b, n)
			return []*model.Tablet{tb}, err
		}
	}
	for _, tc := range []struct {
		name   string
		typ    RequestType
		decode func([]byte, int) ([]*model.Tablet, error)
		want   []*model.Tablet
	}{
		{"tablet_raw_nonaligned", TypeTabletRaw, one(DecodeTabletRaw), []*model.Tablet{goldenTablet(false)}},
		{"tablet_raw_aligned", TypeTabletRaw, one(DecodeTabletRaw), []*model.Tablet{goldenTablet(true)}},
		{"tablet_binary", TypeTabletBinary, DecodeTabletBinary, []*model.Tablet{goldenTablet(false)}},
		{"tablet_insert_node", TypeTabletInsertNode, DecodeTabletInsertNode, []*model.Tablet{goldenTablet(false)}},
		{"tablet_batch", TypeTabletBatch, DecodeTabletBatch, []*model.Tablet{goldenTablet(false), goldenTablet(true), goldenTablet(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := golden(t, tc.name)
			got, err := tc.decode(body, limit)
			if err != nil {
				t.Fatal(err)
			}
			sameTablets(t, got, tc.want)
			viaDecode, err := Decode(tc.typ, body, limit)
			if err != nil {
				t.Fatal(err)
			}
			sameTablets(t, viaDecode, tc.want)
			// Every cut of the body is refused, never decoded or panicked on.
			for i := range len(body) {
				if _, err := tc.decode(body[:i], limit); err == nil {
					t.Fatalf("a body cut to %d of %d bytes decoded", i, len(body))
				}
			}
			// A limit below what the tablets take is refused.
			if _, err := tc.decode(body, 64); err == nil {
				t.Fatal("decoded within 64 bytes")
			}
		})
	}
}

func TestGoldenHandshakes(t *testing.T) {
	p, err := DecodeHandshakeV1(golden(t, "handshake_v1"))
	if err != nil || p != "ms" {
		t.Fatalf("V1: %q, %v", p, err)
	}
	params, err := DecodeHandshakeV2(golden(t, "handshake_v2"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		KeyTimestampPrecision:    "ms",
		KeyClusterID:             "00000000-0000-0000-0000-000000000001",
		KeyConvertOnTypeMismatch: "true",
		KeyLoadTsFileStrategy:    "sync",
	}
	if len(params) != len(want) {
		t.Fatalf("V2 params %v, want %v", params, want)
	}
	for k, v := range want {
		if params[k] != v {
			t.Fatalf("V2 %s = %q, want %q", k, params[k], v)
		}
	}
	if LooksLikeHandshakeV1(golden(t, "handshake_v2")) {
		t.Fatal("a V2 body looks like V1")
	}
}

func sameTablets(t *testing.T, got, want []*model.Tablet) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tablets, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if err := g.Validate(); err != nil {
			t.Fatalf("tablet %d: %v", i, err)
		}
		if g.Device.String() != w.Device.String() || g.Aligned != w.Aligned {
			t.Fatalf("tablet %d: device %s aligned %v, want %s %v", i, g.Device, g.Aligned, w.Device, w.Aligned)
		}
		if len(g.Times) != len(w.Times) || len(g.Measurements) != len(w.Measurements) {
			t.Fatalf("tablet %d: %d rows %v, want %d %v", i, len(g.Times), g.Measurements, len(w.Times), w.Measurements)
		}
		for r := range w.Times {
			if g.Times[r] != w.Times[r] {
				t.Fatalf("tablet %d row %d: time %d, want %d", i, r, g.Times[r], w.Times[r])
			}
		}
		for c := range w.Measurements {
			if g.Measurements[c] != w.Measurements[c] || g.Columns[c].Type != w.Columns[c].Type {
				t.Fatalf("tablet %d column %d: %s %s, want %s %s", i, c, g.Measurements[c], g.Columns[c].Type, w.Measurements[c], w.Columns[c].Type)
			}
			for r := range w.Times {
				gv, wv := g.Columns[c].Value(r), w.Columns[c].Value(r)
				if !sameValue(gv, wv) {
					t.Fatalf("tablet %d %s row %d: %#v, want %#v", i, w.Measurements[c], r, gv, wv)
				}
			}
		}
	}
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	return a == b
}
