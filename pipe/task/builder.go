package task

import (
	"github.com/sluicedb/sluice/model"
)

// builder accumulates filtered tablets into one batch.
type builder struct {
	max     int
	points  int
	tablets []*model.Tablet
}

func newBuilder(max int) *builder { return &builder{max: max} }

func (b *builder) full() bool { return b.points >= b.max }

func (b *builder) take() []*model.Tablet {
	out := b.tablets
	b.tablets, b.points = nil, 0
	return out
}

// addSeries adds one series' points whose time passes keep, copying them
// (iterators reuse their buffers).
func (b *builder) addSeries(s model.Series, times []int64, vals *model.Column, keep func(int64) bool) {
	idx := make([]int, 0, len(times))
	for i, t := range times {
		if keep(t) && !vals.IsNull(i) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	tb := &model.Tablet{Device: s.Device(), Aligned: s.Aligned, Measurements: []string{s.Measurement()},
		Times: make([]int64, len(idx)), Columns: []model.Column{vals.Gather(idx)}}
	for j, i := range idx {
		tb.Times[j] = times[i]
	}
	tb.Columns[0].Nulls = nil // idx holds no null rows
	b.tablets = append(b.tablets, tb)
	b.points += len(idx)
}

// addTablet adds the rows and measurements of a logged write that the
// filter selects for the realtime phase.
func (b *builder) addTablet(tb *model.Tablet, f Filter) {
	if !f.MayMatchDevice(tb.Device) {
		return
	}
	var cols []int
	for i, m := range tb.Measurements {
		if f.Matches(tb.Device.Append(m)) {
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return
	}
	var rows []int
	all := true
	for r, t := range tb.Times {
		if f.InRealtime(t) {
			rows = append(rows, r)
		} else {
			all = false
		}
	}
	if len(rows) == 0 {
		return
	}
	out := &model.Tablet{Device: tb.Device, Aligned: tb.Aligned}
	if all && len(cols) == len(tb.Measurements) {
		out = tb
	} else {
		out.Times = make([]int64, len(rows))
		for j, r := range rows {
			out.Times[j] = tb.Times[r]
		}
		for _, c := range cols {
			out.Measurements = append(out.Measurements, tb.Measurements[c])
			out.Columns = append(out.Columns, tb.Columns[c].Gather(rows))
		}
	}
	b.tablets = append(b.tablets, out)
	b.points += out.Points()
}
