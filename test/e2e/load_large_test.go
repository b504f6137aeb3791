package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/tsfile"
)

// TestLoadLargeFile measures LOAD and import-tsfile on a generated file of
// SLUICE_LOAD_ROWS rows per device (10 devices, 4 series, half of them
// aligned); it is skipped unless that variable is set:
//
//	SLUICE_LOAD_ROWS=100000 go test ./test/e2e -run TestLoadLargeFile -v
func TestLoadLargeFile(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("SLUICE_LOAD_ROWS"))
	if rows <= 0 {
		t.Skip("set SLUICE_LOAD_ROWS to run")
	}
	const devices = 10
	dir := t.TempDir()
	path := filepath.Join(dir, "large.tsfile")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := tsfile.NewWriter(f, tsfile.WriterConfig{})
	const chunk = 10000
	for d := range devices {
		for start := 0; start < rows; start += chunk {
			n := min(chunk, rows-start)
			tab := &tsfile.Tablet{Device: fmt.Sprintf("root.big.d%d", d), Aligned: d%2 == 1, Series: []tsfile.SeriesSchema{
				{Name: "i", Type: tsfile.Int64}, {Name: "f", Type: tsfile.Double}, {Name: "b", Type: tsfile.Boolean}, {Name: "s", Type: tsfile.Text}}}
			cols := []tsfile.Column{{Type: tsfile.Int64}, {Type: tsfile.Double}, {Type: tsfile.Boolean}, {Type: tsfile.Text}}
			for i := start; i < start+n; i++ {
				tab.Times = append(tab.Times, 1700000000000+int64(i)*100)
				cols[0].Int64s = append(cols[0].Int64s, int64(i*d))
				cols[1].Doubles = append(cols[1].Doubles, float64(i)/7)
				cols[2].Bools = append(cols[2].Bools, i%3 == 0)
				cols[3].Texts = append(cols[3].Texts, []byte("v"+strconv.Itoa(i%100)))
			}
			tab.Columns = cols
			if err := w.Write(tab); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	points := float64(devices * rows * 4)
	t.Logf("file: %d points, %d bytes", int(points), st.Size())

	s := proc.StartStandalone(t)
	sess := rootSession(t, s)
	for _, verify := range []string{"false", "true"} {
		start := time.Now()
		execOK(t, sess, fmt.Sprintf("LOAD '%s' verify=%s", path, verify))
		el := time.Since(start)
		t.Logf("LOAD verify=%s: %v, %.0f points/s", verify, el.Round(time.Millisecond), points/el.Seconds())
		if n := countOf(t, sess, "root.big.d3.s"); n != int64(rows) {
			t.Fatalf("count %d, want %d", n, rows)
		}
		execOK(t, sess, "DROP DATABASE root.big")
	}
	start := time.Now()
	runTool(t, "import-tsfile", "-p", strconv.Itoa(s.Port), "-s", path)
	t.Logf("import-tsfile: %.0f points/s", points/time.Since(start).Seconds())
	start = time.Now()
	runTool(t, "export-tsfile", "-p", strconv.Itoa(s.Port), "-t", dir, "-f", "out", "-path", "root.big.**")
	t.Logf("export-tsfile: %.0f points/s", points/time.Since(start).Seconds())
}
