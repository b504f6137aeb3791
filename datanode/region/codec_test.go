package region

import (
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func sampleTablets() []*model.Tablet {
	cols := []model.Column{
		{Type: model.Boolean, Bools: []bool{true, false}},
		{Type: model.Int32, Int32s: []int32{-1, 7}, Nulls: []bool{false, true}},
		{Type: model.Int64, Int64s: []int64{1 << 40, -3}},
		{Type: model.Float, Float32s: []float32{1.5, -2}},
		{Type: model.Double, Float64s: []float64{3.25, 0}},
		{Type: model.Text, Texts: []string{"héllo", ""}},
	}
	return []*model.Tablet{{
		Device: model.Path{"root", "sg", "d`1"}, Aligned: true,
		Measurements: []string{"b", "i", "l", "f", "d", "t"}, Times: []int64{-5, 1700000000000}, Columns: cols,
	}}
}

func TestWriteCommandRoundTrip(t *testing.T) {
	in := sampleTablets()
	cmd := WriteCommand(in, WriteOptions{Database: "root.sg", AutoCreate: true, Origin: "cluster-a"})
	if cmdType(cmd[0]) != cmdWrite {
		t.Fatalf("type byte %d", cmd[0])
	}
	d := decoder{b: cmd[1:]}
	db, auto, origin := d.str(), d.bool(), d.str()
	out := d.tablets()
	if d.err != nil {
		t.Fatal(d.err)
	}
	if db != "root.sg" || !auto || origin != "cluster-a" {
		t.Fatalf("header = %q %v %q", db, auto, origin)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip differs:\n in %+v\nout %+v", in[0], out[0])
	}
	if len(d.b) != 0 {
		t.Fatalf("%d trailing bytes", len(d.b))
	}
}

func TestTruncatedCommandsAreCorrupt(t *testing.T) {
	cmd := WriteCommand(sampleTablets(), WriteOptions{Database: "root.sg"})
	for n := 1; n < len(cmd); n++ {
		d := decoder{b: cmd[1:n]}
		d.str()
		d.bool()
		d.str()
		d.tablets()
		if !errors.Is(d.err, errCorrupt) {
			t.Fatalf("prefix of %d bytes decoded without error", n)
		}
	}
}

// FuzzDecodeCommand feeds arbitrary bytes to ValidateCommand and
// DecodeWrite: they fail or succeed, never panic or over-allocate, and
// agree on writes.
func FuzzDecodeCommand(f *testing.F) {
	f.Add(WriteCommand(sampleTablets(), WriteOptions{Database: "root.sg", AutoCreate: true}))
	f.Add(CreateSeriesCommand([]model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32, Database: "root.sg"}}))
	f.Add(DeleteDataCommand([]model.Path{{"root", "**"}}, -10, 10))
	f.Add(DeleteSeriesCommand([]model.Path{{"root", "sg", "*"}}))
	f.Add(DropDatabaseCommand("root.sg"))
	f.Add(CreateSeriesCommand([]model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32, Alias: "a",
		Tags: map[string]string{"unit": "c"}, Attributes: map[string]string{"owner": "x"}}}))
	f.Add(AlterSeriesCommand(&ast.AlterTimeseries{Path: model.Path{"root", "sg", "d", "s"}, Kind: ast.AlterUpsert, Alias: "b",
		Tags: map[string]string{"k": "v"}, Keys: []string{"x"}}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		err := ValidateCommand(b)
		if _, _, derr := DecodeWrite(b); err == nil && derr != nil {
			t.Fatalf("ValidateCommand accepted a write that DecodeWrite refuses: %v", derr)
		}
	})
}

// TestAlterCommandRoundTrip decodes every field AlterSeriesCommand encodes.
func TestAlterCommandRoundTrip(t *testing.T) {
	a := &ast.AlterTimeseries{Path: model.Path{"root", "sg", "d", "s"}, Kind: ast.AlterUpsert, Pairs: map[string]string{"p": "1", "q": "2"},
		Keys: []string{"k1", "k2"}, Alias: "al", Tags: map[string]string{"t": "v"}, Attributes: map[string]string{"a": "b"}}
	cmd := AlterSeriesCommand(a)
	d := decoder{b: cmd[1:]}
	if got := d.alter(); d.err != nil || len(d.b) != 0 || !reflect.DeepEqual(got, a) {
		t.Fatalf("decoded %+v (err %v, %d left), want %+v", got, d.err, len(d.b), a)
	}
}

// DecodeWrite returns every option WriteCommand encodes, and
// ValidateCommand accepts each command kind whole and refuses truncations,
// trailing bytes and unknown kinds.
func TestDecodeAndValidateCommands(t *testing.T) {
	for _, auto := range []bool{false, true} {
		cmd := WriteCommand(sampleTablets(), WriteOptions{Database: "root.sg", AutoCreate: auto, Origin: "o"})
		w, ok, err := DecodeWrite(cmd)
		if err != nil || !ok || w.AutoCreate != auto || w.Database != "root.sg" || w.Origin != "o" {
			t.Fatalf("DecodeWrite = %+v, %v, %v; want auto-create %v", w, ok, err, auto)
		}
	}
	cmds := [][]byte{
		WriteCommand(sampleTablets(), WriteOptions{Database: "root.sg", AutoCreate: true}),
		CreateSeriesCommand([]model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32, Database: "root.sg"}}),
		DeleteDataCommand([]model.Path{{"root", "**"}}, -10, 10),
		DeleteSeriesCommand([]model.Path{{"root", "sg", "*"}}),
		DropDatabaseCommand("root.sg"),
		AlterSeriesCommand(&ast.AlterTimeseries{Path: model.Path{"root", "sg", "d", "s"}, Kind: ast.AlterSet, Pairs: map[string]string{"k": "v"}}),
	}
	for _, cmd := range cmds {
		if err := ValidateCommand(cmd); err != nil {
			t.Fatalf("ValidateCommand(type %d) = %v", cmd[0], err)
		}
		if err := ValidateCommand(cmd[:len(cmd)-1]); err == nil {
			t.Fatalf("ValidateCommand accepted a truncated command of type %d", cmd[0])
		}
		if err := ValidateCommand(append(append([]byte(nil), cmd...), 0)); err == nil {
			t.Fatalf("ValidateCommand accepted trailing bytes after a command of type %d", cmd[0])
		}
	}
	for _, bad := range [][]byte{nil, {0}, {99, 1, 2}} {
		if err := ValidateCommand(bad); err == nil {
			t.Fatalf("ValidateCommand(%v) = nil", bad)
		}
	}
}

// BenchmarkDecodeWrite decodes one logged write of `sluice bench`'s
// shape (100 tablets of 500 rows x 10 DOUBLE), as applying it and every
// pipe tailing the log do: go test -run '^$' -bench DecodeWrite
// ./datanode/region.
func BenchmarkDecodeWrite(b *testing.B) {
	var tablets []*model.Tablet
	for d := range 100 {
		tb := &model.Tablet{Device: model.Path{"root", "bench", "d" + strconv.Itoa(d)}, Times: make([]int64, 500)}
		for r := range tb.Times {
			tb.Times[r] = int64(r) * 1000
		}
		for m := range 10 {
			c := model.NewColumn(model.Double, 500)
			for r := range 500 {
				c.Append(float64(d*m+r) / 100)
			}
			tb.Measurements = append(tb.Measurements, "s"+strconv.Itoa(m))
			tb.Columns = append(tb.Columns, c)
		}
		tablets = append(tablets, tb)
	}
	cmd := WriteCommand(tablets, WriteOptions{Database: "root.bench"})
	for b.Loop() {
		if _, ok, err := DecodeWrite(cmd); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500_000), "ns/point")
}
