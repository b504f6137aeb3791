package peer

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/clusterpb"
)

func TestValueRoundTrip(t *testing.T) {
	tests := []struct {
		typ model.DataType
		v   any
	}{
		{model.Boolean, true},
		{model.Boolean, false},
		{model.Int32, int32(math.MinInt32)},
		{model.Int32, int32(0)},
		{model.Int64, int64(math.MaxInt64)},
		{model.Int64, int64(-1)},
		{model.Float, float32(math.Copysign(0, -1))},
		{model.Float, float32(math.Inf(1))},
		{model.Float, float32(1e-45)},
		{model.Double, math.MaxFloat64},
		{model.Double, math.Copysign(0, -1)},
		{model.Text, ""},
		{model.Text, "héllo\x00`.\n"},
		{model.Text, nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			b := encodeValue(tt.typ, tt.v)
			got, err := decodeValue(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.v) {
				t.Fatalf("round trip of %#v = %#v", tt.v, got)
			}
			switch v := tt.v.(type) { // DeepEqual calls -0 and 0 equal
			case float32:
				if math.Float32bits(v) != math.Float32bits(got.(float32)) {
					t.Fatalf("round trip of %v lost its bits", v)
				}
			case float64:
				if math.Float64bits(v) != math.Float64bits(got.(float64)) {
					t.Fatalf("round trip of %v lost its bits", v)
				}
			}
		})
	}
	nan, err := decodeValue(encodeValue(model.Double, math.NaN()))
	if err != nil || !math.IsNaN(nan.(float64)) {
		t.Fatalf("NaN came back as %v, %v", nan, err)
	}
}

func TestPointsRoundTrip(t *testing.T) {
	times := []int64{math.MinInt64, -1, 0, math.MaxInt64}
	col := model.Column{Type: model.Text, Texts: []string{"a", "", "c", "d"}, Nulls: []bool{false, true, false, false}}
	gotTimes, gotCol, err := decodePoints(encodePoints(times, col))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotTimes, times) || !reflect.DeepEqual(gotCol, col) {
		t.Fatalf("round trip = %v %+v", gotTimes, gotCol)
	}
}

func TestDecodeRefusesOtherShapes(t *testing.T) {
	two := transfer.EncodeTablets(transfer.Tablets{Tablets: []*model.Tablet{{}, {}}})
	wide := transfer.EncodeTablets(transfer.Tablets{Tablets: []*model.Tablet{{
		Measurements: []string{"a", "b"}, Times: []int64{1},
		Columns: []model.Column{{Type: model.Int32, Int32s: []int32{1}}, {Type: model.Int32, Int32s: []int32{2}}}}}})
	twoRows := encodePoints([]int64{1, 2}, model.Column{Type: model.Int64, Int64s: []int64{1, 2}})
	null := encodePoints([]int64{1}, model.Column{Type: model.Int64, Int64s: []int64{0}, Nulls: []bool{true}})
	for name, b := range map[string][]byte{"two tablets": two, "two columns": wide, "two rows": twoRows,
		"null": null, "garbage": []byte("garbage")} {
		if _, err := decodeValue(b); !errors.Is(err, transfer.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestSeriesRoundTrip(t *testing.T) {
	for _, s := range []model.Series{
		{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Double, Encoding: model.Gorilla,
			Compressor: model.LZ4, Alias: "temp", Aligned: true, Database: "root.sg"},
		{Path: model.Path{"root", "sg", "a.b", "12", "x`y", "sp ace", "ü"}, Type: model.Text, Database: "root.sg"},
		{Path: model.Path{"root", "sg", "d", "t"}, Type: model.Float, Database: "root.sg",
			Tags: map[string]string{"unit": "c", "k 2": "ü"}, Attributes: map[string]string{"owner": "x"}},
	} {
		// Through the wire form, as MatchSeries carries it.
		b, err := proto.Marshal(seriesToPB(&s))
		if err != nil {
			t.Fatal(err)
		}
		var pb clusterpb.Series
		if err := proto.Unmarshal(b, &pb); err != nil {
			t.Fatal(err)
		}
		got, err := seriesFromPB(&pb)
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip of %+v = %+v, %v", s, got, err)
		}
	}
}

// FuzzDecodeValue feeds arbitrary bodies to the batch decoders: they fail
// or succeed, never panic.
func FuzzDecodeValue(f *testing.F) {
	f.Add(encodeValue(model.Text, "seed"))
	f.Add(encodeValue(model.Boolean, true))
	f.Add(encodePoints([]int64{1, 2, 3}, model.Column{Type: model.Float, Float32s: []float32{1, 2, 3}, Nulls: []bool{false, true, false}}))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 1, 2, 1, 0, 3, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if times, col, err := decodePoints(b); err == nil && col.Len() != len(times) {
			t.Fatalf("%d times but %d values", len(times), col.Len())
		}
		_, _ = decodeValue(b)
	})
}
