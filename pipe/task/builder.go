package task

import (
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// builder accumulates filtered tablets into one batch, passing each
// through the task's processor, if any.
type builder struct {
	max      int // points
	maxBytes int // 0: no limit
	points   int
	bytes    int
	tablets  []*model.Tablet
	schema   []model.Series
	proc     Processor
}

// maxSchema caps the series schema of one batch.
const maxSchema = 1024

func newBuilder(max int, proc Processor) *builder { return &builder{max: max, proc: proc} }

// add appends one extracted tablet, or what of it the processor passes.
func (b *builder) add(tb *model.Tablet) {
	if b.proc != nil {
		if tb = b.proc.Process(tb); tb == nil {
			return
		}
	}
	b.tablets = append(b.tablets, tb)
	b.points += tb.Points()
	b.bytes += tabletBytes(tb)
}

func (b *builder) full() bool {
	return b.points >= b.max || (b.maxBytes > 0 && b.bytes >= b.maxBytes) || len(b.schema) >= maxSchema
}

// pending reports whether the builder holds anything to send.
func (b *builder) pending() bool { return b.points > 0 || len(b.schema) > 0 }

// addSchema appends series schema, sent ahead of the batch's tablets.
func (b *builder) addSchema(series ...model.Series) { b.schema = append(b.schema, series...) }

// batch takes what the builder holds as a batch of origin.
func (b *builder) batch(origin string) *pipe.Batch {
	out := &pipe.Batch{Origin: origin, Schema: b.schema, Tablets: b.take()}
	b.schema = nil
	return out
}

func (b *builder) take() []*model.Tablet {
	out := b.tablets
	b.tablets, b.points, b.bytes = nil, 0, 0
	return out
}

// tabletBytes is t's uncompressed size as pipe.Batching.SizeBytes counts
// it.
func tabletBytes(t *model.Tablet) int {
	rows := len(t.Times)
	n := 8 * rows
	for _, node := range t.Device {
		n += len(node)
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		n += len(t.Measurements[i])
		switch c.Type {
		case model.Boolean:
			n += rows
		case model.Int32, model.Float:
			n += 4 * rows
		case model.Text:
			for _, v := range c.Texts {
				n += 4 + len(v)
			}
		default:
			n += 8 * rows
		}
	}
	return n
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
	b.add(tb)
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
	b.add(out)
}
