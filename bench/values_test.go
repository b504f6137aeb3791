package bench

import (
	"math"
	"slices"
	"testing"
)

func TestParseValues(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Values
		err  bool
	}{
		{"regular", Regular, false}, {"random-walk", RandomWalk, false}, {" Random-Walk ", RandomWalk, false},
		{"noisy", 0, true}, {"", 0, true},
	} {
		got, err := ParseValues(tt.in)
		if (err != nil) != tt.err || (err == nil && got != tt.want) {
			t.Errorf("ParseValues(%q) = %v, %v", tt.in, got, err)
		}
	}
	if vs, err := ParseValuesList("regular,random-walk"); err != nil || len(vs) != 2 || vs[0] != Regular || vs[1] != RandomWalk {
		t.Fatalf("ParseValuesList: %v %v", vs, err)
	}
	if _, err := ParseValuesList("regular,,"); err == nil {
		t.Fatal("an empty kind in a list was accepted")
	}
}

// TestValuesShape: both kinds are reproducible, in 0.01 steps, and differ
// as they should: the regular series is smooth and periodic, the random
// walk moves by at most one step at a time and restarts per tablet.
func TestValuesShape(t *testing.T) {
	const n = 3600
	for _, v := range []Values{Regular, RandomWalk} {
		a, b := make([]float64, n), make([]float64, n)
		v.fill(a, 3, 4, 0)
		v.fill(b, 3, 4, 0)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: not reproducible at row %d: %v, %v", v, i, a[i], b[i])
			}
			if c := a[i] * 100; math.Abs(c-math.Round(c)) > 1e-6 {
				t.Fatalf("%s: row %d value %v is not in 0.01 steps", v, i, a[i])
			}
		}
		other := make([]float64, n)
		v.fill(other, 4, 4, 0)
		if slices.Equal(a, other) {
			t.Fatalf("%s: two devices write the same series", v)
		}
	}

	reg := make([]float64, 2*3600)
	Regular.fill(reg, 0, 0, 0)
	lo, hi := reg[0], reg[0]
	for i := range 3600 {
		if reg[i] != reg[i+3600] {
			t.Fatalf("regular: not periodic over an hour at row %d", i)
		}
		if i > 0 && math.Abs(reg[i]-reg[i-1]) > 0.011 {
			t.Fatalf("regular: jumps %v -> %v at row %d", reg[i-1], reg[i], i)
		}
		lo, hi = math.Min(lo, reg[i]), math.Max(hi, reg[i])
	}
	if hi-lo < 9.9 || hi-lo > 10.01 {
		t.Fatalf("regular: range %v..%v, want an amplitude of 5", lo, hi)
	}
	// Rows of the same series in another tablet continue the sine.
	tail := make([]float64, 10)
	Regular.fill(tail, 0, 0, 100)
	if !slices.Equal(tail, reg[100:110]) {
		t.Fatalf("regular: rows 100.. of a later tablet differ: %v vs %v", tail, reg[100:110])
	}

	walk := make([]float64, 500)
	RandomWalk.fill(walk, 1, 2, 500)
	changes := 0
	for i := 1; i < len(walk); i++ {
		d := math.Abs(walk[i] - walk[i-1])
		if d > 0.0101 {
			t.Fatalf("random walk: step %v at row %d", d, i)
		}
		if d > 0.005 {
			changes++
		}
	}
	if changes < len(walk)/2 {
		t.Fatalf("random walk: only %d of %d samples move", changes, len(walk))
	}
	if walk[0] < 20 || walk[0] >= 30.01 {
		t.Fatalf("random walk: starts at %v", walk[0])
	}
}
