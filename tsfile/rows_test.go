package tsfile

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// TestOverlappingChunkGroupsMerge writes chunk groups of a device that overlap in time or come
// out of time order, as IoTDB's unsequence files have them, and reads them back in time
// order, merged, later values winning.
func TestOverlappingChunkGroupsMerge(t *testing.T) {
	for _, aligned := range []bool{false, true} {
		t.Run(fmt.Sprintf("aligned=%v", aligned), func(t *testing.T) {
			tabs := []*Tablet{
				sampleTablet("root.u.d", aligned, Snappy, 1000, 40, true),
				sampleTablet("root.u.d", aligned, Snappy, 15000, 30, true), // overlaps the first
				sampleTablet("root.u.d", aligned, Snappy, 1000, 5, true),   // rewrites its start
				sampleTablet("root.u.d", aligned, Snappy, 900000, 10, false),
				sampleTablet("root.u.d", aligned, Snappy, -500000, 12, true), // earlier than all, written last
			}
			data := writeAll(t, WriterConfig{Compression: Snappy, PagePoints: 16, Unsequence: true}, tabs...)
			got, want := readBack(t, data), expectRows(tabs)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("merged rows differ:\n got %v\nwant %v", got, want)
			}
			// Deletions apply per source chunk: one older than the last two chunk groups.
			r, err := Open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			series, err := r.Series("root.u.d")
			if err != nil {
				t.Fatal(err)
			}
			var cut int64
			for _, ts := range series {
				if ts.Measurement == "INT64_TS_2DIFF" {
					cut = ts.Chunks[2].Offset
				}
			}
			rows, err := r.Rows("root.u.d", Deletion{Path: "root.u.d.INT64_TS_2DIFF", FileOffset: cut, StartTime: 0, EndTime: 1 << 62})
			if err != nil {
				t.Fatal(err)
			}
			idx := -1
			for i, ts := range rows.Series() {
				if ts.Measurement == "INT64_TS_2DIFF" {
					idx = i
				}
			}
			n := 0
			for rows.Next() {
				if v, ok := rows.Value(idx); ok {
					n++
					if w := want["root.u.d"][rows.Time()]["INT64_TS_2DIFF"]; v != w {
						t.Fatalf("at %d value %v, want %v", rows.Time(), v, w)
					}
				}
			}
			// The values left are those whose latest write came from the third or fourth tablet.
			source := map[int64]int{}
			for k, tab := range tabs {
				for i, s := range tab.Series {
					if s.Name != "INT64_TS_2DIFF" {
						continue
					}
					for row, tm := range tab.Times {
						if !isNull(tab, i, row) {
							source[tm] = k
						}
					}
				}
			}
			wantN := 0
			for _, k := range source {
				if k >= 2 {
					wantN++
				}
			}
			if err := rows.Err(); err != nil || n != wantN || n == 0 {
				t.Fatalf("%d values survive the deletion, want %d (%v)", n, wantN, err)
			}
		})
	}
}

// TestEmptyValueChunkReadsAsNulls reads an aligned column whose chunk has no pages, as IoTDB
// writes a column null in a whole chunk group: its rows are null.
func TestEmptyValueChunkReadsAsNulls(t *testing.T) {
	tab := &Tablet{Device: "root.e.d", Aligned: true, Times: []int64{1, 2, 3},
		Series:  []SeriesSchema{{Name: "a", Type: Int32, Uncompressed: true}, {Name: "b", Type: Int32, Uncompressed: true}},
		Columns: []Column{{Type: Int32, Int32s: []int32{1, 2, 3}}, {Type: Int32, Int32s: []int32{7, 0, 0}}},
		Nulls:   [][]bool{nil, {false, true, true}}}
	data := writeAll(t, WriterConfig{}, tab)
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	series, err := r.Series("root.e.d")
	if err != nil {
		t.Fatal(err)
	}
	// Make b's chunk header say it has no data: marker, name "b" (2 bytes), then the size.
	for _, ts := range series {
		if ts.Measurement == "b" {
			off := ts.Chunks[0].Offset
			if data[off] != markerOnePageChunk|valueColumnMask || data[off+3] >= 0x80 {
				t.Fatalf("unexpected chunk header % x", data[off:off+8])
			}
			data[off+3] = 0
		}
	}
	got := readBack(t, data)["root.e.d"]
	for tm, want := range map[int64]string{1: "map[a:1]", 2: "map[a:2]", 3: "map[a:3]"} {
		if fmt.Sprint(got[tm]) != want {
			t.Fatalf("row %d: %v, want %s", tm, got[tm], want)
		}
	}
}

// TestConcurrentReaders reads every device of one Reader from several goroutines at once.
func TestConcurrentReaders(t *testing.T) {
	data := goldenBytes(t, "zstd")
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	devices, err := r.Devices()
	if err != nil {
		t.Fatal(err)
	}
	counts := make(chan string, 4*len(devices))
	var wg sync.WaitGroup
	for range 4 {
		for _, d := range devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows, err := r.Rows(d)
				if err != nil {
					counts <- err.Error()
					return
				}
				n := 0
				for rows.Next() {
					n++
				}
				counts <- fmt.Sprintf("%s %d %v", d, n, rows.Err())
			}()
		}
	}
	wg.Wait()
	close(counts)
	seen := map[string]int{}
	for c := range counts {
		seen[c]++
	}
	for _, d := range devices {
		if k := fmt.Sprintf("%s 300 <nil>", d); seen[k] != 4 {
			t.Fatalf("results %v", seen)
		}
	}
}
