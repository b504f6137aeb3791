package model

import (
	"context"
	"testing"
)

func TestTabletValidate(t *testing.T) {
	good := func() *Tablet {
		c := NewColumn(Double, 2)
		c.Append(1.5)
		c.Append(nil)
		return &Tablet{Device: Path{"root", "sg", "d"}, Measurements: []string{"s"}, Times: []int64{1, 2}, Columns: []Column{c}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid tablet refused: %v", err)
	}
	if n := good().Points(); n != 1 {
		t.Fatalf("Points = %d, want 1 (one null)", n)
	}
	bad := map[string]func(*Tablet){
		"short device":  func(t *Tablet) { t.Device = Path{"root"} },
		"wildcard":      func(t *Tablet) { t.Device = Path{"root", "*"} },
		"column count":  func(t *Tablet) { t.Measurements = append(t.Measurements, "x") },
		"duplicate":     func(t *Tablet) { t.Measurements = []string{"s", "s"}; t.Columns = append(t.Columns, t.Columns[0]) },
		"short column":  func(t *Tablet) { t.Times = append(t.Times, 3) },
		"invalid type":  func(t *Tablet) { t.Columns[0].Type = 9 },
		"empty measure": func(t *Tablet) { t.Measurements = []string{""} },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			tb := good()
			mutate(tb)
			if err := tb.Validate(); err == nil {
				t.Fatal("Validate accepted a malformed tablet")
			}
		})
	}
}

func TestSliceRowsPages(t *testing.T) {
	c := NewColumn(Int64, 5)
	for i := range 5 {
		c.Append(int64(i))
	}
	it := NewSliceRows(Batch{Times: []int64{1, 2, 3, 4, 5}, Columns: []Column{c}})
	var got []int64
	for {
		b, err := it.Next(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		if b.Len() > 2 {
			t.Fatalf("page of %d rows, max 2", b.Len())
		}
		got = append(got, b.Columns[0].Int64s...)
	}
	if len(got) != 5 || got[4] != 4 {
		t.Fatalf("rows = %v", got)
	}
}

func TestEncodingSupports(t *testing.T) {
	tests := []struct {
		e    Encoding
		t    DataType
		want bool
	}{
		{Plain, Text, true}, {PlainDictionary, Text, true}, {Gorilla, Text, false},
		{RLE, Boolean, true}, {TS2Diff, Boolean, false},
		{ZigZag, Int64, true}, {ZigZag, Double, false}, {Gorilla, Double, true},
		{PlainDictionary, Double, false}, {TS2Diff, Int32, true},
	}
	for _, tt := range tests {
		if got := tt.e.Supports(tt.t); got != tt.want {
			t.Errorf("%s supports %s = %v, want %v", tt.e, tt.t, got, tt.want)
		}
	}
}

func TestColumnGather(t *testing.T) {
	c := NewColumn(Text, 4)
	for _, v := range []any{"a", nil, "c", "d"} {
		c.Append(v)
	}
	g := c.Gather([]int{3, 1, 0})
	if g.Len() != 3 || g.Value(0) != "d" || g.Value(1) != nil || g.Value(2) != "a" {
		t.Fatalf("Gather = %+v", g)
	}
	g.Texts[0] = "changed"
	if c.Texts[3] != "d" {
		t.Fatal("Gather shares storage with its source")
	}
}
