package processor

import (
	"strconv"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
)

// Processor samples the tablets of one pipe task. It is not safe for
// concurrent use: a task processes its tablets one at a time.
type Processor struct {
	newSeries func(t int64, v value) sampler
	// values is false when the sampler ignores values (tumbling-time),
	// which spares reading them.
	values bool
	series map[string]*seriesState
	// bytes estimates the state held; past limit, series are forgotten.
	bytes, limit int64
}

// sampler decides, point by point, which points of one series pass. The
// first point of a series always passes and makes the sampler; every later
// point goes to keep, in the order the task reads them.
type sampler interface {
	keep(t int64, v value) bool
}

type seriesState struct {
	typ model.DataType
	s   sampler
}

// stateBytes is what one series' state is reckoned to cost besides its
// key, like IoTDB's per-entry estimate (64 bytes) plus map overhead.
const stateBytes = 96

// New returns a Processor for the pipe's PROCESSOR clause, or nil for
// do-nothing-processor, which passes everything.
func New(p plugin.Processor) *Processor {
	if !p.Sampling() {
		return nil
	}
	proc := &Processor{series: map[string]*seriesState{}, limit: p.MemoryLimitBytes, values: true}
	switch p.Plugin {
	case plugin.ProcessorTumblingTime:
		proc.newSeries = func(t int64, _ value) sampler { return &tumbling{interval: p.IntervalMillis, last: t} }
		proc.values = false
	case plugin.ProcessorSDT:
		proc.newSeries = func(t int64, v value) sampler {
			return newSDT(p.Deviation, p.MinInterval, p.MaxInterval, t, v)
		}
	case plugin.ProcessorChangingValue:
		proc.newSeries = func(t int64, v value) sampler {
			return &changingValue{deviation: p.Deviation, min: p.MinInterval, max: p.MaxInterval, lastT: t, last: v}
		}
	default:
		panic("BUG: no sampler for processor " + p.Plugin)
	}
	return proc
}

// Process returns the points of tb that pass, in a tablet of the same
// device: rows and measurements left with no point are dropped, values
// that do not pass become nulls. It returns tb itself when every point
// passes and nil when none does; it never modifies tb. Each series'
// points are taken in the tablet's row order, which need not be time
// order.
func (p *Processor) Process(tb *model.Tablet) *model.Tablet {
	if p == nil {
		return tb
	}
	rows := tb.Rows()
	keep := make([][]bool, len(tb.Columns))
	all, some := true, false
	for c, m := range tb.Measurements {
		col := &tb.Columns[c]
		keep[c] = make([]bool, rows)
		st := p.state(tb.Device, m)
		for r := range rows {
			if col.IsNull(r) {
				continue
			}
			v := value{typ: col.Type}
			if p.values {
				v = valueOf(col, r)
			}
			pass := true
			if st.s == nil || st.typ != col.Type {
				// A new series, or one dropped and made again with
				// another type: start over, as IoTDB does when the old
				// value no longer compares.
				st.typ, st.s = col.Type, p.newSeries(tb.Times[r], v)
			} else {
				pass = st.s.keep(tb.Times[r], v)
			}
			keep[c][r] = pass
			all = all && pass
			some = some || pass
		}
	}
	switch {
	case all:
		return tb
	case !some:
		return nil
	}
	return gather(tb, keep)
}

// state returns the state of series device.m, making an empty one (and
// forgetting others if the memory limit is reached) when it has none.
func (p *Processor) state(device model.Path, m string) *seriesState {
	key := device.Append(m).String()
	if st, ok := p.series[key]; ok {
		return st
	}
	cost := int64(len(key)) + stateBytes
	for k := range p.series {
		if p.bytes+cost <= p.limit {
			break
		}
		// Map order is random: an arbitrary series forgets its sampling
		// and starts afresh, as an entry evicted from IoTDB's cache does.
		delete(p.series, k)
		p.bytes -= int64(len(k)) + stateBytes
	}
	st := &seriesState{}
	p.series[key] = st
	p.bytes += cost
	return st
}

// Series is the number of series the processor holds state for.
func (p *Processor) Series() int { return len(p.series) }

// gather builds the tablet of the kept points.
func gather(tb *model.Tablet, keep [][]bool) *model.Tablet {
	var rows, cols []int
	for r := range tb.Times {
		for c := range keep {
			if keep[c][r] {
				rows = append(rows, r)
				break
			}
		}
	}
	for c := range keep {
		for _, r := range rows {
			if keep[c][r] {
				cols = append(cols, c)
				break
			}
		}
	}
	out := &model.Tablet{Device: tb.Device, Aligned: tb.Aligned, Times: make([]int64, len(rows))}
	for i, r := range rows {
		out.Times[i] = tb.Times[r]
	}
	for _, c := range cols {
		col := tb.Columns[c].Gather(rows)
		col.Nulls = nil
		for i, r := range rows {
			if !keep[c][r] {
				if col.Nulls == nil {
					col.Nulls = make([]bool, len(rows))
				}
				col.Nulls[i] = true
			}
		}
		out.Measurements = append(out.Measurements, tb.Measurements[c])
		out.Columns = append(out.Columns, col)
	}
	return out
}

// value is a point's value as IoTDB's samplers compare it: the numeric
// types as a double, BOOLEAN and TEXT by equality.
type value struct {
	num  float64
	text string
	flag bool
	typ  model.DataType
}

func (v value) numeric() bool { return v.typ != model.Boolean && v.typ != model.Text }

// equal compares BOOLEAN and TEXT values.
func (v value) equal(o value) bool { return v.text == o.text && v.flag == o.flag }

// valueOf reads row r of col, not null. IoTDB turns a number into a double
// through its decimal text (Double.parseDouble(value.toString())): a FLOAT
// becomes the double nearest its shortest decimal (0.1f is 0.1, not
// 0.100000001490116), which is what the float32 round trip through
// strconv gives.
func valueOf(col *model.Column, r int) value {
	v := value{typ: col.Type}
	switch col.Type {
	case model.Boolean:
		v.flag = col.Bools[r]
	case model.Int32:
		v.num = float64(col.Int32s[r])
	case model.Int64:
		v.num = float64(col.Int64s[r])
	case model.Float:
		v.num = floatAsDouble(col.Float32s[r])
	case model.Double:
		v.num = col.Float64s[r]
	case model.Text:
		v.text = col.Texts[r]
	}
	return v
}

func floatAsDouble(f float32) float64 {
	var buf [32]byte
	d, err := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], float64(f), 'g', -1, 32)), 64)
	if err != nil {
		// Infinities and NaN format as +Inf, -Inf and NaN, which parse.
		panic("BUG: float32 text does not parse: " + err.Error())
	}
	return d
}
