package region

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/sluicedb/sluice/model"
)

// cmdType is the first byte of every command. Numbers are append-only: an
// entry written by an older binary must decode the same way forever.
type cmdType byte

const (
	cmdWrite        cmdType = 1 // tablets, auto-creating missing series
	cmdCreateSeries cmdType = 2 // explicit CREATE TIMESERIES
	cmdDeleteSeries cmdType = 3 // DELETE TIMESERIES
	cmdDeleteData   cmdType = 4 // DELETE FROM ... WHERE time ...
	cmdDropDatabase cmdType = 5 // DROP DATABASE
	cmdCreateTagged cmdType = 6 // CREATE TIMESERIES with tags and attributes
	cmdAlterSeries  cmdType = 7 // ALTER TIMESERIES: tags, attributes, alias
)

// errCorrupt marks an entry that does not decode: the replica must stop
// rather than diverge.
var errCorrupt = errors.New("corrupt region command")

type encoder struct{ b []byte }

func (e *encoder) byte(v byte)      { e.b = append(e.b, v) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) u64(v uint64)     { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) u32(v uint32)     { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool) {
	if v {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

func (e *encoder) path(p model.Path) {
	e.uvarint(uint64(len(p)))
	for _, n := range p {
		e.str(n)
	}
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s", errCorrupt, what)
	}
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bool() bool { return d.byte() != 0 }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length and checks that at least size*n bytes remain, so a
// corrupt length cannot make us allocate gigabytes.
func (d *decoder) count(size int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)) || (size > 0 && n*uint64(size) > uint64(len(d.b))) {
		d.fail("length")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) path() model.Path {
	n := d.count(1)
	p := make(model.Path, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		p = append(p, d.str())
	}
	return p
}

// encodeTablets appends tablets in a compact columnar form.
func (e *encoder) tablets(ts []*model.Tablet) {
	e.uvarint(uint64(len(ts)))
	for _, t := range ts {
		e.path(t.Device)
		e.bool(t.Aligned)
		e.uvarint(uint64(len(t.Times)))
		for _, v := range t.Times {
			e.u64(uint64(v))
		}
		e.uvarint(uint64(len(t.Columns)))
		for i := range t.Columns {
			e.str(t.Measurements[i])
			e.column(&t.Columns[i])
		}
	}
}

func (e *encoder) column(c *model.Column) {
	e.byte(byte(c.Type))
	e.bool(c.Nulls != nil)
	if c.Nulls != nil {
		for _, n := range c.Nulls {
			e.bool(n)
		}
	}
	switch c.Type {
	case model.Boolean:
		for _, v := range c.Bools {
			e.bool(v)
		}
	case model.Int32:
		for _, v := range c.Int32s {
			e.u32(uint32(v))
		}
	case model.Int64:
		for _, v := range c.Int64s {
			e.u64(uint64(v))
		}
	case model.Float:
		for _, v := range c.Float32s {
			e.u32(math.Float32bits(v))
		}
	case model.Double:
		for _, v := range c.Float64s {
			e.u64(math.Float64bits(v))
		}
	case model.Text:
		for _, v := range c.Texts {
			e.str(v)
		}
	}
}

func (d *decoder) tablets() []*model.Tablet {
	n := d.count(1)
	out := make([]*model.Tablet, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		t := &model.Tablet{Device: d.path(), Aligned: d.bool()}
		rows := d.count(8)
		times := d.fixed(rows, 8)
		t.Times = make([]int64, len(times)/8)
		for r := range t.Times {
			t.Times[r] = int64(binary.LittleEndian.Uint64(times[8*r:]))
		}
		cols := d.count(2)
		t.Measurements = make([]string, cols)
		t.Columns = make([]model.Column, cols)
		for c := 0; c < cols && d.err == nil; c++ {
			t.Measurements[c] = d.str()
			t.Columns[c] = d.column(rows)
		}
		out = append(out, t)
	}
	return out
}

func (d *decoder) column(rows int) model.Column {
	typ := model.DataType(d.byte())
	if !typ.Valid() {
		d.err = fmt.Errorf("%w: data type %d", errCorrupt, typ)
		return model.Column{Type: typ}
	}
	c := model.Column{Type: typ}
	if d.bool() {
		c.Nulls = make([]bool, rows)
		for i := range c.Nulls {
			c.Nulls[i] = d.bool()
		}
	}
	// Fixed-width values are read in one pass over a slice checked once:
	// pipes decode every logged write, and so does applying it.
	switch typ {
	case model.Boolean:
		b := d.fixed(rows, 1)
		c.Bools = make([]bool, len(b))
		for i, v := range b {
			c.Bools[i] = v != 0
		}
	case model.Int32:
		b := d.fixed(rows, 4)
		c.Int32s = make([]int32, len(b)/4)
		for i := range c.Int32s {
			c.Int32s[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case model.Int64:
		b := d.fixed(rows, 8)
		c.Int64s = make([]int64, len(b)/8)
		for i := range c.Int64s {
			c.Int64s[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case model.Float:
		b := d.fixed(rows, 4)
		c.Float32s = make([]float32, len(b)/4)
		for i := range c.Float32s {
			c.Float32s[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case model.Double:
		b := d.fixed(rows, 8)
		c.Float64s = make([]float64, len(b)/8)
		for i := range c.Float64s {
			c.Float64s[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case model.Text:
		c.Texts = make([]string, 0, rows)
		for i := 0; i < rows && d.err == nil; i++ {
			c.Texts = append(c.Texts, d.str())
		}
	}
	return c
}

// fixed takes n values of size bytes each; nil (and the decoder failed)
// when fewer remain.
func (d *decoder) fixed(n, size int) []byte {
	if d.err != nil {
		return nil
	}
	if uint64(n)*uint64(size) > uint64(len(d.b)) {
		d.fail("column values")
		return nil
	}
	b := d.b[:n*size]
	d.b = d.b[n*size:]
	return b
}

func (e *encoder) spec(s *model.Series) {
	e.path(s.Path)
	e.byte(byte(s.Type))
	e.byte(byte(s.Encoding))
	e.byte(byte(s.Compressor))
	e.str(s.Alias)
	e.bool(s.Aligned)
	e.str(s.Database)
}

func (d *decoder) spec() model.Series {
	return model.Series{Path: d.path(), Type: model.DataType(d.byte()), Encoding: model.Encoding(d.byte()),
		Compressor: model.Compressor(d.byte()), Alias: d.str(), Aligned: d.bool(), Database: d.str()}
}

// taggedSpec is spec followed by the series' tags and attributes.
func (e *encoder) taggedSpec(s *model.Series) {
	e.spec(s)
	e.strMap(s.Tags)
	e.strMap(s.Attributes)
}

func (d *decoder) taggedSpec() model.Series {
	s := d.spec()
	s.Tags, s.Attributes = d.strMap(), d.strMap()
	return s
}

// strMap writes m's pairs sorted by key, so that equal maps encode equally.
func (e *encoder) strMap(m map[string]string) {
	keys := slices.Sorted(maps.Keys(m))
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

// strMap reads a map written by encoder.strMap; an empty one is nil.
func (d *decoder) strMap() map[string]string {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (d *decoder) strs() []string {
	n := d.count(1)
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.str())
	}
	return out
}

func (e *encoder) paths(ps []model.Path) {
	e.uvarint(uint64(len(ps)))
	for _, p := range ps {
		e.path(p)
	}
}

func (d *decoder) paths() []model.Path {
	n := d.count(1)
	out := make([]model.Path, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.path())
	}
	return out
}
