package clientrpc

import (
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// rowTablets gathers row-wise records into one tablet per device, in the
// order devices first appear. A tablet's columns are the union of the
// measurements of its rows; a row lacking a measurement holds a null there.
type rowTablets struct {
	aligned  bool
	devices  map[string]*rowTablet
	order    []*rowTablet
	names    map[string]string // raw measurement -> parsed name
	rowNames map[string]bool   // measurements of the row being added
}

type rowTablet struct {
	t   *model.Tablet
	col map[string]int
}

func newRowTablets(aligned bool) *rowTablets {
	return &rowTablets{
		aligned:  aligned,
		devices:  make(map[string]*rowTablet),
		names:    make(map[string]string),
		rowNames: make(map[string]bool),
	}
}

// tablets returns the gathered tablets.
func (b *rowTablets) tablets() []*model.Tablet {
	out := make([]*model.Tablet, len(b.order))
	for i, rt := range b.order {
		out[i] = rt.t
	}
	return out
}

// add appends one record: measurements and their values (nil v for null).
func (b *rowTablets) add(device string, ts int64, measurements []string, cells []cell) error {
	if len(measurements) != len(cells) {
		return status.Errorf(status.IllegalParameter, "record of %s at %d: %d measurements but %d values", device, ts, len(measurements), len(cells))
	}
	rt := b.devices[device]
	if rt == nil {
		dev, err := fullPath(device)
		if err != nil {
			return err
		}
		rt = &rowTablet{t: &model.Tablet{Device: dev, Aligned: b.aligned}, col: make(map[string]int)}
		b.devices[device] = rt
		b.order = append(b.order, rt)
	}
	t := rt.t
	row := len(t.Times)
	clear(b.rowNames)
	for i, raw := range measurements {
		name, ok := b.names[raw]
		if !ok {
			var err error
			if name, err = measurementName(raw); err != nil {
				return err
			}
			b.names[raw] = name
		}
		if b.rowNames[name] {
			return status.Errorf(status.IllegalParameter, "record of %s at %d: measurement %s given twice", device, ts, name)
		}
		b.rowNames[name] = true
		c := cells[i]
		if c.v == nil {
			continue
		}
		j, ok := rt.col[name]
		if !ok {
			col := model.NewColumn(c.typ, row+1)
			for range row {
				col.Append(nil)
			}
			j = len(t.Columns)
			rt.col[name] = j
			t.Measurements = append(t.Measurements, name)
			t.Columns = append(t.Columns, col)
		}
		col := &t.Columns[j]
		if col.Type != c.typ {
			return status.Errorf(status.DataTypeMismatch, "records of %s give measurement %s as both %s and %s", device, name, col.Type, c.typ)
		}
		col.Append(c.v)
	}
	t.Times = append(t.Times, ts)
	for j := range t.Columns {
		if t.Columns[j].Len() == row {
			t.Columns[j].Append(nil)
		}
	}
	return nil
}

// textCells turns a string record's values into TEXT cells.
func textCells(values []string) []cell {
	cells := make([]cell, len(values))
	for i, v := range values {
		cells[i] = cell{typ: model.Text, v: v}
	}
	return cells
}
