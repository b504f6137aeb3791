package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/tsfile"
	"github.com/sluicedb/sluice/tsfile/tsfiletest"
)

// goldenDir holds the reference TsFiles written by Apache TsFile, and the
// dump of what they contain.
var goldenDir = filepath.Join("..", "..", "tsfile", "testdata")

var goldenNames = []string{"uncompressed", "snappy", "gzip", "zstd"}

func goldenDump(t testing.TB) *tsfiletest.Dump {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "expected.dump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := tsfiletest.ParseDump(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// copyFile copies src to dir and returns the copy's path.
func copyFile(t testing.TB, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// checkAgainstDump selects every device of the dump and compares every
// row, time and value with it; skip drops the cells a test deleted.
func checkAgainstDump(t testing.TB, sess *client.Session, dump *tsfiletest.Dump, skip func(series string, time string) bool) {
	t.Helper()
	for _, dev := range dump.Devices {
		res := query(t, sess, "select * from "+dev.Name)
		cols := make([]int, len(dev.Series))
		for i, s := range dev.Series {
			cols[i] = res.col(t, s)
		}
		var want []string
		for _, r := range dev.Rows {
			cells := []string{r[0]}
			any := false
			for i, s := range dev.Series {
				c := r[i+1]
				if skip != nil && skip(s, r[0]) {
					c = "null"
				}
				any = any || c != "null"
				cells = append(cells, c)
			}
			if any {
				want = append(want, strings.Join(cells, "\t"))
			}
		}
		var got []string
		for _, r := range res.rows {
			cells := []string{fmt.Sprint(r.time)}
			for _, j := range cols {
				if r.vals[j] == nil {
					cells = append(cells, "null")
				} else {
					cells = append(cells, tsfiletest.JavaString(r.vals[j]))
				}
			}
			got = append(got, strings.Join(cells, "\t"))
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", dev.Name, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%s row %d:\n got %s\nwant %s", dev.Name, i, got[i], want[i])
				break
			}
		}
	}
}

// TestLoadGoldenTsFiles loads each reference TsFile with LOAD and checks
// every value through SELECT against the reference reader's dump, then the
// series types, and LOAD's errors.
func TestLoadGoldenTsFiles(t *testing.T) {
	s := proc.StartStandalone(t)
	root := rootSession(t, s)
	dump := goldenDump(t)
	points := 0
	for _, dev := range dump.Devices {
		for _, r := range dev.Rows {
			for _, c := range r[1:] {
				if c != "null" {
					points++
				}
			}
		}
	}
	for _, name := range goldenNames {
		t.Run(name, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join(goldenDir, name+".tsfile"))
			start := time.Now()
			execOK(t, root, fmt.Sprintf("LOAD '%s'", path))
			el := time.Since(start)
			t.Logf("LOAD %s: %d points in %v (%.0f points/s)", name, points, el.Round(time.Millisecond), float64(points)/el.Seconds())
			checkAgainstDump(t, root, dump, nil)
			ts := showTimeseries(t, root, "root.sg.**")
			for series, want := range map[string]string{"root.sg.d1.s_int32": "INT32", "root.sg.d2.s_float": "FLOAT",
				"root.sg.d3.text_dictionary": "TEXT", "root.sg.d4.boolean_plain": "BOOLEAN", "root.sg.d4.int64_rle": "INT64",
				"root.sg.d3.double_gorilla": "DOUBLE"} {
				if got := ts[series]["DataType"]; got != want {
					t.Errorf("%s type %q, want %s", series, got, want)
				}
			}
			execOK(t, root, "DROP DATABASE root.sg")
		})
	}

	t.Run("import-tsfile", func(t *testing.T) {
		runTool(t, "import-tsfile", "-p", strconv.Itoa(s.Port), "-s", filepath.Join(goldenDir, "gzip.tsfile"), "-batch", "5000")
		checkAgainstDump(t, root, dump, nil)
		execOK(t, root, "DROP DATABASE root.sg")
	})

	t.Run("mods-and-directory", func(t *testing.T) {
		dir := t.TempDir()
		sub := filepath.Join(dir, "a", "b")
		os.MkdirAll(sub, 0o755)
		path := copyFile(t, filepath.Join(goldenDir, "zstd.tsfile"), sub)
		f, _ := os.Create(path + ".mods")
		dels := []tsfile.Deletion{{Path: "root.sg.d1.s_int32", FileOffset: math.MaxInt64, StartTime: math.MinInt64, EndTime: 1700000100000},
			{Path: "root.sg.d4.*", FileOffset: math.MaxInt64, StartTime: 1700000700000, EndTime: math.MaxInt64}}
		if err := tsfile.WriteMods(f, dels); err != nil {
			t.Fatal(err)
		}
		f.Close()
		execOK(t, root, fmt.Sprintf("LOAD '%s' sglevel=2 onSuccess=delete", dir))
		checkAgainstDump(t, root, dump, func(series, ts string) bool {
			var tm int64
			fmt.Sscan(ts, &tm)
			return series == "root.sg.d1.s_int32" && tm <= 1700000100000 ||
				strings.HasPrefix(series, "root.sg.d4.") && tm >= 1700000700000
		})
		// sglevel=2 would make each device its own database; a database
		// lies above its devices here, so it stops at root.sg.
		if dbs := showDatabases(t, root); !contains(dbs, "root.sg") {
			t.Errorf("sglevel=2: databases %v, want root.sg", dbs)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("onSuccess=delete left the file: %v", err)
		}
		if _, err := os.Stat(path + ".mods"); !os.IsNotExist(err) {
			t.Errorf("onSuccess=delete left the .mods: %v", err)
		}
		execOK(t, root, "DROP DATABASE root.sg")
	})

	t.Run("errors", func(t *testing.T) {
		dir := t.TempDir()
		good := copyFile(t, filepath.Join(goldenDir, "gzip.tsfile"), dir)
		notTs := filepath.Join(dir, "notes.tsfile")
		os.WriteFile(notTs, []byte("these are notes, not a TsFile"), 0o644)
		for _, c := range []struct {
			sql  string
			code int32
			want string
		}{
			{fmt.Sprintf("LOAD '%s/missing.tsfile'", dir), 701, "missing.tsfile: file or directory not found"},
			{fmt.Sprintf("LOAD '%s'", notTs), 303, "notes.tsfile: not a readable TsFile: tsfile: corrupt at offset 0"},
			{fmt.Sprintf("LOAD '%s' fast=true", good), 700, "unknown LOAD option fast"},
			{fmt.Sprintf("LOAD '%s' WITH ('on-succes'='delete')", good), 700, "unknown LOAD option 'on-succes'"},
			// A directory: the good file loads, the other is named as failed.
			{fmt.Sprintf("LOAD '%s'", dir), 303, "1 of 2 TsFiles failed to load: " + notTs + ": not a readable TsFile"},
		} {
			st, err := nonQuery(root, c.sql)
			msg := wantCode(t, c.sql, st, err, c.code)
			if !strings.Contains(msg, c.want) {
				t.Errorf("%s: message %q, want it to contain %q", c.sql, msg, c.want)
			}
		}
		checkAgainstDump(t, root, dump, nil)
		execOK(t, root, "DROP DATABASE root.sg")

		// A file whose last device's pages are damaged: verify (the default)
		// refuses it whole; verify=false fails when it reaches the damage
		// (this file is smaller than one write batch, so nothing was
		// written yet; a bigger one would say how many points were).
		r, err := tsfile.OpenFile(good)
		if err != nil {
			t.Fatal(err)
		}
		d4, err := r.Series("root.sg.d4")
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(good)
		off := d4[len(d4)-1].Chunks[0].Offset + 40
		for i := off; i < off+64; i++ {
			data[i] ^= 0x5a
		}
		damaged := filepath.Join(t.TempDir(), "damaged.tsfile")
		os.WriteFile(damaged, data, 0o644)
		st, err := nonQuery(root, fmt.Sprintf("LOAD '%s'", damaged))
		msg := wantCode(t, "LOAD of a damaged file", st, err, 303)
		if !strings.Contains(msg, "damaged.tsfile: tsfile: corrupt at offset") {
			t.Errorf("damaged file message %q", msg)
		}
		if dbs := showDatabases(t, root); contains(dbs, "root.sg") {
			t.Errorf("a refused damaged file created its database: %v", dbs)
		}
		st, err = nonQuery(root, fmt.Sprintf("LOAD '%s' verify=false", damaged))
		msg = wantCode(t, "LOAD verify=false of a damaged file", st, err, 303)
		if !strings.Contains(msg, "damaged.tsfile: tsfile: corrupt at offset") {
			t.Errorf("damaged file message without verify %q", msg)
		}
		execOK(t, root, "DROP DATABASE root.sg")

		// A series that exists with another type refuses the file whole.
		execOK(t, root, "CREATE TIMESERIES root.sg.d3.int32_rle WITH DATATYPE=TEXT")
		st, err = nonQuery(root, fmt.Sprintf("LOAD '%s'", good))
		msg = wantCode(t, "LOAD over a type conflict", st, err, 614)
		if !strings.Contains(msg, "gzip.tsfile: series root.sg.d3.int32_rle is INT32 in the file but TEXT in the database") {
			t.Errorf("type conflict message %q", msg)
		}
		if n := len(query(t, root, "select * from root.sg.d1").rows); n != 0 {
			t.Errorf("a refused file left %d rows of root.sg.d1", n)
		}
		execOK(t, root, "DROP DATABASE root.sg")

		// So does a device that exists with the other alignment (d4 is
		// aligned in the file, and comes after the devices that are fine).
		execOK(t, root, "CREATE TIMESERIES root.sg.d4.other WITH DATATYPE=INT32")
		st, err = nonQuery(root, fmt.Sprintf("LOAD '%s'", good))
		msg = wantCode(t, "LOAD over an alignment conflict", st, err, 609)
		if !strings.Contains(msg, "gzip.tsfile: device root.sg.d4 is aligned in the file but not aligned in the database") {
			t.Errorf("alignment conflict message %q", msg)
		}
		if n := len(query(t, root, "select * from root.sg.d1").rows); n != 0 {
			t.Errorf("a refused file left %d rows of root.sg.d1", n)
		}

		// A user needs WRITE_DATA on every series of the file.
		execOK(t, root, "CREATE USER loader 'Loader-pw-31'", "GRANT WRITE_DATA ON root.sg.d1.** TO USER loader")
		user := openAs(t, s, "loader", "Loader-pw-31", nil)
		st, err = nonQuery(user, fmt.Sprintf("LOAD '%s'", good))
		msg = wantCode(t, "LOAD without WRITE_DATA", st, err, 803)
		if !strings.Contains(msg, "WRITE_DATA") {
			t.Errorf("permission message %q", msg)
		}
	})
}

// TestLoadInCluster loads a reference TsFile through one DataNode of a
// cluster whose database spans regions led by both DataNodes, and reads it
// back through the other.
func TestLoadInCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a multi-process cluster")
	}
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 1, DataNodes: 2, Props: map[string]string{
		"data_replication_factor":                    "1",
		"default_data_region_group_num_per_database": "2",
	}})
	path, _ := filepath.Abs(filepath.Join(goldenDir, "snappy.tsfile"))
	execOK(t, sessionTo(t, cl.DataNodes[0]), fmt.Sprintf("LOAD '%s'", path))
	checkAgainstDump(t, sessionTo(t, cl.DataNodes[1]), goldenDump(t), nil)
	nodes := map[string]bool{}
	for _, r := range mustShow(t, sqlTo(t, cl.DataNodes[1]), "show data regions") {
		if r["Database"] == "root.sg" {
			nodes[r["DataNodeId"]] = true
		}
	}
	if len(nodes) != 2 {
		t.Errorf("root.sg's regions are on DataNodes %v, want both", nodes)
	}
}
