package tsfile

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var allCompressions = []Compression{Uncompressed, Snappy, Gzip, LZ4, Zstd, LZMA2}

// sampleTablet builds a tablet of every type/encoding pair the format allows, rows times
// starting at t0, with some nulls when withNulls.
func sampleTablet(device string, aligned bool, comp Compression, t0 int64, rows int, withNulls bool) *Tablet {
	rng := rand.New(rand.NewPCG(uint64(t0), uint64(rows)))
	tab := &Tablet{Device: device, Aligned: aligned}
	for i := 0; i < rows; i++ {
		tab.Times = append(tab.Times, t0+int64(i)*1000+int64(rng.IntN(3)))
	}
	for _, typ := range allTypes {
		for _, enc := range []Encoding{Plain, Dictionary, RLE, TS2Diff, Gorilla} {
			if !enc.Supports(typ) {
				continue
			}
			s := SeriesSchema{Name: fmt.Sprintf("%s_%s", typ, enc), Type: typ, Encoding: enc,
				PlainEncoding: enc == Plain, Compression: comp, Uncompressed: comp == Uncompressed}
			col := Column{Type: typ}
			nulls := make([]bool, rows)
			for i := 0; i < rows; i++ {
				nulls[i] = withNulls && rng.IntN(5) == 0
				switch typ.physical() {
				case Boolean:
					col.Bools = append(col.Bools, rng.IntN(3) == 0)
				case Int32:
					col.Int32s = append(col.Int32s, int32(rng.IntN(2000))-1000)
				case Int64:
					col.Int64s = append(col.Int64s, int64(rng.Uint64()>>uint(i%60)))
				case Float:
					col.Floats = append(col.Floats, float32(rng.IntN(100000))/100)
				case Double:
					col.Doubles = append(col.Doubles, float64(rng.IntN(10000000))/100)
				case Text:
					col.Texts = append(col.Texts, []byte(fmt.Sprintf("v%d-é", rng.IntN(20))))
				}
			}
			tab.Series = append(tab.Series, s)
			tab.Columns = append(tab.Columns, col)
			tab.Nulls = append(tab.Nulls, nulls)
		}
	}
	return tab
}

// readBack returns, per device, row time → series → value (absent series have no key).
func readBack(t *testing.T, data []byte) map[string]map[int64]map[string]any {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	devices, err := r.Devices()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int64]map[string]any{}
	for _, d := range devices {
		rows, err := r.Rows(d)
		if err != nil {
			t.Fatal(err)
		}
		out[d] = map[int64]map[string]any{}
		for rows.Next() {
			row := map[string]any{}
			for i, ts := range rows.Series() {
				if v, ok := rows.Value(i); ok {
					row[ts.Measurement] = v
				}
			}
			out[d][rows.Time()] = row
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// expectRows is what readBack must return for tablets.
func expectRows(tabs []*Tablet) map[string]map[int64]map[string]any {
	out := map[string]map[int64]map[string]any{}
	for _, tab := range tabs {
		if out[tab.Device] == nil {
			out[tab.Device] = map[int64]map[string]any{}
		}
		for row, tm := range tab.Times {
			vals := out[tab.Device][tm]
			if vals == nil {
				vals = map[string]any{}
			}
			for i, s := range tab.Series {
				if !isNull(tab, i, row) {
					vals[s.Name] = tab.Columns[i].Value(row) // a later tablet's value wins
				}
			}
			if len(vals) > 0 || tab.Aligned {
				out[tab.Device][tm] = vals
			}
		}
	}
	return out
}

func writeAll(t testing.TB, cfg WriterConfig, tabs ...*Tablet) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, cfg)
	for _, tab := range tabs {
		if err := w.Write(tab); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterRoundTripsEveryTypeEncodingCompression(t *testing.T) {
	for _, comp := range allCompressions {
		for _, aligned := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/aligned=%v", comp, aligned), func(t *testing.T) {
				tabs := []*Tablet{
					sampleTablet("root.a.d1", aligned, comp, 1_700_000_000_000, 250, true),
					sampleTablet("root.a.d0", aligned, comp, 1_600_000_000_000, 1, false),
					// a second chunk group of d1, later in time
					sampleTablet("root.a.d1", aligned, comp, 1_800_000_000_000, 120, false),
				}
				data := writeAll(t, WriterConfig{Compression: comp, PagePoints: 100}, tabs...)
				got, want := readBack(t, data), expectRows(tabs)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("read back differs from what was written")
				}
				r, err := Open(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				for _, tab := range tabs {
					for _, s := range tab.Series {
						if !r.BloomFilter().MayContain(tab.Device + "." + s.Name) {
							t.Fatalf("bloom filter misses %s.%s", tab.Device, s.Name)
						}
					}
				}
			})
		}
	}
}

func TestWriterDefaultsAndAllNullColumns(t *testing.T) {
	tab := &Tablet{Device: "root.b.d", Aligned: true, Times: []int64{1, 2, 3},
		Series: []SeriesSchema{{Name: "i", Type: Int64}, {Name: "f", Type: Double}, {Name: "s", Type: Text}, {Name: "b", Type: Boolean}},
		Columns: []Column{{Type: Int64, Int64s: []int64{1, 2, 3}}, {Type: Double, Doubles: []float64{1, 2, 3}},
			{Type: Text, Texts: [][]byte{nil, nil, nil}}, {Type: Boolean, Bools: []bool{true, false, true}}},
		Nulls: [][]bool{nil, {false, true, false}, {true, true, true}, nil}}
	data := writeAll(t, WriterConfig{}, tab)
	if got, want := readBack(t, data), expectRows([]*Tablet{tab}); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"": "TS_2DIFF/LZ4", "i": "TS_2DIFF/LZ4", "f": "GORILLA/LZ4", "b": "RLE/LZ4"}
	err = r.Scan(func(ChunkGroup) error { return nil }, func(_ ChunkGroup, c *Chunk) error {
		if got := c.Encoding.String() + "/" + c.Compression.String(); got != want[c.Measurement] {
			t.Errorf("chunk %q written %s, want %s", c.Measurement, got, want[c.Measurement])
		}
		delete(want, c.Measurement)
		return nil
	})
	if err != nil || len(want) != 0 {
		t.Fatalf("scan: %v; chunks not seen: %v", err, want)
	}
}

// TestWriterBuildsDeepIndexes writes more devices and series than one index node holds, so
// internal device and measurement nodes are used.
func TestWriterBuildsDeepIndexes(t *testing.T) {
	var tabs []*Tablet
	for d := 0; d < 300; d++ {
		tabs = append(tabs, &Tablet{Device: fmt.Sprintf("root.c.d%03d", d), Times: []int64{int64(d)},
			Series: []SeriesSchema{{Name: "v", Type: Int32}}, Columns: []Column{{Type: Int32, Int32s: []int32{int32(d)}}}})
	}
	wide := &Tablet{Device: "root.c.wide", Times: []int64{5, 6}}
	for i := 0; i < 600; i++ {
		wide.Series = append(wide.Series, SeriesSchema{Name: fmt.Sprintf("s%04d", i), Type: Int64})
		wide.Columns = append(wide.Columns, Column{Type: Int64, Int64s: []int64{int64(i), int64(-i)}})
	}
	tabs = append(tabs, wide)
	data := writeAll(t, WriterConfig{}, tabs...)
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if r.root.kind != nodeInternalDevice {
		t.Fatalf("root node type %d, want internal device", r.root.kind)
	}
	if got, want := readBack(t, data), expectRows(tabs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatal("read back differs")
	}
	series, err := r.Series("root.c.wide")
	if err != nil || len(series) != 600 {
		t.Fatalf("wide device: %d series, %v", len(series), err)
	}
}

func TestWriterRejectsBadTablets(t *testing.T) {
	good := func() *Tablet {
		return &Tablet{Device: "root.d.x", Times: []int64{1, 2}, Series: []SeriesSchema{{Name: "v", Type: Int32}},
			Columns: []Column{{Type: Int32, Int32s: []int32{1, 2}}}}
	}
	cases := map[string]func(*Tablet){
		"no device":           func(t *Tablet) { t.Device = "" },
		"times not ascending": func(t *Tablet) { t.Times = []int64{2, 2} },
		"column too short":    func(t *Tablet) { t.Columns[0].Int32s = []int32{1} },
		"column wrong type":   func(t *Tablet) { t.Columns[0] = Column{Type: Int64, Int64s: []int64{1, 2}} },
		"encoding for type":   func(t *Tablet) { t.Series[0].Encoding = Dictionary },
		"repeated series": func(t *Tablet) {
			t.Series = append(t.Series, t.Series[0])
			t.Columns = append(t.Columns, t.Columns[0])
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			tab := good()
			mutate(tab)
			w := NewWriter(&bytes.Buffer{}, WriterConfig{})
			if err := w.Write(tab); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	w := NewWriter(&bytes.Buffer{}, WriterConfig{})
	if err := w.Write(good()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(good()); err == nil {
		t.Fatal("accepted times that do not follow the device's earlier rows")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(good()); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestEmptyFileRoundTrips(t *testing.T) {
	data := writeAll(t, WriterConfig{})
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := r.Devices(); err != nil || len(d) != 0 {
		t.Fatalf("devices %v, %v", d, err)
	}
	if _, err := r.Series("root.x"); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("series of a missing device: %v", err)
	}
}

func TestCompressionsRoundTripIncompressibleData(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, c := range allCompressions {
		for name, data := range map[string][]byte{"random": random, "zeros": make([]byte, 70000), "one byte": {7}} {
			z, err := compress(c, data)
			if err != nil {
				t.Fatalf("%v %s: %v", c, name, err)
			}
			back, err := decompress(c, z, len(data))
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("%v %s: %v", c, name, err)
			}
			if c != Uncompressed {
				if _, err := decompress(c, z, len(data)+1); err == nil {
					t.Fatalf("%v %s: a wrong uncompressed size went unnoticed", c, name)
				}
			}
		}
	}
}

func TestLZMA2RefusesHugeDictionary(t *testing.T) {
	z, err := compress(LZMA2, []byte("some page body"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decompress(LZMA2, z, 14); err != nil {
		t.Fatal(err)
	}
	// The dictionary code is the one property byte of the LZMA2 filter, the block header's
	// last byte before its padding; find it as the byte after the filter id 0x21 and size 1.
	i := bytes.Index(z[12:], []byte{0x21, 0x01}) + 12 + 2
	z[i] = 40 // 4 GiB - 1
	if _, err := decompress(LZMA2, z, 14); err == nil || !strings.Contains(err.Error(), "dictionary") {
		t.Fatalf("a 4 GiB dictionary was not refused: %v", err)
	}
}

// TestNewerTypesKeepTheirStatistics writes the types IoTDB 1.3.1 added over two chunk groups
// of two pages and checks the statistics read back.
func TestNewerTypesKeepTheirStatistics(t *testing.T) {
	tab := func(t0 int64, strs []string, dates []int32) *Tablet {
		tb := &Tablet{Device: "root.n.d", Series: []SeriesSchema{
			{Name: "s", Type: String}, {Name: "b", Type: Blob}, {Name: "d", Type: Date}, {Name: "ts", Type: Timestamp}}}
		cols := []Column{{Type: String}, {Type: Blob}, {Type: Date}, {Type: Timestamp}}
		for i := range strs {
			tb.Times = append(tb.Times, t0+int64(i))
			cols[0].Texts = append(cols[0].Texts, []byte(strs[i]))
			cols[1].Texts = append(cols[1].Texts, []byte{byte(i), 0xff})
			cols[2].Int32s = append(cols[2].Int32s, dates[i])
			cols[3].Int64s = append(cols[3].Int64s, t0*2+int64(i))
		}
		tb.Columns = cols
		return tb
	}
	data := writeAll(t, WriterConfig{PagePoints: 2},
		tab(10, []string{"m", "c", "x"}, []int32{20240101, 20231231, 20250607}),
		tab(20, []string{"b", "n"}, []int32{20200101, 20240229}))
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	series, err := r.Series("root.n.d")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ts := range series {
		s := ts.Stats
		got[ts.Measurement] = fmt.Sprintf("%v n=%d %d..%d min=%s max=%s first=%s last=%s chunks=%d", ts.Type, s.Count, s.StartTime, s.EndTime, s.Min, s.Max, s.First, s.Last, len(ts.Chunks))
	}
	want := map[string]string{
		"s":  "STRING n=5 10..21 min=b max=x first=m last=n chunks=2",
		"b":  "BLOB n=5 10..21 min=%!s(<nil>) max=%!s(<nil>) first=%!s(<nil>) last=%!s(<nil>) chunks=2",
		"d":  "DATE n=5 10..21 min=%!s(int32=20200101) max=%!s(int32=20250607) first=%!s(int32=20240101) last=%!s(int32=20240229) chunks=2",
		"ts": "TIMESTAMP n=5 10..21 min=%!s(int64=20) max=%!s(int64=41) first=%!s(int64=20) last=%!s(int64=41) chunks=2",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %s\nwant %s", k, got[k], w)
		}
	}
	if gotRows, wantRows := readBack(t, data), expectRows([]*Tablet{tab(10, []string{"m", "c", "x"}, []int32{20240101, 20231231, 20250607}), tab(20, []string{"b", "n"}, []int32{20200101, 20240229})}); fmt.Sprint(gotRows) != fmt.Sprint(wantRows) {
		t.Fatal("values read back differ")
	}
}

// TestLargeValuesSplitPagesBySize checks pages close at PageBytes, not only at PagePoints,
// so large text values do not make pages a reader refuses.
func TestLargeValuesSplitPagesBySize(t *testing.T) {
	for _, aligned := range []bool{false, true} {
		tab := &Tablet{Device: "root.big.d", Aligned: aligned,
			Series:  []SeriesSchema{{Name: "blob", Type: Blob}, {Name: "n", Type: Int32}},
			Columns: []Column{{Type: Blob}, {Type: Int32}}}
		for i := 0; i < 10; i++ {
			tab.Times = append(tab.Times, int64(i))
			tab.Columns[0].Texts = append(tab.Columns[0].Texts, bytes.Repeat([]byte{byte('a' + i)}, 30000))
			tab.Columns[1].Int32s = append(tab.Columns[1].Int32s, int32(i))
		}
		data := writeAll(t, WriterConfig{Compression: Zstd}, tab)
		if got, want := readBack(t, data), expectRows([]*Tablet{tab}); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("aligned=%v: values differ", aligned)
		}
		r, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		pages := map[string][]int{}
		err = r.Scan(func(ChunkGroup) error { return nil }, func(_ ChunkGroup, c *Chunk) error {
			for _, p := range c.Pages {
				pages[c.Measurement] = append(pages[c.Measurement], p.Rows)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// 30,000-byte values: a page closes at the third (90,012 >= 65,536 bytes). An aligned
		// device's columns share the time column's pages; a non-aligned series has its own.
		wantN := "[10]"
		if aligned {
			wantN = "[3 3 3 1]"
		}
		if fmt.Sprint(pages["blob"]) != "[3 3 3 1]" || fmt.Sprint(pages["n"]) != wantN {
			t.Fatalf("aligned=%v: rows per page %v", aligned, pages)
		}
	}
}

// TestLongNames writes device and measurement names longer than the chunk header prefix the
// reader reads first.
func TestLongNames(t *testing.T) {
	device := "root.long." + strings.Repeat("d", 300)
	name := strings.Repeat("m", 200) + "é"
	tab := &Tablet{Device: device, Times: []int64{1}, Series: []SeriesSchema{{Name: name, Type: Int32}},
		Columns: []Column{{Type: Int32, Int32s: []int32{42}}}}
	data := writeAll(t, WriterConfig{}, tab)
	if got := fmt.Sprint(readBack(t, data)); got != fmt.Sprint(expectRows([]*Tablet{tab})) {
		t.Fatalf("read back %s", got)
	}
}
