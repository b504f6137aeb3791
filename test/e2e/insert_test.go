package e2e

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// sixRecord is row i as a record: its measurements, types and values, with
// the columns sampleNull marks left out when nulls is set, and the row as
// checkRows wants it (nil where left out).
func sixRecord(i int, nulls bool) (ms []string, types []client.TSDataType, vals []any, want []any) {
	want = make([]any, len(sixTypes))
	for c, typ := range sixTypes {
		if nulls && sampleNull(c, i) {
			continue
		}
		v := sample(typ, i)
		ms = append(ms, sixNames[c])
		types = append(types, typ)
		vals = append(vals, v)
		want[c] = v
	}
	return ms, types, vals, want
}

// sixStringRecord is row i with every value rendered as text, for the
// string-record calls.
func sixStringRecord(i int, nulls bool) (ms []string, vals []string, want []any) {
	ms, _, vs, want := sixRecord(i, nulls)
	for _, v := range vs {
		vals = append(vals, textOf(v))
	}
	return ms, vals, want
}

// createSix creates the six typed series of device (non-aligned).
func createSix(t testing.TB, sess *client.Session, device string) {
	t.Helper()
	paths := make([]string, len(sixNames))
	encs := make([]client.TSEncoding, len(sixNames))
	comps := make([]client.TSCompressionType, len(sixNames))
	for i, n := range sixNames {
		paths[i] = device + "." + n
		encs[i] = client.PLAIN
		comps[i] = client.SNAPPY
	}
	st, err := sess.CreateMultiTimeseries(paths, sixTypes, encs, comps)
	mustOK(t, "CreateMultiTimeseries "+device, st, err)
}

// TestInsertMethods writes all six types through every insert method of
// the official client (and the string-record calls it does not expose,
// through the generated Thrift client), with nulls, and reads everything
// back with SELECT.
func TestInsertMethods(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)
	raw := rawRoot(t, s)

	type wants map[string]map[int64][]any // device -> time -> six values
	cases := []struct {
		name    string
		aligned bool
		run     func(t *testing.T, dev string) wants
	}{
		{"InsertRecord", false, func(t *testing.T, dev string) wants {
			w := map[int64][]any{}
			for i := range 30 {
				ms, types, vals, want := sixRecord(i, true)
				st, err := sess.InsertRecord(dev, ms, types, vals, int64(i+1))
				mustOK(t, "InsertRecord", st, err)
				w[int64(i+1)] = want
			}
			return wants{dev: w}
		}},
		{"InsertRecords", false, func(t *testing.T, dev string) wants {
			out := wants{dev: {}, dev + "x": {}}
			var devs []string
			var mss [][]string
			var typess [][]client.TSDataType
			var valss [][]any
			var times []int64
			for i := range 30 {
				for _, d := range []string{dev, dev + "x"} {
					ms, types, vals, want := sixRecord(i+len(d), true)
					devs, mss, typess, valss = append(devs, d), append(mss, ms), append(typess, types), append(valss, vals)
					times = append(times, int64(100+i))
					out[d][int64(100+i)] = want
				}
			}
			st, err := sess.InsertRecords(devs, mss, typess, valss, times)
			mustOK(t, "InsertRecords", st, err)
			return out
		}},
		{"InsertRecordsOfOneDevice/sorted", false, func(t *testing.T, dev string) wants {
			return oneDevice(t, dev, 40, func(i int) int64 { return int64(i * 10) }, true, sess.InsertRecordsOfOneDevice)
		}},
		{"InsertRecordsOfOneDevice/unsorted", false, func(t *testing.T, dev string) wants {
			return oneDevice(t, dev, 30, func(i int) int64 { return int64(i * 7 % 30) }, false, sess.InsertRecordsOfOneDevice)
		}},
		{"InsertStringRecord", false, func(t *testing.T, dev string) wants {
			createSix(t, sess, dev)
			w := map[int64][]any{}
			for i := range 25 {
				ms, vals, want := sixStringRecord(i, true)
				st, err := sess.InsertStringRecord(dev, ms, vals, int64(i))
				mustOK(t, "InsertStringRecord", st, err)
				w[int64(i)] = want
			}
			return wants{dev: w}
		}},
		{"InsertStringRecordsOfOneDevice", false, func(t *testing.T, dev string) wants {
			createSix(t, sess, dev)
			req := &rpc.TSInsertStringRecordsOfOneDeviceReq{SessionId: raw.sid, PrefixPath: dev}
			w := map[int64][]any{}
			for i := range 25 {
				ms, vals, want := sixStringRecord(i, true)
				req.MeasurementsList = append(req.MeasurementsList, ms)
				req.ValuesList = append(req.ValuesList, vals)
				req.Timestamps = append(req.Timestamps, int64(1000+i))
				w[int64(1000+i)] = want
			}
			st, err := raw.InsertStringRecordsOfOneDevice(context.Background(), req)
			mustOK(t, "InsertStringRecordsOfOneDevice", st, err)
			return wants{dev: w}
		}},
		{"InsertStringRecords", false, func(t *testing.T, dev string) wants {
			out := wants{dev: {}, dev + "x": {}}
			req := &rpc.TSInsertStringRecordsReq{SessionId: raw.sid}
			for d := range out {
				createSix(t, sess, d)
			}
			for i := range 20 {
				for _, d := range []string{dev, dev + "x"} {
					ms, vals, want := sixStringRecord(i*3+len(d), true)
					req.PrefixPaths = append(req.PrefixPaths, d)
					req.MeasurementsList = append(req.MeasurementsList, ms)
					req.ValuesList = append(req.ValuesList, vals)
					req.Timestamps = append(req.Timestamps, int64(i))
					out[d][int64(i)] = want
				}
			}
			st, err := raw.InsertStringRecords(context.Background(), req)
			mustOK(t, "InsertStringRecords", st, err)
			return out
		}},
		{"InsertTablet/sorted", false, func(t *testing.T, dev string) wants {
			tb, w := sixTablet(t, dev, 100, func(i int) int64 { return int64(i) + 1_700_000_000_000 }, true)
			st, err := sess.InsertTablet(tb, true)
			mustOK(t, "InsertTablet", st, err)
			return wants{dev: w}
		}},
		{"InsertTablet/unsorted-negative-times", false, func(t *testing.T, dev string) wants {
			// i*7919%100 is a permutation of 0..99: unsorted, half negative.
			tb, w := sixTablet(t, dev, 100, func(i int) int64 { return int64(i*7919%100)*10_000_000_000 - 500_000_000_000 }, true)
			st, err := sess.InsertTablet(tb, false)
			mustOK(t, "InsertTablet", st, err)
			return wants{dev: w}
		}},
		{"InsertTablet/partial-capacity-and-all-null-row", false, func(t *testing.T, dev string) wants {
			full, w := sixTablet(t, dev, 64, func(i int) int64 { return int64(i * 3) }, true)
			// Row 10 is null in every column: it must not appear.
			for c := range sixTypes {
				setNull(full, c, 10)
			}
			w[30] = make([]any, len(sixTypes))
			// Only the first 37 rows are sent.
			full.RowSize = 37
			for r := 37; r < 64; r++ {
				delete(w, int64(r*3))
			}
			st, err := sess.InsertTablet(full, true)
			mustOK(t, "InsertTablet", st, err)
			return wants{dev: w}
		}},
		{"InsertTablets", false, func(t *testing.T, dev string) wants {
			a, wa := sixTablet(t, dev, 50, func(i int) int64 { return int64(i) }, true)
			b, wb := sixTablet(t, dev+"x", 70, func(i int) int64 { return int64(1000 - i) }, true)
			st, err := sess.InsertTablets([]*client.Tablet{a, b}, false)
			mustOK(t, "InsertTablets", st, err)
			return wants{dev: wa, dev + "x": wb}
		}},
		{"InsertAlignedRecord", true, func(t *testing.T, dev string) wants {
			w := map[int64][]any{}
			for i := range 30 {
				ms, types, vals, want := sixRecord(i, true)
				st, err := sess.InsertAlignedRecord(dev, ms, types, vals, int64(i+1))
				mustOK(t, "InsertAlignedRecord", st, err)
				w[int64(i+1)] = want
			}
			return wants{dev: w}
		}},
		{"InsertAlignedRecords", true, func(t *testing.T, dev string) wants {
			out := wants{dev: {}, dev + "x": {}}
			var devs []string
			var mss [][]string
			var typess [][]client.TSDataType
			var valss [][]any
			var times []int64
			for i := range 30 {
				for _, d := range []string{dev, dev + "x"} {
					ms, types, vals, want := sixRecord(i*2+len(d), true)
					devs, mss, typess, valss = append(devs, d), append(mss, ms), append(typess, types), append(valss, vals)
					times = append(times, int64(i))
					out[d][int64(i)] = want
				}
			}
			st, err := sess.InsertAlignedRecords(devs, mss, typess, valss, times)
			mustOK(t, "InsertAlignedRecords", st, err)
			return out
		}},
		{"InsertAlignedRecordsOfOneDevice/unsorted", true, func(t *testing.T, dev string) wants {
			return oneDevice(t, dev, 30, func(i int) int64 { return int64(i * 11 % 30) }, false, sess.InsertAlignedRecordsOfOneDevice)
		}},
		{"InsertAlignedTablet", true, func(t *testing.T, dev string) wants {
			tb, w := sixTablet(t, dev, 100, func(i int) int64 { return int64(i * 2) }, true)
			st, err := sess.InsertAlignedTablet(tb, true)
			mustOK(t, "InsertAlignedTablet", st, err)
			return wants{dev: w}
		}},
		{"InsertAlignedTablets", true, func(t *testing.T, dev string) wants {
			a, wa := sixTablet(t, dev, 60, func(i int) int64 { return int64(i*13%60) - 30 }, true)
			b, wb := sixTablet(t, dev+"x", 40, func(i int) int64 { return int64(i) }, true)
			st, err := sess.InsertAlignedTablets([]*client.Tablet{a, b}, false)
			mustOK(t, "InsertAlignedTablets", st, err)
			return wants{dev: wa, dev + "x": wb}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dev := "root.ins.m" + string(rune('a'+i))
			for d, w := range tc.run(t, dev) {
				res := query(t, sess, "SELECT * FROM "+d)
				checkRows(t, tc.name+" "+d, res, d, sixNames, sixTypes, w)
				dv := query(t, sess, "SHOW DEVICES "+d)
				if got := dv.texts(t, "IsAligned"); len(got) != 1 || got[0] != map[bool]string{true: "true", false: "false"}[tc.aligned] {
					t.Errorf("SHOW DEVICES %s: IsAligned %v, want [%v]", d, got, tc.aligned)
				}
			}
		})
	}

	t.Run("overwrite-same-timestamp", func(t *testing.T) {
		dev := "root.ins.over"
		st, err := sess.InsertRecord(dev, []string{"i32", "t"}, []client.TSDataType{client.INT32, client.TEXT}, []any{int32(1), "first"}, 5)
		mustOK(t, "InsertRecord", st, err)
		st, err = sess.InsertRecord(dev, []string{"i32"}, []client.TSDataType{client.INT32}, []any{int32(2)}, 5)
		mustOK(t, "InsertRecord", st, err)
		tb, err := client.NewTablet(dev, []*client.MeasurementSchema{{Measurement: "t", DataType: client.TEXT}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		tb.SetTimestamp(5, 0)
		tb.SetValueAt("second", 0, 0)
		tb.SetTimestamp(6, 1)
		tb.SetValueAt("six", 0, 1)
		tb.RowSize = 2
		st, err = sess.InsertTablet(tb, true)
		mustOK(t, "InsertTablet", st, err)
		res := query(t, sess, "SELECT i32, t FROM "+dev)
		checkRows(t, "overwrite", res, dev, []string{"i32", "t"}, []client.TSDataType{client.INT32, client.TEXT},
			map[int64][]any{5: {int32(2), "second"}, 6: {nil, "six"}})
	})

	t.Run("special-values", func(t *testing.T) {
		long := strings.Repeat("0123456789abcdef", 8192) // 128 KiB
		fvals := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32}
		dvals := []float64{math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64}
		tvals := []string{"", long, "\x00nul\x00", "emoji \U0001F600", "'quoted'", "line1\nline2"}
		for _, aligned := range []bool{false, true} {
			dev := map[bool]string{false: "root.ins.special", true: "root.ins.specialal"}[aligned]
			tb, err := client.NewTablet(dev, []*client.MeasurementSchema{
				{Measurement: "f", DataType: client.FLOAT}, {Measurement: "d", DataType: client.DOUBLE}, {Measurement: "t", DataType: client.TEXT}}, len(fvals))
			if err != nil {
				t.Fatal(err)
			}
			for r := range fvals {
				tb.SetTimestamp(int64(r), r)
				tb.SetValueAt(fvals[r], 0, r)
				tb.SetValueAt(dvals[r], 1, r)
				tb.SetValueAt(tvals[r], 2, r)
			}
			tb.RowSize = len(fvals)
			if aligned {
				st, err := sess.InsertAlignedTablet(tb, true)
				mustOK(t, "InsertAlignedTablet special values", st, err)
			} else {
				st, err := sess.InsertTablet(tb, true)
				mustOK(t, "InsertTablet special values", st, err)
			}
			res := query(t, sess, "SELECT f, d, t FROM "+dev)
			if len(res.rows) != len(fvals) {
				t.Fatalf("%s: %d rows, want %d", dev, len(res.rows), len(fvals))
			}
			fi, di, ti := res.col(t, dev+".f"), res.col(t, dev+".d"), res.col(t, dev+".t")
			for r, rw := range res.rows {
				f, _ := rw.vals[fi].(float32)
				d, _ := rw.vals[di].(float64)
				s, _ := rw.vals[ti].(string)
				if math.Float32bits(f) != math.Float32bits(fvals[r]) && !(math.IsNaN(float64(f)) && math.IsNaN(float64(fvals[r]))) {
					t.Errorf("%s row %d: FLOAT %v (bits %#x), want %v (bits %#x)", dev, r, f, math.Float32bits(f), fvals[r], math.Float32bits(fvals[r]))
				}
				if math.Float64bits(d) != math.Float64bits(dvals[r]) && !(math.IsNaN(d) && math.IsNaN(dvals[r])) {
					t.Errorf("%s row %d: DOUBLE %v (bits %#x), want %v (bits %#x)", dev, r, d, math.Float64bits(d), dvals[r], math.Float64bits(dvals[r]))
				}
				if s != tvals[r] {
					t.Errorf("%s row %d: TEXT of %d bytes, want %d bytes (%.40q)", dev, r, len(s), len(tvals[r]), tvals[r])
				}
			}
		}
		// A long text through a record too.
		st, err := sess.InsertRecord("root.ins.special", []string{"t"}, []client.TSDataType{client.TEXT}, []any{long + "!"}, 100)
		mustOK(t, "InsertRecord of a 128 KiB text", st, err)
		res := query(t, sess, "SELECT t FROM root.ins.special WHERE time = 100")
		if len(res.rows) != 1 || res.rows[0].vals[0] != long+"!" {
			t.Errorf("128 KiB text through InsertRecord did not round-trip")
		}
	})

	t.Run("flush-overwrite-delete", func(t *testing.T) {
		// Points in flushed chunks and in the memtable, overwritten and
		// deleted across both, read back as one series.
		for _, aligned := range []bool{false, true} {
			dev := map[bool]string{false: "root.ins.flush", true: "root.ins.flushal"}[aligned]
			flushOverwriteDelete(t, sess, dev, aligned)
		}
	})

	t.Run("auto-created-schema", func(t *testing.T) {
		// The insert cases above created their series on the fly with the
		// types of the values; SHOW TIMESERIES reports them.
		got := showTimeseries(t, sess, "root.ins.ma.**")
		for i, n := range sixNames {
			row, ok := got["root.ins.ma."+n]
			if !ok {
				t.Errorf("SHOW TIMESERIES: no root.ins.ma.%s in %v", n, got)
				continue
			}
			if row["DataType"] != sixTypeNames()[i] || row["Database"] != "root.ins" {
				t.Errorf("root.ins.ma.%s: DataType %q Database %q, want %s root.ins", n, row["DataType"], row["Database"], sixTypeNames()[i])
			}
		}
	})
}

// oneDevice writes n rows of one device with insert (the plain or aligned
// records-of-one-device call) and returns what it wrote.
func oneDevice(t *testing.T, dev string, n int, time func(int) int64, sorted bool,
	insert func(string, []int64, [][]string, [][]client.TSDataType, [][]any, bool) (*rpc.TSStatus, error)) map[string]map[int64][]any {
	t.Helper()
	w := map[int64][]any{}
	var times []int64
	var mss [][]string
	var typess [][]client.TSDataType
	var valss [][]any
	for i := range n {
		ms, types, vals, want := sixRecord(i, true)
		times, mss, typess, valss = append(times, time(i)), append(mss, ms), append(typess, types), append(valss, vals)
		w[time(i)] = want
	}
	st, err := insert(dev, times, mss, typess, valss, sorted)
	mustOK(t, "records of one device", st, err)
	return map[string]map[int64][]any{dev: w}
}

// flushOverwriteDelete writes points into flushed chunks and the memtable
// of dev, overwrites and deletes across both, and reads them back as one
// series.
func flushOverwriteDelete(t *testing.T, sess *client.Session, dev string, aligned bool) {
	t.Helper()
	write := func(from, to int, sign int64) {
		t.Helper()
		tb, err := client.NewTablet(dev, []*client.MeasurementSchema{{Measurement: "v", DataType: client.INT64}, {Measurement: "t", DataType: client.TEXT}}, to-from+1)
		if err != nil {
			t.Fatal(err)
		}
		for r := range to - from {
			ts := int64(from + r)
			tb.SetTimestamp(ts, r)
			tb.SetValueAt(sign*ts, 0, r)
			tb.SetValueAt(fmt.Sprint(sign*ts), 1, r)
		}
		tb.RowSize = to - from
		insert := sess.InsertTablet
		if aligned {
			insert = sess.InsertAlignedTablet
		}
		st, err := insert(tb, true)
		mustOK(t, "InsertTablet "+dev, st, err)
	}
	want := map[int64][]any{}
	set := func(from, to int, sign int64) {
		for ts := int64(from); ts < int64(to); ts++ {
			want[ts] = []any{sign * ts, fmt.Sprint(sign * ts)}
		}
	}
	write(0, 1000, 1)
	set(0, 1000, 1)
	execOK(t, sess, "FLUSH")
	write(500, 1500, -1)
	set(500, 1500, -1)
	execOK(t, sess, "DELETE FROM "+dev+".* WHERE time >= 900 AND time < 1100")
	for ts := int64(900); ts < 1100; ts++ {
		delete(want, ts)
	}
	checkRows(t, dev+" before the second flush", query(t, sess, "SELECT v, t FROM "+dev), dev, []string{"v", "t"}, []client.TSDataType{client.INT64, client.TEXT}, want)
	execOK(t, sess, "FLUSH")
	write(1000, 1010, 2) // into the deleted range, after the delete
	set(1000, 1010, 2)
	checkRows(t, dev+" after the second flush", query(t, sess, "SELECT v, t FROM "+dev), dev, []string{"v", "t"}, []client.TSDataType{client.INT64, client.TEXT}, want)
	var sum float64
	for _, v := range want {
		sum += float64(v[0].(int64))
	}
	res := query(t, sess, "SELECT count(v), sum(v) FROM "+dev)
	if len(res.rows) != 1 || res.rows[0].vals[0] != int64(len(want)) || !sameValue(res.rows[0].vals[1], sum) {
		t.Errorf("%s: count, sum over flushed and fresh points: %v, want %d %v", dev, res.rows, len(want), sum)
	}
}
