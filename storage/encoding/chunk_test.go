package encoding

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// sampleColumns returns n points of every type.
func sampleColumns(n int) []model.Column {
	var out []model.Column
	for _, typ := range []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text} {
		col := model.NewColumn(typ, n)
		walk := walkDecimals(n, 2)
		for i := range n {
			switch typ {
			case model.Boolean:
				col.Append(i%5 < 2)
			case model.Int32:
				col.Append(int32(i*i) - 50)
			case model.Int64:
				col.Append(int64(i) * 1_000_000_007)
			case model.Float:
				col.Append(float32(walk[i]))
			case model.Double:
				col.Append(walk[i])
			case model.Text:
				col.Append("v" + string(rune('a'+i%26)))
			}
		}
		out = append(out, col)
	}
	return out
}

func TestChunkRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 63, 4096} {
		times := seq(1_700_000_000_000, 1000, n)
		for _, col := range sampleColumns(n) {
			t.Run(fmt.Sprintf("%s/%d", col.Type, n), func(t *testing.T) {
				data, err := EncodeChunk(nil, times, &col)
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				want := Summarize(times, &col)
				sum, err := DecodeSummary(data)
				if err != nil {
					t.Fatalf("decode summary: %v", err)
				}
				if !reflect.DeepEqual(sum, want) {
					t.Fatalf("summary %+v, want %+v", sum, want)
				}
				sum, gotTimes, gotCol, err := DecodeChunk(data)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if !reflect.DeepEqual(sum, want) {
					t.Fatalf("chunk summary %+v, want %+v", sum, want)
				}
				if !reflect.DeepEqual(gotTimes, times) {
					t.Fatalf("times differ")
				}
				if !reflect.DeepEqual(gotCol, col) {
					t.Fatalf("values differ: got %+v", gotCol.Slice(0, min(4, n)))
				}
			})
		}
	}
}

func TestSummarize(t *testing.T) {
	col := model.Column{Type: model.Double, Float64s: []float64{3, -1, 7.5, 2}}
	s := Summarize([]int64{10, 20, 30, 40}, &col)
	want := Summary{Type: model.Double, Count: 4, MinTime: 10, MaxTime: 40,
		First: 3.0, Last: 2.0, Sum: 11.5, Min: -1.0, Max: 7.5}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v want %+v", s, want)
	}
	other := Summary{Type: model.Double, Count: 1, MinTime: 5, MaxTime: 5, First: 9.0, Last: 9.0, Sum: 9, Min: 9.0, Max: 9.0}
	s.Merge(other)
	want = Summary{Type: model.Double, Count: 5, MinTime: 5, MaxTime: 40,
		First: 9.0, Last: 2.0, Sum: 20.5, Min: -1.0, Max: 9.0}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("merged %+v want %+v", s, want)
	}
}

func TestEncodeChunkRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		times []int64
		col   model.Column
	}{
		{"empty", nil, model.Column{Type: model.Int64}},
		{"length mismatch", []int64{1, 2}, model.Column{Type: model.Int64, Int64s: []int64{1}}},
		{"unsorted", []int64{2, 1}, model.Column{Type: model.Int64, Int64s: []int64{1, 2}}},
		{"duplicate", []int64{1, 1}, model.Column{Type: model.Int64, Int64s: []int64{1, 2}}},
		{"null", []int64{1}, model.Column{Type: model.Int64, Int64s: []int64{0}, Nulls: []bool{true}}},
		{"bad type", []int64{1}, model.Column{Type: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EncodeChunk(nil, tt.times, &tt.col); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestCorruptChunk(t *testing.T) {
	times := seq(0, 1000, 500)
	col := sampleColumns(500)[4]
	good, err := EncodeChunk(nil, times, &col)
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		for _, flip := range []byte{0x01, 0x80} {
			bad := append([]byte(nil), good...)
			bad[i] ^= flip
			if _, _, _, err := DecodeChunk(bad); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("flip %#x at %d: err %v", flip, i, err)
			}
		}
	}
	for n := range len(good) {
		if _, _, _, err := DecodeChunk(good[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err %v", n, err)
		}
	}
}

func TestRegularSeriesBytesPerPoint(t *testing.T) {
	const n = 4096
	times := seq(1_700_000_000_000, 1000, n)
	col := model.Column{Type: model.Double, Float64s: walkDecimals(n, 2)}
	data, err := EncodeChunk(nil, times, &col)
	if err != nil {
		t.Fatal(err)
	}
	perPoint := float64(len(data)) / n
	t.Logf("%d bytes, %.3f bytes/point", len(data), perPoint)
	if perPoint > 1 {
		t.Fatalf("%.2f bytes/point, want <= 1", perPoint)
	}
}
