package tsfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/tsfile/tsfiletest"
)

var goldenFiles = []string{"uncompressed", "snappy", "gzip", "zstd"}

// dumpFile renders r as the reference reader's dump does: the head line, then per device its
// series (in the order the dump lists them) and one tab-separated line per row.
func dumpFile(t *testing.T, path string, seriesOrder map[string][]string) string {
	t.Helper()
	r, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "head=%s version=%d tail=%s\n", magic, formatVersion, magic)
	devices, err := r.Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		rows, err := r.Rows(d)
		if err != nil {
			t.Fatal(err)
		}
		index := map[string]int{}
		for i, ts := range rows.Series() {
			index[d+"."+ts.Measurement] = i
		}
		order := seriesOrder[d]
		if len(order) != len(index) {
			t.Fatalf("device %s: file has series %v, dump lists %v", d, index, order)
		}
		cols := make([]int, len(order))
		for i, name := range order {
			j, ok := index[name]
			if !ok {
				t.Fatalf("device %s: dump lists %s, file has %v", d, name, index)
			}
			cols[i] = j
		}
		fmt.Fprintf(&b, "device %s [%s]\n", d, strings.Join(order, ", "))
		n := 0
		for rows.Next() {
			n++
			b.WriteString(strconv.FormatInt(rows.Time(), 10))
			for _, j := range cols {
				b.WriteByte('\t')
				v, ok := rows.Value(j)
				if !ok {
					b.WriteString("null")
					continue
				}
				b.WriteString(tsfiletest.JavaString(v))
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "rows %d\n", n)
	}
	return b.String()
}

func TestGoldenFilesReadToExpectedDump(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "expected.dump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := tsfiletest.ParseDump(string(want))
	if err != nil {
		t.Fatal(err)
	}
	order := dump.SeriesOrder()
	for _, name := range goldenFiles {
		t.Run(name, func(t *testing.T) {
			got := dumpFile(t, filepath.Join("testdata", name+".tsfile"), order)
			if got != string(want) {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %q\nwant %q", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("got %d lines, want %d", len(gl), len(wl))
			}
		})
	}
}
