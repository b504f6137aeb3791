package model

import (
	"bytes"
	"testing"
)

// TestAppendFixedBigEndian: each fixed-width type's layout, byte for byte,
// and TEXT left to the caller.
func TestAppendFixedBigEndian(t *testing.T) {
	for _, c := range []struct {
		col  Column
		want []byte
	}{
		{Column{Type: Boolean, Bools: []bool{true, false}}, []byte{1, 0}},
		{Column{Type: Int32, Int32s: []int32{-2}}, []byte{0xff, 0xff, 0xff, 0xfe}},
		{Column{Type: Int64, Int64s: []int64{258}}, []byte{0, 0, 0, 0, 0, 0, 1, 2}},
		{Column{Type: Float, Float32s: []float32{1}}, []byte{0x3f, 0x80, 0, 0}},
		{Column{Type: Double, Float64s: []float64{-2}}, []byte{0xc0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		got, ok := AppendFixedBigEndian([]byte{9}, &c.col)
		if !ok || !bytes.Equal(got, append([]byte{9}, c.want...)) {
			t.Errorf("%v: got % x, %v; want 09 % x", c.col.Type, got, ok, c.want)
		}
	}
	if got, ok := AppendFixedBigEndian([]byte{9}, &Column{Type: Text, Texts: []string{"a"}}); ok || len(got) != 1 {
		t.Errorf("TEXT: got % x, %v; want nothing appended and false", got, ok)
	}
}
