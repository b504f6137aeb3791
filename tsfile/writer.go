package tsfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// WriterConfig tunes a Writer; the zero value is usable.
type WriterConfig struct {
	// Compression of series whose SeriesSchema leaves it unset; default LZ4 (IoTDB's default).
	Compression Compression
	// PagePoints is the most rows a page holds; default 10000.
	PagePoints int
	// PageBytes closes a page once a column's values in it reach this many bytes
	// (estimated before encoding); default 64 KiB, IoTDB's page size.
	PageBytes int
	// Unsequence allows a device's chunk groups to overlap earlier ones in time, as in the
	// unsequence files IoTDB writes for out-of-order data: readers take the later value of
	// a time written twice.
	Unsequence bool
}

// SeriesSchema names a series of a Tablet and how it is stored. A zero Encoding means the
// type's default: TS_2DIFF for INT32 and INT64, GORILLA for FLOAT and DOUBLE, RLE for
// BOOLEAN, PLAIN for TEXT (set Plain explicitly with PlainEncoding). A zero Compression
// means the writer's.
type SeriesSchema struct {
	Name        string
	Type        DataType
	Encoding    Encoding
	Compression Compression
	// PlainEncoding forces PLAIN, whose number is the zero Encoding.
	PlainEncoding bool
	// Uncompressed forces no compression, whose number is the zero Compression.
	Uncompressed bool
}

// Tablet is rows of one device, written by the Writer as one chunk group.
type Tablet struct {
	Device  string
	Aligned bool
	Series  []SeriesSchema
	// Times are the rows' times, strictly increasing.
	Times []int64
	// Columns[i] holds series i's value for every row (len(Times) values; the value at a null
	// row is ignored).
	Columns []Column
	// Nulls[i][row] marks a row without a value for series i; nil means none.
	Nulls [][]bool
}

// Writer writes a TsFile: Write one Tablet per chunk group, then Close.
type Writer struct {
	out    *bufio.Writer
	pos    int64
	cfg    WriterConfig
	err    error
	closed bool
	// devices maps device → measurement → metadata collected from its chunks.
	devices map[string]map[string]*TimeseriesMetadata
	aligned map[string]bool
	buf     []byte
}

// ErrClosed is returned when writing to a closed Writer.
var ErrClosed = errors.New("tsfile: writer closed")

// NewWriter starts a TsFile on w.
func NewWriter(w io.Writer, cfg WriterConfig) *Writer {
	if cfg.Compression == Uncompressed {
		cfg.Compression = LZ4
	}
	if cfg.PagePoints <= 0 {
		cfg.PagePoints = 10000
	}
	if cfg.PageBytes <= 0 {
		cfg.PageBytes = 64 << 10
	}
	wr := &Writer{out: bufio.NewWriterSize(w, 1<<16), cfg: cfg,
		devices: map[string]map[string]*TimeseriesMetadata{}, aligned: map[string]bool{}}
	wr.write(append([]byte(magic), formatVersion))
	return wr
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.out.Write(b)
	w.pos += int64(n)
	w.err = err
}

func defaultEncoding(t DataType) Encoding {
	if t == Blob || t == String {
		return Plain
	}
	switch t.physical() {
	case Int32, Int64:
		return TS2Diff
	case Float, Double:
		return Gorilla
	case Boolean:
		return RLE
	}
	return Plain
}

// resolve fills in a schema's defaults and checks it.
func (w *Writer) resolve(s SeriesSchema) (SeriesSchema, error) {
	if !s.Type.valid() || s.Type == Vector {
		return s, fmt.Errorf("tsfile: series %q: type %v cannot be written", s.Name, s.Type)
	}
	if s.PlainEncoding {
		s.Encoding = Plain
	} else if s.Encoding == Plain {
		s.Encoding = defaultEncoding(s.Type)
	}
	if s.Uncompressed {
		s.Compression = Uncompressed
	} else if s.Compression == Uncompressed {
		s.Compression = w.cfg.Compression
	}
	if !s.Encoding.Supports(s.Type) {
		return s, fmt.Errorf("tsfile: series %q: encoding %v does not apply to %v", s.Name, s.Encoding, s.Type)
	}
	if compressionNames[s.Compression] == "" {
		return s, fmt.Errorf("tsfile: series %q: unknown compression %v", s.Name, s.Compression)
	}
	return s, nil
}

// Write writes tab as one chunk group.
func (w *Writer) Write(tab *Tablet) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.check(tab); err != nil {
		return err
	}
	if len(tab.Times) == 0 {
		return nil
	}
	schemas := make([]SeriesSchema, len(tab.Series))
	for i, s := range tab.Series {
		var err error
		if schemas[i], err = w.resolve(s); err != nil {
			return err
		}
	}
	seen, ok := w.aligned[tab.Device]
	if ok && seen != tab.Aligned {
		return fmt.Errorf("tsfile: device %q written both aligned and not", tab.Device)
	}
	if last := w.lastTime(tab.Device); !w.cfg.Unsequence && last != nil && tab.Times[0] <= *last {
		return fmt.Errorf("tsfile: device %q: time %d does not follow %d already written", tab.Device, tab.Times[0], *last)
	}
	w.aligned[tab.Device] = tab.Aligned
	if w.devices[tab.Device] == nil {
		w.devices[tab.Device] = map[string]*TimeseriesMetadata{}
	}
	w.write(appendVarString([]byte{markerChunkGroup}, tab.Device))
	if tab.Aligned {
		return w.writeAligned(tab, schemas)
	}
	for i, s := range schemas {
		times, col := presentRows(tab, i)
		if len(times) == 0 {
			continue
		}
		if err := w.writeChunk(tab.Device, s, times, col); err != nil {
			return err
		}
	}
	return w.err
}

// lastTime is the latest time written for device, nil if none.
func (w *Writer) lastTime(device string) *int64 {
	var last *int64
	for _, ts := range w.devices[device] {
		if ts.Stats.Count > 0 && (last == nil || ts.Stats.EndTime > *last) {
			t := ts.Stats.EndTime
			last = &t
		}
	}
	return last
}

func (w *Writer) check(tab *Tablet) error {
	if tab.Device == "" {
		return errors.New("tsfile: tablet without a device")
	}
	if len(tab.Columns) != len(tab.Series) || (tab.Nulls != nil && len(tab.Nulls) != len(tab.Series)) {
		return fmt.Errorf("tsfile: device %q: %d series, %d columns, %d null masks", tab.Device, len(tab.Series), len(tab.Columns), len(tab.Nulls))
	}
	for i := 1; i < len(tab.Times); i++ {
		if tab.Times[i] <= tab.Times[i-1] {
			return fmt.Errorf("tsfile: device %q: time %d at row %d does not follow %d", tab.Device, tab.Times[i], i, tab.Times[i-1])
		}
	}
	names := map[string]bool{}
	for i, s := range tab.Series {
		if s.Name == "" || names[s.Name] {
			return fmt.Errorf("tsfile: device %q: series name %q empty or repeated", tab.Device, s.Name)
		}
		names[s.Name] = true
		if tab.Columns[i].Type != s.Type || tab.Columns[i].Len() != len(tab.Times) {
			return fmt.Errorf("tsfile: device %q series %q: column of %d %v values for %d %v rows", tab.Device, s.Name, tab.Columns[i].Len(), tab.Columns[i].Type, len(tab.Times), s.Type)
		}
		if tab.Nulls != nil && tab.Nulls[i] != nil && len(tab.Nulls[i]) != len(tab.Times) {
			return fmt.Errorf("tsfile: device %q series %q: %d null flags for %d rows", tab.Device, s.Name, len(tab.Nulls[i]), len(tab.Times))
		}
		if ts := w.devices[tab.Device][s.Name]; ts != nil && ts.Type != s.Type {
			return fmt.Errorf("tsfile: device %q series %q: type %v, earlier %v", tab.Device, s.Name, s.Type, ts.Type)
		}
	}
	return nil
}

func isNull(tab *Tablet, i, row int) bool {
	return tab.Nulls != nil && tab.Nulls[i] != nil && tab.Nulls[i][row]
}

// builtPage is an encoded page ready to write.
type builtPage struct {
	uncompressed int
	body         []byte // compressed
	stats        *Statistics
	empty        bool
}

// writeChunk writes the chunk of a non-aligned series from its values and their times.
func (w *Writer) writeChunk(device string, s SeriesSchema, times []int64, col Column) error {
	var pages []builtPage
	bounds := w.pageBounds(len(times), []*Column{&col}, nil)
	for k, end := range bounds {
		start := 0
		if k > 0 {
			start = bounds[k-1]
		}
		p, err := w.buildPage(s, times[start:end], col.slice(start, end), nil, false)
		if err != nil {
			return err
		}
		pages = append(pages, p)
	}
	return w.emitChunk(device, s, pages, 0)
}

// buildPage encodes and compresses one page. For a value page, times are the rows' times and
// present flags which rows col's values belong to.
func (w *Writer) buildPage(s SeriesSchema, times []int64, col Column, present []bool, valuePage bool) (builtPage, error) {
	var body []byte
	var stats *Statistics
	var err error
	switch {
	case s.Type == Vector:
		body = encodeTS2Diff64(nil, times)
		stats = newStatistics(Vector, times, nil)
	case valuePage:
		var presentTimes []int64
		bitmap := make([]byte, (len(present)+7)/8)
		for i, p := range present {
			if p {
				bitmap[i/8] |= 0x80 >> (i % 8)
				presentTimes = append(presentTimes, times[i])
			}
		}
		if len(presentTimes) == 0 {
			return builtPage{empty: true}, nil
		}
		body = appendInt32(nil, int32(len(present)))
		body = append(body, bitmap...)
		if body, err = encodeValues(body, col, s.Encoding); err != nil {
			return builtPage{}, err
		}
		stats = newStatistics(s.Type, presentTimes, &col)
	default:
		tb := encodeTS2Diff64(nil, times)
		body = appendUvarint(nil, uint32(len(tb)))
		body = append(body, tb...)
		if body, err = encodeValues(body, col, s.Encoding); err != nil {
			return builtPage{}, err
		}
		stats = newStatistics(s.Type, times, &col)
	}
	compressed, err := compress(s.Compression, body)
	if err != nil {
		return builtPage{}, fmt.Errorf("tsfile: series %q: %w", s.Name, err)
	}
	return builtPage{uncompressed: len(body), body: compressed, stats: stats}, nil
}

// emitChunk writes a chunk header and its pages, and records the chunk's metadata.
func (w *Writer) emitChunk(device string, s SeriesSchema, pages []builtPage, mask byte) error {
	chunkStats := &Statistics{Type: s.Type}
	nonEmpty := 0
	for _, p := range pages {
		if !p.empty {
			chunkStats.merge(p.stats)
			nonEmpty++
		}
	}
	if nonEmpty == 0 {
		return nil
	}
	onePage := len(pages) == 1
	body := w.buf[:0]
	for _, p := range pages {
		if p.empty {
			body = appendUvarint(body, 0)
			continue
		}
		body = appendUvarint(body, uint32(p.uncompressed))
		body = appendUvarint(body, uint32(len(p.body)))
		if !onePage {
			body = p.stats.append(body)
		}
		body = append(body, p.body...)
	}
	w.buf = body
	h := chunkHeader{marker: markerChunk | mask, measurement: s.Name, dataSize: len(body),
		typ: s.Type, compression: s.Compression, encoding: s.Encoding}
	if onePage {
		h.marker = markerOnePageChunk | mask
	}
	offset := w.pos
	w.write(h.append(nil))
	w.write(body)
	ts := w.devices[device][s.Name]
	if ts == nil {
		ts = &TimeseriesMetadata{Measurement: s.Name, Type: s.Type, Stats: &Statistics{Type: s.Type},
			TimeColumn: mask == timeColumnMask, ValueColumn: mask == valueColumnMask}
		w.devices[device][s.Name] = ts
	}
	ts.Stats.merge(chunkStats)
	ts.Chunks = append(ts.Chunks, ChunkMetadata{Offset: offset, Stats: chunkStats})
	return w.err
}

// writeAligned writes an aligned tablet: a time chunk, then one value chunk per series with
// any value, their pages covering the same rows.
func (w *Writer) writeAligned(tab *Tablet, schemas []SeriesSchema) error {
	timeSchema := SeriesSchema{Name: "", Type: Vector, Encoding: TS2Diff, Compression: w.cfg.Compression}
	var timePages []builtPage
	n := len(tab.Times)
	cols := make([]*Column, len(tab.Columns))
	for i := range tab.Columns {
		cols[i] = &tab.Columns[i]
	}
	bounds := w.pageBounds(n, cols, func(i, row int) bool { return isNull(tab, i, row) })
	starts := append([]int{0}, bounds[:len(bounds)-1]...)
	for k, end := range bounds {
		p, err := w.buildPage(timeSchema, tab.Times[starts[k]:end], Column{}, nil, false)
		if err != nil {
			return err
		}
		timePages = append(timePages, p)
	}
	if err := w.emitChunk(tab.Device, timeSchema, timePages, timeColumnMask); err != nil {
		return err
	}
	for i, s := range schemas {
		var pages []builtPage
		for k, end := range bounds {
			start := starts[k]
			present := make([]bool, end-start)
			col := Column{Type: s.Type}
			for row := start; row < end; row++ {
				if !isNull(tab, i, row) {
					present[row-start] = true
					col.appendFrom(&tab.Columns[i], row)
				}
			}
			p, err := w.buildPage(s, tab.Times[start:end], col, present, true)
			if err != nil {
				return err
			}
			pages = append(pages, p)
		}
		if err := w.emitChunk(tab.Device, s, pages, valueColumnMask); err != nil {
			return err
		}
	}
	return w.err
}
