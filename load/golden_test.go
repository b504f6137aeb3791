package load

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/tsfile/tsfiletest"
)

// TestGoldenFiles loads each reference TsFile and compares every tablet row
// with the reference reader's dump.
func TestGoldenFiles(t *testing.T) {
	b, err := os.ReadFile("../tsfile/testdata/expected.dump.txt")
	if err != nil {
		t.Fatal(err)
	}
	dump, err := tsfiletest.ParseDump(string(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"uncompressed", "snappy", "gzip", "zstd"} {
		t.Run(name, func(t *testing.T) {
			got := map[string][]string{}
			sink := SinkFunc(func(_ context.Context, tabs []*model.Tablet) error {
				for _, tab := range tabs {
					dev := tab.Device.String()
					for r, ts := range tab.Times {
						cells := map[string]string{}
						for i, m := range tab.Measurements {
							c := &tab.Columns[i]
							if c.IsNull(r) {
								cells[dev+"."+m] = "null"
							} else {
								cells[dev+"."+m] = tsfiletest.JavaString(c.Value(r))
							}
						}
						got[dev] = append(got[dev], strconv.FormatInt(ts, 10)+"|"+encodeCells(cells))
					}
				}
				return nil
			})
			st, err := File(context.Background(), filepath.Join("..", "tsfile", "testdata", name+".tsfile"), sink, Options{BatchRows: 64, BatchPoints: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if st.Devices != 4 || st.Rows != 1200 {
				t.Errorf("stats %+v", st)
			}
			for _, dev := range dump.Devices {
				if len(got[dev.Name]) != len(dev.Rows) {
					t.Fatalf("%s: %d rows, want %d", dev.Name, len(got[dev.Name]), len(dev.Rows))
				}
				for i, row := range dev.Rows {
					cells := map[string]string{}
					for j, s := range dev.Series {
						cells[s] = row[j+1]
					}
					if want := row[0] + "|" + encodeCells(cells); got[dev.Name][i] != want {
						t.Fatalf("%s row %d:\n got %s\nwant %s", dev.Name, i, got[dev.Name][i], want)
					}
				}
			}
		})
	}
}

// encodeCells renders cells sorted by series.
func encodeCells(cells map[string]string) string {
	keys := make([]string, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + cells[k] + ";")
	}
	return b.String()
}
