package sink

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// testBatch is one row at time n of root.sg.d.s, so receivers can check
// order.
func testBatch(n int) *pipe.Batch {
	c := model.NewColumn(model.Int64, 1)
	c.Append(int64(n))
	return &pipe.Batch{Tablets: []*model.Tablet{{
		Device:       model.Path{"root", "sg", "d"},
		Measurements: []string{"s"},
		Times:        []int64{int64(n)},
		Columns:      []model.Column{c},
	}}}
}

// bigBatch is 2000 rows of 50 bytes of text, about 110 KB, at the times
// it also returns: a receiver with a small limit takes it in several
// transfers.
func bigBatch() (*pipe.Batch, []int64) {
	tb := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"t"}, Columns: []model.Column{model.NewColumn(model.Text, 0)}}
	var times []int64
	for i := range 2000 {
		tb.Times = append(tb.Times, int64(i))
		tb.Columns[0].Append(strings.Repeat("x", 50))
		times = append(times, int64(i))
	}
	return &pipe.Batch{Origin: senderCluster, Tablets: []*model.Tablet{tb}}, times
}

// richBatch has all six types, nulls in every column, an aligned tablet
// between two non-aligned ones, a measurement that needs back-quotes and
// 9 rows (more than one bitmap byte).
func richBatch() *pipe.Batch {
	row := func(t model.DataType, i int) any {
		if i%3 == 1 {
			return nil
		}
		switch t {
		case model.Boolean:
			return i%2 == 0
		case model.Int32:
			return int32(-i)
		case model.Int64:
			return int64(i) << 40
		case model.Float:
			return float32(i) + 0.5
		case model.Double:
			return float64(i) / 3
		}
		return string(rune('a'+i)) + "é"
	}
	tablet := func(dev string, aligned bool, rows int) *model.Tablet {
		t := &model.Tablet{Device: model.Path{"root", "sg", dev}, Aligned: aligned}
		types := []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text}
		for _, typ := range types {
			t.Measurements = append(t.Measurements, typ.String())
			t.Columns = append(t.Columns, model.NewColumn(typ, rows))
		}
		t.Measurements[0] = "1 odd"
		for i := range rows {
			t.Times = append(t.Times, int64(1000+i))
			for j, typ := range types {
				t.Columns[j].Append(row(typ, i))
			}
		}
		return t
	}
	plain := func() *model.Tablet {
		c := model.NewColumn(model.Double, 2)
		c.Append(1.5)
		c.Append(2.5)
		return &model.Tablet{Device: model.Path{"root", "sg", "p"}, Measurements: []string{"x"}, Times: []int64{1, 2}, Columns: []model.Column{c}}
	}
	return &pipe.Batch{Origin: "origin-cluster", Tablets: []*model.Tablet{
		tablet("d1", false, 9), tablet("d2", true, 8), plain(),
	}}
}
