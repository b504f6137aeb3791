package tsfile

import (
	"bytes"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadMods(t *testing.T) {
	in := "DELETION,root.sg.d1.s1,1024,100,300\n" +
		"DELETION,root.sg.`a,b`.s2,77,-5,9223372036854775807\n" +
		"DELETION,root.sg.d1.s3,12,500\n" +
		"\n" +
		"DELETION,root.sg.d9.s1,2048,1," // cut short: IoTDB was writing it
	got, err := ReadMods(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Deletion{
		{Path: "root.sg.d1.s1", FileOffset: 1024, StartTime: 100, EndTime: 300},
		{Path: "root.sg.`a,b`.s2", FileOffset: 77, StartTime: -5, EndTime: math.MaxInt64},
		{Path: "root.sg.d1.s3", FileOffset: 12, StartTime: math.MinInt64, EndTime: 500},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	var buf bytes.Buffer
	if err := WriteMods(&buf, want); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMods(&buf)
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Fatalf("written and read back: %+v, %v", back, err)
	}
	for _, bad := range []string{"UPDATE,root.a,1,2,3\n", "DELETION,root.a\n", "DELETION,root.a,1,x,3\n", "DELETION,root.a,x,y\n"} {
		if _, err := ReadMods(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDeletionMatches(t *testing.T) {
	cases := []struct {
		pattern, device, measurement string
		want                         bool
	}{
		{"root.sg.d1.s1", "root.sg.d1", "s1", true},
		{"root.sg.d1.s1", "root.sg.d1", "s2", false},
		{"root.sg.d1.*", "root.sg.d1", "s2", true},
		{"root.sg.*.s2", "root.sg.d1", "s2", true},
		{"root.sg.*", "root.sg.d1", "s2", false},
		{"root.**", "root.sg.d1", "s2", true},
		{"root.**.s2", "root.sg.a.b.d1", "s2", true},
		{"root.**.s3", "root.sg.d1", "s2", false},
		{"root.sg.d*.s_*", "root.sg.d7", "s_x", true},
		{"root.sg.`d.1`.s", "root.sg.`d.1`", "s", true},
	}
	for _, c := range cases {
		if got := (Deletion{Path: c.pattern}).Matches(c.device, c.measurement); got != c.want {
			t.Errorf("%s matches %s.%s: %v, want %v", c.pattern, c.device, c.measurement, got, c.want)
		}
	}
}

// TestRowsApplyDeletions reads the golden file with deletions and checks against the
// reference dump with the deleted points removed.
func TestRowsApplyDeletions(t *testing.T) {
	path := filepath.Join("testdata", "uncompressed.tsfile")
	plain := dumpRows(t, path, "root.sg.d1", nil)
	size := int64(len(goldenBytes(t, "uncompressed")))
	t1, t2 := plain[10].time, plain[20].time
	dels := []Deletion{
		{Path: "root.sg.d1.s_int32", FileOffset: size, StartTime: t1, EndTime: t2},
		{Path: "root.sg.d1.*", FileOffset: size, StartTime: plain[50].time, EndTime: plain[51].time},
		// written after every chunk: deletes nothing
		{Path: "root.sg.d1.s_text", FileOffset: 7, StartTime: math.MinInt64, EndTime: math.MaxInt64},
	}
	got := dumpRows(t, path, "root.sg.d1", dels)
	var want []dumpRow
	for _, row := range plain {
		if row.time == plain[50].time || row.time == plain[51].time {
			continue
		}
		if row.time >= t1 && row.time <= t2 {
			delete(row.values, "s_int32")
		}
		want = append(want, row)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d rows, want %d; first %+v vs %+v", len(got), len(want), got[10], want[10])
	}
	// An aligned device: every column of one row deleted removes the row.
	alignedPlain := dumpRows(t, path, "root.sg.d4", nil)
	gone := alignedPlain[3].time
	got = dumpRows(t, path, "root.sg.d4", []Deletion{{Path: "root.**", FileOffset: size, StartTime: gone, EndTime: gone}})
	if len(got) != len(alignedPlain)-1 || got[3].time == gone {
		t.Fatalf("aligned deletion: %d rows of %d", len(got), len(alignedPlain))
	}
}

type dumpRow struct {
	time   int64
	values map[string]any
}

func dumpRows(t *testing.T, path, device string, dels []Deletion) []dumpRow {
	t.Helper()
	r, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.Rows(device, dels...)
	if err != nil {
		t.Fatal(err)
	}
	var out []dumpRow
	for rows.Next() {
		row := dumpRow{time: rows.Time(), values: map[string]any{}}
		for i, ts := range rows.Series() {
			if v, ok := rows.Value(i); ok {
				row.values[ts.Measurement] = v
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
