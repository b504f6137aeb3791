package tsfile

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// edgeColumns returns columns of type t that exercise an encoding's edge cases.
func edgeColumns(t DataType, lossy bool) map[string]Column {
	cols := physicalEdgeColumns(t.physical(), lossy)
	for name, c := range cols {
		c.Type = t
		cols[name] = c
	}
	return cols
}

var allTypes = []DataType{Boolean, Int32, Int64, Float, Double, Text, Timestamp, Date, Blob, String}

func physicalEdgeColumns(t DataType, lossy bool) map[string]Column {
	rng := rand.New(rand.NewPCG(1, 2))
	out := map[string]Column{"empty": {Type: t}}
	switch t {
	case Boolean:
		out["one"] = Column{Type: t, Bools: []bool{true}}
		out["all false"] = Column{Type: t, Bools: make([]bool, 20)}
		long := make([]bool, 70000)
		for i := range long {
			long[i] = i%3 == 0 || (i > 100 && i < 40000)
		}
		out["runs and mixes"] = Column{Type: t, Bools: long}
	case Int32:
		out["one"] = Column{Type: t, Int32s: []int32{-7}}
		out["extremes"] = Column{Type: t, Int32s: []int32{math.MinInt32, math.MaxInt32, 0, -1, 1, math.MaxInt32, math.MinInt32}}
		out["repeats"] = Column{Type: t, Int32s: append(repeat32(5, 40000), repeat32(6, 9)...)}
		r := make([]int32, 1000)
		for i := range r {
			r[i] = int32(rng.Uint32())
		}
		out["random"] = Column{Type: t, Int32s: r}
	case Int64:
		out["one"] = Column{Type: t, Int64s: []int64{math.MaxInt64}}
		out["extremes"] = Column{Type: t, Int64s: []int64{math.MinInt64, math.MaxInt64, 0, -1, 1, math.MinInt64}}
		r := make([]int64, 1000)
		for i := range r {
			r[i] = int64(rng.Uint64()) >> (i % 64)
		}
		out["random"] = Column{Type: t, Int64s: r}
	case Float:
		out["one"] = Column{Type: t, Floats: []float32{1.25}}
		if lossy {
			out["two decimals"] = Column{Type: t, Floats: []float32{0, 1.5, -2.25, 100.01, -3, 3}}
		} else {
			out["specials"] = Column{Type: t, Floats: []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), math.MaxFloat32, math.SmallestNonzeroFloat32, 1, 1}}
			r := make([]float32, 1000)
			for i := range r {
				r[i] = rng.Float32() * 1000
			}
			out["random"] = Column{Type: t, Floats: r}
		}
	case Double:
		out["one"] = Column{Type: t, Doubles: []float64{1e300}}
		if lossy {
			out["one"] = Column{Type: t, Doubles: []float64{-12.5}}
			out["two decimals"] = Column{Type: t, Doubles: []float64{0, 1.5, -2.25, 100.01, 1e12, -1e12}}
		} else {
			out["specials"] = Column{Type: t, Doubles: []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64, 3.14159, 3.14159}}
			r := make([]float64, 1000)
			for i := range r {
				r[i] = rng.NormFloat64() * 1e6
			}
			out["random"] = Column{Type: t, Doubles: r}
		}
	case Text:
		out["one"] = Column{Type: t, Texts: [][]byte{[]byte("héllo 中")}}
		out["empty strings"] = Column{Type: t, Texts: [][]byte{{}, {}, []byte("a"), {}}}
		out["long"] = Column{Type: t, Texts: [][]byte{bytes.Repeat([]byte("x"), 200000), []byte(strings.Repeat("é", 5000))}}
		var many [][]byte
		for i := 0; i < 3000; i++ {
			many = append(many, []byte{byte('a' + i%7), byte(i % 256)})
		}
		out["many repeated"] = Column{Type: t, Texts: many}
	}
	return out
}

func repeat32(v int32, n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// sameColumn compares columns bit for bit (so NaN equals NaN and -0 differs from 0).
func sameColumn(a, b Column) bool {
	if a.Type != b.Type || a.Len() != b.Len() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		x, y := a.Value(i), b.Value(i)
		switch xv := x.(type) {
		case float32:
			if math.Float32bits(xv) != math.Float32bits(y.(float32)) {
				return false
			}
		case float64:
			if math.Float64bits(xv) != math.Float64bits(y.(float64)) {
				return false
			}
		default:
			if !reflect.DeepEqual(x, y) {
				return false
			}
		}
	}
	return true
}

func TestEncodingsRoundTrip(t *testing.T) {
	for _, typ := range allTypes {
		for _, enc := range []Encoding{Plain, Dictionary, RLE, TS2Diff, Gorilla} {
			if !enc.Supports(typ) {
				continue
			}
			lossy := (typ == Float || typ == Double) && (enc == RLE || enc == TS2Diff)
			for name, col := range edgeColumns(typ, lossy) {
				t.Run(typ.String()+"/"+enc.String()+"/"+name, func(t *testing.T) {
					data, err := encodeValues(nil, col, enc)
					if err != nil {
						t.Fatal(err)
					}
					got, err := decodeValues(data, typ, enc, col.Len())
					if err != nil {
						t.Fatal(err)
					}
					if !sameColumn(got, col) {
						t.Fatalf("decoded %v, encoded %v", got, col)
					}
				})
			}
		}
	}
}

func TestEncodingRejectsUnsupportedType(t *testing.T) {
	if _, err := encodeValues(nil, Column{Type: Boolean, Bools: []bool{true}}, Gorilla); err == nil {
		t.Fatal("GORILLA accepted booleans")
	}
	if _, err := decodeValues([]byte{0}, Int32, Dictionary, 1); err == nil {
		t.Fatal("DICTIONARY decoded INT32")
	}
}

func TestDecodersReportTruncation(t *testing.T) {
	for _, typ := range allTypes {
		for _, enc := range []Encoding{Plain, Dictionary, RLE, TS2Diff, Gorilla} {
			if !enc.Supports(typ) {
				continue
			}
			lossy := (typ == Float || typ == Double) && (enc == RLE || enc == TS2Diff)
			col := edgeColumns(typ, lossy)["one"]
			data, err := encodeValues(nil, col, enc)
			if err != nil {
				t.Fatal(err)
			}
			for cut := 0; cut < len(data); cut++ {
				// Asking for one more value than stored must fail, never panic.
				if _, err := decodeValues(data[:cut], typ, enc, 2); err == nil {
					t.Errorf("%v %v: %d of %d bytes decoded two values", typ, enc, cut, len(data))
				}
			}
		}
	}
}
