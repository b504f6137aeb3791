package encoding

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTimesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ts   []int64
	}{
		{"empty", nil},
		{"one", []int64{42}},
		{"regular", seq(0, 1000, 5000)},
		{"negative", []int64{-5000, -4000, -10, 0, 7}},
		{"extremes", []int64{math.MinInt64, -1, 0, math.MaxInt64}},
		{"unsorted", []int64{9, 3, 3, 100, -2}},
		{"jitter", jitter(1_700_000_000_000, 1000, 5, 3000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := AppendTimes(nil, tt.ts)
			got, err := DecodeTimes(enc, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !slices.Equal(got, tt.ts) {
				t.Fatalf("round trip mismatch: got %v want %v", head(got), head(tt.ts))
			}
		})
	}
}

func TestRegularTimesAreSmall(t *testing.T) {
	enc := AppendTimes(nil, seq(1_700_000_000_000, 1000, 4096))
	// Count, first time, first delta, then one zero byte per point.
	if len(enc) > 4096+16 {
		t.Fatalf("regular timestamps take %d bytes", len(enc))
	}
}

func TestIntsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		vs   []int64
	}{
		{"empty", nil},
		{"one", []int64{-7}},
		{"counter", seq(100, 3, 1000)},
		{"walk", walkInts(2000)},
		{"extremes", []int64{math.MaxInt64, math.MinInt64, 0, math.MaxInt64, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeInt64s(AppendInt64s(nil, tt.vs), nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !slices.Equal(got, tt.vs) {
				t.Fatalf("int64 round trip mismatch")
			}
			narrow := make([]int32, len(tt.vs))
			for i, v := range tt.vs {
				narrow[i] = int32(v)
			}
			got32, err := DecodeInt32s(AppendInt32s(nil, narrow), nil)
			if err != nil {
				t.Fatalf("decode int32: %v", err)
			}
			if !slices.Equal(got32, narrow) {
				t.Fatalf("int32 round trip mismatch")
			}
		})
	}
}

func TestCounterUsesDeltaOfDelta(t *testing.T) {
	enc := AppendInt64s(nil, seq(0, 300, 1000))
	if enc[0] != intDeltaOfDelta {
		t.Fatalf("mode %d, want delta of delta", enc[0])
	}
}

func TestFloatsRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		vs          []float64
		wantDecimal bool
	}{
		{"empty", nil, false},
		{"one", []float64{3.5}, true},
		{"temperature", walkDecimals(4096, 2), true},
		{"integers", []float64{1, 2, 3, -4, 1e15}, true},
		{"random", randFloats(1000), false},
		{"special", []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, math.MaxFloat64, math.SmallestNonzeroFloat64}, false},
		{"big", []float64{1e300, 2e300}, false},
		{"inexact sum", []float64{tenth + 0.2}, false},
		{"sixteen digits", slices.Repeat([]float64{math.Pi}, 100), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := AppendFloat64s(nil, tt.vs)
			if len(tt.vs) > 0 && (enc[0] == floatDecimal) != tt.wantDecimal {
				t.Errorf("mode %d, want decimal %v", enc[0], tt.wantDecimal)
			}
			got, err := DecodeFloat64s(enc, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !sameBits64(got, tt.vs) {
				t.Fatalf("float64 round trip mismatch: got %v want %v", head(got), head(tt.vs))
			}
			narrow := make([]float32, len(tt.vs))
			for i, v := range tt.vs {
				narrow[i] = float32(v)
			}
			got32, err := DecodeFloat32s(AppendFloat32s(nil, narrow), nil)
			if err != nil {
				t.Fatalf("decode float32: %v", err)
			}
			if !sameBits32(got32, narrow) {
				t.Fatalf("float32 round trip mismatch: got %v want %v", head(got32), head(narrow))
			}
		})
	}
}

func TestDecimalWalkIsSmall(t *testing.T) {
	enc := AppendFloat64s(nil, walkDecimals(4096, 2))
	// Steps of -1, 0, 1 hundredths: one varint byte each.
	if len(enc) > 4096+32 {
		t.Fatalf("decimal walk takes %d bytes", len(enc))
	}
}

func TestBoolsAndTextsRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 1000} {
		bs := make([]bool, n)
		ss := make([]string, n)
		for i := range bs {
			bs[i] = i%3 == 0
			ss[i] = string(rune('a'+i%26)) + "\x00é"[:i%4]
		}
		gotB, err := DecodeBools(AppendBools(nil, bs), nil)
		if err != nil || !slices.Equal(gotB, bs) {
			t.Fatalf("bools n=%d: err %v, equal %v", n, err, slices.Equal(gotB, bs))
		}
		gotS, err := DecodeTexts(AppendTexts(nil, ss), nil)
		if err != nil || !slices.Equal(gotS, ss) {
			t.Fatalf("texts n=%d: err %v, equal %v", n, err, slices.Equal(gotS, ss))
		}
	}
}

// tenth is a variable so that tenth+0.2 is computed in float64, not exactly.
var tenth = 0.1

func seq(start, step int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = start + int64(i)*step
	}
	return out
}

func jitter(start, step, j int64, n int) []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]int64, n)
	for i := range out {
		out[i] = start + int64(i)*step + r.Int64N(2*j+1) - j
	}
	return out
}

func walkInts(n int) []int64 {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([]int64, n)
	for i := 1; i < n; i++ {
		out[i] = out[i-1] + r.Int64N(21) - 10
	}
	return out
}

// walkDecimals is a random walk of values with the given decimal digits,
// like a sensor reading: 20.00, 20.01, 19.99, ...
func walkDecimals(n, digits int) []float64 {
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]float64, n)
	k := int64(2000)
	for i := range out {
		k += r.Int64N(3) - 1
		out[i] = float64(k) / pow10[digits]
	}
	return out
}

func randFloats(n int) []float64 {
	r := rand.New(rand.NewPCG(7, 8))
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64() * 1e6
	}
	return out
}

func sameBits64(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func sameBits32(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func head[T any](s []T) []T { return s[:min(len(s), 8)] }

// decimalScale scales each value once where its single pass can, and
// agrees with scaling every value again at the final scale.
func TestDecimalScaleAgreesWithTwoPasses(t *testing.T) {
	twoPasses := func(vs []float64) (int, []int64, bool) {
		d := 0
		for _, v := range vs {
			for {
				if _, ok := scale64(v, d); ok {
					break
				}
				if d++; d > maxScale {
					return 0, nil, false
				}
			}
		}
		ks := make([]int64, len(vs))
		for i, v := range vs {
			k, ok := scale64(v, d)
			if !ok {
				return 0, nil, false
			}
			ks[i] = k
		}
		return d, ks, true
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for round := range 2000 {
		vs := make([]float64, 1+rng.IntN(40))
		for i := range vs {
			digits := rng.IntN(5)
			if round%7 == 0 && rng.IntN(10) == 0 {
				digits = 12 + rng.IntN(6) // may need more than maxScale
			}
			vs[i] = float64(rng.Int64N(2_000_000)-1_000_000) / math.Pow10(digits)
		}
		calls := 0
		d, ks, ok := decimalScale(len(vs), func(i, d int) (int64, bool) { calls++; return scale64(vs[i], d) })
		wd, wks, wok := twoPasses(vs)
		if ok != wok || d != wd || !slices.Equal(ks, wks) {
			t.Fatalf("%v: decimalScale = %d %v %v, two passes %d %v %v", vs, d, ks, ok, wd, wks, wok)
		}
		if ok && d == 0 && calls != len(vs) {
			t.Fatalf("%d integers scaled %d times, want once each", len(vs), calls)
		}
	}
}

// BenchmarkAppendFloat64sDecimal encodes a chunk of readings with two
// decimals, as a flush does.
func BenchmarkAppendFloat64sDecimal(b *testing.B) {
	vs := walkDecimals(4096, 2)
	b.SetBytes(int64(8 * len(vs)))
	var buf []byte
	for range b.N {
		buf = AppendFloat64s(buf[:0], vs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vs)), "ns/value")
}
