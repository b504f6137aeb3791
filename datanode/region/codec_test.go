package region

import (
	"errors"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
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

// FuzzDecodeCommand feeds arbitrary bytes to every command decoder: they
// must fail with errCorrupt or succeed, never panic or over-allocate.
func FuzzDecodeCommand(f *testing.F) {
	f.Add(WriteCommand(sampleTablets(), WriteOptions{Database: "root.sg", AutoCreate: true}))
	f.Add(CreateSeriesCommand([]model.Series{{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32, Database: "root.sg"}}))
	f.Add(DeleteDataCommand([]model.Path{{"root", "**"}}, -10, 10))
	f.Add(DeleteSeriesCommand([]model.Path{{"root", "sg", "*"}}))
	f.Add(DropDatabaseCommand("root.sg"))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		d := decoder{b: b[1:]}
		switch cmdType(b[0]) {
		case cmdWrite:
			d.str()
			d.bool()
			d.str()
			d.tablets()
		case cmdCreateSeries:
			for n := d.count(1); n > 0 && d.err == nil; n-- {
				d.spec()
			}
		case cmdDeleteSeries:
			d.paths()
		case cmdDeleteData:
			d.paths()
			d.varint()
			d.varint()
		case cmdDropDatabase:
			d.str()
		}
		if d.err != nil && !errors.Is(d.err, errCorrupt) {
			t.Fatalf("unexpected error kind: %v", d.err)
		}
	})
}
