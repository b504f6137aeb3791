package load

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/tsfile"
)

// writeFile writes tabs into dir/name and returns its path.
func writeFile(t *testing.T, dir, name string, tabs ...*tsfile.Tablet) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := tsfile.NewWriter(f, tsfile.WriterConfig{PagePoints: 7})
	for _, tab := range tabs {
		if err := w.Write(tab); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// sample is a device with every type, n rows at times 0, 10, 20, ...; row
// i of series k is null when (i+k)%5 == 0 (aligned only: a non-aligned
// device's series are independent, so nulls there are just absent points).
func sample(device string, aligned bool, n int) *tsfile.Tablet {
	tab := &tsfile.Tablet{Device: device, Aligned: aligned, Series: []tsfile.SeriesSchema{
		{Name: "b", Type: tsfile.Boolean}, {Name: "i32", Type: tsfile.Int32}, {Name: "i64", Type: tsfile.Int64},
		{Name: "f", Type: tsfile.Float}, {Name: "d", Type: tsfile.Double}, {Name: "s", Type: tsfile.Text},
	}}
	cols := []tsfile.Column{{Type: tsfile.Boolean}, {Type: tsfile.Int32}, {Type: tsfile.Int64},
		{Type: tsfile.Float}, {Type: tsfile.Double}, {Type: tsfile.Text}}
	tab.Nulls = make([][]bool, len(cols))
	for i := 0; i < n; i++ {
		tab.Times = append(tab.Times, int64(i*10))
		cols[0].Bools = append(cols[0].Bools, i%2 == 0)
		cols[1].Int32s = append(cols[1].Int32s, int32(-i))
		cols[2].Int64s = append(cols[2].Int64s, int64(i)*math.MaxInt32)
		cols[3].Floats = append(cols[3].Floats, float32(i)/4)
		cols[4].Doubles = append(cols[4].Doubles, float64(i)/3)
		cols[5].Texts = append(cols[5].Texts, []byte("v"+strings.Repeat("é", i%3)))
		for k := range cols {
			tab.Nulls[k] = append(tab.Nulls[k], (i+k)%5 == 0)
		}
	}
	tab.Columns = cols
	return tab
}

// collect loads path and returns every tablet handed to the sink, checking
// the batch bounds.
func collect(t *testing.T, path string, opts Options) ([]*model.Tablet, Stats, error) {
	t.Helper()
	var got []*model.Tablet
	sink := SinkFunc(func(_ context.Context, tabs []*model.Tablet) error {
		points := 0
		for _, tab := range tabs {
			if opts.BatchRows > 0 && tab.Rows() > opts.BatchRows {
				t.Errorf("tablet of %d rows, more than BatchRows %d", tab.Rows(), opts.BatchRows)
			}
			points += tab.Points()
		}
		if opts.BatchPoints > 0 && points > opts.BatchPoints+6 {
			t.Errorf("batch of %d points, more than BatchPoints %d plus one row", points, opts.BatchPoints)
		}
		got = append(got, tabs...)
		return nil
	})
	st, err := File(context.Background(), path, sink, opts)
	return got, st, err
}

// cells flattens tablets to "device time measurement=value" cells.
func cells(tabs []*model.Tablet) map[string]any {
	out := map[string]any{}
	for _, tab := range tabs {
		for r, ts := range tab.Times {
			for i, m := range tab.Measurements {
				c := &tab.Columns[i]
				if !c.IsNull(r) {
					out[tab.Device.String()+"|"+m+"|"+itoa(ts)] = c.Value(r)
				}
			}
		}
	}
	return out
}

func itoa(n int64) string { return fmtInt(n) }

func TestFileTypesAndNulls(t *testing.T) {
	for _, aligned := range []bool{false, true} {
		t.Run(map[bool]string{false: "nonaligned", true: "aligned"}[aligned], func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "a.tsfile", sample("root.sg.d1", aligned, 50))
			tabs, st, err := collect(t, path, Options{BatchRows: 8, BatchPoints: 20})
			if err != nil {
				t.Fatal(err)
			}
			if st.Devices != 1 || st.Rows != 50 || st.Points != 50*6-60 {
				t.Errorf("stats %+v, want 1 device, 50 rows, 240 points", st)
			}
			for _, tab := range tabs {
				if tab.Aligned != aligned {
					t.Errorf("tablet aligned=%v, want %v", tab.Aligned, aligned)
				}
				want := map[string]model.DataType{"b": model.Boolean, "i32": model.Int32, "i64": model.Int64, "f": model.Float, "d": model.Double, "s": model.Text}
				for i, c := range tab.Columns {
					if c.Type != want[tab.Measurements[i]] {
						t.Errorf("column %s type %v, want %v", tab.Measurements[i], c.Type, want[tab.Measurements[i]])
					}
				}
			}
			got := cells(tabs)
			if len(got) != 240 {
				t.Errorf("%d cells, want 240", len(got))
			}
			for _, c := range []struct {
				key  string
				want any
			}{
				{"root.sg.d1|b|20", true}, {"root.sg.d1|i32|70", int32(-7)}, {"root.sg.d1|i64|40", int64(4) * math.MaxInt32},
				{"root.sg.d1|f|10", float32(0.25)}, {"root.sg.d1|d|30", float64(1)}, {"root.sg.d1|s|20", "véé"},
			} {
				if got[c.key] != c.want {
					t.Errorf("%s = %#v, want %#v", c.key, got[c.key], c.want)
				}
			}
			if v, ok := got["root.sg.d1|b|0"]; ok {
				t.Errorf("null cell b@0 loaded as %v", v)
			}
		})
	}
}

func TestFileAppliesMods(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "m.tsfile", sample("root.sg.d1", false, 20), sample("root.sg.d2", true, 20))
	mods := []tsfile.Deletion{
		{Path: "root.sg.d1.i32", FileOffset: math.MaxInt64, StartTime: 0, EndTime: 50},
		{Path: "root.sg.d2.**", FileOffset: math.MaxInt64, StartTime: 100, EndTime: 1000},
	}
	f, err := os.Create(path + ModsExt)
	if err != nil {
		t.Fatal(err)
	}
	if err := tsfile.WriteMods(f, mods); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tabs, _, err := collect(t, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := cells(tabs)
	for key := range got {
		var dev, m string
		var ts int64
		parts := strings.Split(key, "|")
		dev, m = parts[0], parts[1]
		ts = parseInt(parts[2])
		if dev == "root.sg.d1" && m == "i32" && ts <= 50 {
			t.Errorf("deleted point %s loaded", key)
		}
		if dev == "root.sg.d2" && ts >= 100 {
			t.Errorf("deleted point %s loaded", key)
		}
	}
	if _, ok := got["root.sg.d1|i32|60"]; !ok {
		t.Error("point after the deletion's range missing")
	}
	if _, ok := got["root.sg.d1|i64|40"]; !ok {
		t.Error("point of another series missing")
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	notTs := filepath.Join(dir, "text.tsfile")
	os.WriteFile(notTs, []byte("hello, this is not a tsfile at all"), 0o644)
	good := writeFile(t, dir, "good.tsfile", sample("root.sg.d1", true, 300))
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "trunc.tsfile")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	// Flip bytes in the middle of the chunk data: the index still reads, the
	// pages do not.
	corrupt := filepath.Join(dir, "corrupt.tsfile")
	bad := append([]byte(nil), data...)
	for i := 40; i < 200 && i < len(bad); i++ {
		bad[i] ^= 0x5a
	}
	os.WriteFile(corrupt, bad, 0o644)
	badMods := writeFile(t, dir, "mods.tsfile", sample("root.sg.d1", false, 5))
	os.WriteFile(badMods+ModsExt, []byte("DELETION,root.sg.d1.b,x,y,z\n"), 0o644)

	for _, c := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.tsfile"), "missing.tsfile: file not found"},
		{notTs, "text.tsfile: not a readable TsFile: tsfile: corrupt at offset 0"},
		{truncated, "trunc.tsfile: not a readable TsFile: tsfile: corrupt at offset"},
		{corrupt, "corrupt.tsfile: "},
		{badMods, "mods.tsfile.mods: "},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			_, _, err := collect(t, c.path, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if c.path == corrupt && !errors.Is(err, tsfile.ErrCorrupt) {
				t.Errorf("error %v does not wrap tsfile.ErrCorrupt", err)
			}
		})
	}
}

func TestFilesWalksDirectories(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "b/2.tsfile", sample("root.sg.d1", false, 1))
	b := writeFile(t, dir, "a.tsfile", sample("root.sg.d1", false, 1))
	os.WriteFile(filepath.Join(dir, "a.tsfile.resource"), nil, 0o644)
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != b || got[1] != a {
		t.Errorf("Files = %v, want [%s %s]", got, b, a)
	}
	if got, err := Files(a); err != nil || len(got) != 1 || got[0] != a {
		t.Errorf("Files(file) = %v, %v", got, err)
	}
	if _, err := Files(t.TempDir()); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty directory: %v, want ErrNoFiles", err)
	}
	if _, err := Files(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing path: %v", err)
	}
	if err := Remove(b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b + ".resource"); !os.IsNotExist(err) {
		t.Errorf("Remove left the .resource file: %v", err)
	}
}

func TestSchema(t *testing.T) {
	path := writeFile(t, t.TempDir(), "s.tsfile", sample("root.sg.d1", false, 3), sample("root.sg.`d.2`", true, 3))
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	devs, err := Schema(f.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("%d devices, want 2", len(devs))
	}
	for _, d := range devs {
		if len(d.Measurements) != 6 || d.Aligned != (d.Path.String() != "root.sg.d1") {
			t.Errorf("device %+v", d)
		}
	}
}
