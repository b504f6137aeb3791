package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	tsload "github.com/sluicedb/sluice/load"
	"github.com/sluicedb/sluice/test/proc"
)

// runTool runs the sluice binary with args and returns its output.
func runTool(t *testing.T, args ...string) string {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(proc.Binary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sluice %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("sluice %s (%v):\n%s", args[0], time.Since(start).Round(time.Millisecond), out)
	return string(out)
}

// dumpDevice renders SELECT * of a device as lines of time and values.
func dumpDevice(t *testing.T, sess *client.Session, device string) (string, []string) {
	t.Helper()
	res := query(t, sess, "select * from "+device)
	var b strings.Builder
	for _, r := range res.rows {
		b.WriteString(strconv.FormatInt(r.time, 10))
		for _, v := range r.vals {
			b.WriteString("\t" + textOf(v))
		}
		b.WriteByte('\n')
	}
	return b.String(), res.cols
}

// TestExportImportTsFileRoundTrip exports two databases with export-tsfile
// and imports the file into a fresh server with import-tsfile: every
// series, type, alignment, time, value and null comes back.
func TestExportImportTsFileRoundTrip(t *testing.T) {
	src, dst := proc.StartStandalone(t), proc.StartStandalone(t)
	a := rootSession(t, src)
	devices := map[string]bool{"root.rt.plain": false, "root.rt.al": true, "root.rt2.x.y": false, "root.rt2.al2": true}
	for dev, aligned := range devices {
		tb, _ := sixTablet(t, dev, 5000, func(i int) int64 { return 1700000000000 + int64(i)*1000 + int64(i%7) }, true)
		var st interface{ GetCode() int32 }
		var err error
		if aligned {
			st, err = a.InsertAlignedTablet(tb, true)
		} else {
			st, err = a.InsertTablet(tb, true)
		}
		if err != nil || st.GetCode() != 200 {
			t.Fatalf("insert %s: %v %v", dev, st, err)
		}
	}
	// A device whose series are not all of the same length.
	execOK(t, a, "insert into root.rt.sparse(time, a) values (1, 1)", "insert into root.rt.sparse(time, b) values (2, 'two')")

	dir := t.TempDir()
	out := runTool(t, "export-tsfile", "-h", "127.0.0.1", "-p", strconv.Itoa(src.Port), "-t", dir, "-f", "all", "-path", "root.**")
	if !strings.Contains(out, "Export completely! 5 devices, ") || !strings.Contains(out, "100%") {
		t.Errorf("export output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "all.tsfile")); err != nil {
		t.Fatal(err)
	}
	out = runTool(t, "import-tsfile", "-p", strconv.Itoa(dst.Port), "-s", dir, "-batch", "10000")
	if !strings.Contains(out, "Import completely! 1 files, ") || !strings.Contains(out, "100%") {
		t.Errorf("import output:\n%s", out)
	}

	b := rootSession(t, dst)
	devices["root.rt.sparse"] = false
	for dev, aligned := range devices {
		want, wantCols := dumpDevice(t, a, dev)
		got, gotCols := dumpDevice(t, b, dev)
		if strings.Join(gotCols, ",") != strings.Join(wantCols, ",") {
			t.Errorf("%s: columns %v, want %v", dev, gotCols, wantCols)
		}
		if got != want {
			t.Errorf("%s: %d bytes of rows differ from the source's %d", dev, len(got), len(want))
		}
		res := query(t, b, "show devices "+dev)
		if al := res.texts(t, res.cols[1]); len(al) != 1 || al[0] != strconv.FormatBool(aligned) {
			t.Errorf("%s: IsAligned %v, want %v", dev, al, aligned)
		}
	}
	wantTS, gotTS := showTimeseries(t, a, "root.**"), showTimeseries(t, b, "root.**")
	if len(gotTS) != len(wantTS) || len(gotTS) != 4*6+2 {
		t.Errorf("%d series imported, want %d", len(gotTS), len(wantTS))
	}
	for s, w := range wantTS {
		if gotTS[s]["DataType"] != w["DataType"] {
			t.Errorf("%s: type %s, want %s", s, gotTS[s]["DataType"], w["DataType"])
		}
	}
	if n := countOf(t, b, "root.rt.al.t"); n != countOf(t, a, "root.rt.al.t") || n == 0 {
		t.Errorf("count of root.rt.al.t: %d", n)
	}

	// -q exports a query's series only.
	qdir := t.TempDir()
	runTool(t, "export-tsfile", "-p", strconv.Itoa(src.Port), "-td", qdir, "-f", "q.tsfile", "-q", "select i32, t from root.rt.al where time < 1700000100000")
	f, err := tsload.Open(filepath.Join(qdir, "q.tsfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	devs, err := tsload.Schema(f.Reader)
	if err != nil {
		t.Fatal(err)
	}
	res := query(t, a, "select count(i32), count(t) from root.rt.al where time < 1700000100000")
	want := res.rows[0].vals[0].(int64) + res.rows[0].vals[1].(int64)
	if len(devs) != 1 || devs[0].Path.String() != "root.rt.al" || !devs[0].Aligned ||
		strings.Join(devs[0].Measurements, ",") != "i32,t" || devs[0].Points != want {
		t.Errorf("-q export holds %+v, want root.rt.al aligned with i32 and t, %d points", devs, want)
	}
}
