package e2e

import (
	"fmt"
	"testing"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// TestSchema covers databases and timeseries through the client's schema
// calls and the matching SQL, checked with SHOW statements and SELECT.
func TestSchema(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)

	t.Run("databases", func(t *testing.T) {
		for _, db := range []string{"root.sg1", "root.sg2", "root.sg3"} {
			st, err := sess.SetStorageGroup(db)
			mustOK(t, "SetStorageGroup "+db, st, err)
		}
		execOK(t, sess, "CREATE DATABASE root.sg4", "SET STORAGE GROUP TO root.sg5")
		if got := fmt.Sprint(showDatabases(t, sess)); got != "[root.sg1 root.sg2 root.sg3 root.sg4 root.sg5]" {
			t.Errorf("SHOW DATABASES: %s", got)
		}
		res := query(t, sess, "SHOW DATABASES")
		for _, c := range []string{"Database", "TTL"} {
			if !res.has(c) {
				t.Errorf("SHOW DATABASES has no column %s: %q", c, res.cols)
			}
		}

		st, err := sess.SetStorageGroup("root.sg1")
		wantCode(t, "SetStorageGroup root.sg1 again", st, err, client.DatabaseAlreadyExists)
		st, err = sess.SetStorageGroup("root.sg1.inner")
		wantFail(t, "SetStorageGroup root.sg1.inner under root.sg1", st, err)
		st, err = sess.SetStorageGroup("root")
		wantFail(t, "SetStorageGroup root", st, err)

		// Data of a deleted database is gone, also after re-creating it.
		st, err = sess.InsertRecord("root.sg2.d", []string{"v"}, []client.TSDataType{client.INT32}, []any{int32(7)}, 1)
		mustOK(t, "InsertRecord root.sg2.d", st, err)
		st, err = sess.DeleteStorageGroup("root.sg3")
		mustOK(t, "DeleteStorageGroup root.sg3", st, err)
		st, err = sess.DeleteStorageGroups("root.sg1", "root.sg2")
		mustOK(t, "DeleteStorageGroups root.sg1 root.sg2", st, err)
		execOK(t, sess, "DROP DATABASE root.sg4")
		if got := fmt.Sprint(showDatabases(t, sess)); got != "[root.sg5]" {
			t.Errorf("SHOW DATABASES after deletes: %s, want [root.sg5]", got)
		}
		if got := showTimeseries(t, sess, "root.sg2.**"); len(got) != 0 {
			t.Errorf("SHOW TIMESERIES root.sg2.** after DeleteStorageGroups: %v", got)
		}
		st, err = sess.SetStorageGroup("root.sg2")
		mustOK(t, "SetStorageGroup root.sg2 again", st, err)
		if res := query(t, sess, "SELECT v FROM root.sg2.d"); len(res.rows) != 0 {
			t.Errorf("SELECT from a re-created database shows old rows: %v", res.rows)
		}
		st, err = sess.DeleteStorageGroup("root.nosuchdb")
		wantFail(t, "DeleteStorageGroup root.nosuchdb", st, err)
	})

	t.Run("create-timeseries-six-types", func(t *testing.T) {
		st, err := sess.SetStorageGroup("root.sch")
		mustOK(t, "SetStorageGroup root.sch", st, err)
		cases := []struct {
			typ        client.TSDataType
			enc        client.TSEncoding
			comp       client.TSCompressionType
			typeName   string
			encName    string
			compressor string
		}{
			{client.BOOLEAN, client.RLE, client.SNAPPY, "BOOLEAN", "RLE", "SNAPPY"},
			{client.INT32, client.TS_2DIFF, client.GZIP, "INT32", "TS_2DIFF", "GZIP"},
			{client.INT64, client.RLE, client.LZ4, "INT64", "RLE", "LZ4"},
			{client.FLOAT, client.GORILLA, client.ZSTD, "FLOAT", "GORILLA", "ZSTD"},
			{client.DOUBLE, client.PLAIN, client.UNCOMPRESSED, "DOUBLE", "PLAIN", "UNCOMPRESSED"},
			{client.TEXT, client.PLAIN, client.LZ4, "TEXT", "PLAIN", "LZ4"},
		}
		for i, c := range cases {
			path := "root.sch.d." + sixNames[i]
			st, err := sess.CreateTimeseries(path, c.typ, c.enc, c.comp, nil, nil)
			mustOK(t, "CreateTimeseries "+path, st, err)
		}
		got := showTimeseries(t, sess, "root.sch.d.**")
		if len(got) != len(cases) {
			t.Errorf("SHOW TIMESERIES root.sch.d.**: %d series, want %d: %v", len(got), len(cases), got)
		}
		for i, c := range cases {
			path := "root.sch.d." + sixNames[i]
			want := map[string]string{"Timeseries": path, "Alias": "null", "Database": "root.sch",
				"DataType": c.typeName, "Encoding": c.encName, "Compression": c.compressor}
			for col, w := range want {
				if got[path][col] != w {
					t.Errorf("SHOW TIMESERIES %s: %s = %q, want %q", path, col, got[path][col], w)
				}
			}
		}
		// Data round-trips through every encoding and compressor.
		w := map[int64][]any{}
		for i := range 20 {
			ms, types, vals, want := sixRecord(i, false)
			st, err := sess.InsertRecord("root.sch.d", ms, types, vals, int64(i))
			mustOK(t, "InsertRecord root.sch.d", st, err)
			w[int64(i)] = want
		}
		checkRows(t, "root.sch.d", query(t, sess, "SELECT * FROM root.sch.d"), "root.sch.d", sixNames, sixTypes, w)

		st, err = sess.CreateTimeseries("root.sch.d.i32", client.INT32, client.RLE, client.SNAPPY, nil, nil)
		wantCode(t, "CreateTimeseries of an existing series", st, err, client.TimeseriesAlreadyExist)
		if got := showTimeseries(t, sess, "root.sch.d.i32")["root.sch.d.i32"]; got["Encoding"] != "TS_2DIFF" {
			t.Errorf("a refused re-create changed the series: %v", got)
		}

		for _, bad := range []struct {
			path string
			typ  client.TSDataType
			enc  client.TSEncoding
		}{
			{"root.sch.bad.text_gorilla", client.TEXT, client.GORILLA},
			{"root.sch.bad.bool_2diff", client.BOOLEAN, client.TS_2DIFF},
			{"root.sch.bad.double_rle_dictionary", client.DOUBLE, client.PLAIN_DICTIONARY},
		} {
			st, err := sess.CreateTimeseries(bad.path, bad.typ, bad.enc, client.SNAPPY, nil, nil)
			wantFail(t, "CreateTimeseries "+bad.path+" (encoding does not fit the type)", st, err)
		}
		if got := showTimeseries(t, sess, "root.sch.bad.**"); len(got) != 0 {
			t.Errorf("refused CreateTimeseries calls left series: %v", got)
		}
		// SQL CREATE TIMESERIES reports the same way.
		execOK(t, sess, "CREATE TIMESERIES root.sch.sql.s WITH DATATYPE=INT64, ENCODING=TS_2DIFF, COMPRESSOR=ZSTD")
		row := showTimeseries(t, sess, "root.sch.sql.s")["root.sch.sql.s"]
		if row["DataType"] != "INT64" || row["Encoding"] != "TS_2DIFF" || row["Compression"] != "ZSTD" {
			t.Errorf("SHOW TIMESERIES root.sch.sql.s: %v", row)
		}
	})

	t.Run("create-aligned-timeseries", func(t *testing.T) {
		st, err := sess.CreateAlignedTimeseries("root.sch.al",
			[]string{"a", "b", "c"},
			[]client.TSDataType{client.INT32, client.DOUBLE, client.TEXT},
			[]client.TSEncoding{client.RLE, client.GORILLA, client.PLAIN},
			[]client.TSCompressionType{client.SNAPPY, client.LZ4, client.GZIP},
			[]string{"alias_a", "alias_b", "alias_c"})
		mustOK(t, "CreateAlignedTimeseries root.sch.al", st, err)
		got := showTimeseries(t, sess, "root.sch.al.**")
		want := map[string][4]string{
			"root.sch.al.a": {"alias_a", "INT32", "RLE", "SNAPPY"},
			"root.sch.al.b": {"alias_b", "DOUBLE", "GORILLA", "LZ4"},
			"root.sch.al.c": {"alias_c", "TEXT", "PLAIN", "GZIP"},
		}
		if len(got) != len(want) {
			t.Errorf("SHOW TIMESERIES root.sch.al.**: %v", got)
		}
		for p, w := range want {
			r := got[p]
			if r["Alias"] != w[0] || r["DataType"] != w[1] || r["Encoding"] != w[2] || r["Compression"] != w[3] || r["Database"] != "root.sch" {
				t.Errorf("SHOW TIMESERIES %s: %v, want alias/type/encoding/compression %v", p, r, w)
			}
		}
		if dv := query(t, sess, "SHOW DEVICES root.sch.al").texts(t, "IsAligned"); fmt.Sprint(dv) != "[true]" {
			t.Errorf("SHOW DEVICES root.sch.al: IsAligned %v, want [true]", dv)
		}
		st, err = sess.InsertAlignedRecord("root.sch.al", []string{"a", "c"}, []client.TSDataType{client.INT32, client.TEXT}, []any{int32(-4), "x"}, 9)
		mustOK(t, "InsertAlignedRecord root.sch.al", st, err)
		checkRows(t, "root.sch.al", query(t, sess, "SELECT * FROM root.sch.al"), "root.sch.al",
			[]string{"a", "b", "c"}, []client.TSDataType{client.INT32, client.DOUBLE, client.TEXT},
			map[int64][]any{9: {int32(-4), nil, "x"}})
		// SQL form.
		execOK(t, sess, "CREATE ALIGNED TIMESERIES root.sch.al2(x FLOAT ENCODING=GORILLA COMPRESSOR=SNAPPY, y BOOLEAN)")
		if dv := query(t, sess, "SHOW DEVICES root.sch.al2").texts(t, "IsAligned"); fmt.Sprint(dv) != "[true]" {
			t.Errorf("SHOW DEVICES root.sch.al2: IsAligned %v, want [true]", dv)
		}
		if r := showTimeseries(t, sess, "root.sch.al2.x")["root.sch.al2.x"]; r["DataType"] != "FLOAT" || r["Encoding"] != "GORILLA" || r["Compression"] != "SNAPPY" {
			t.Errorf("SHOW TIMESERIES root.sch.al2.x: %v", r)
		}
	})

	t.Run("create-multi-timeseries", func(t *testing.T) {
		paths := []string{"root.sch.multi.p", "root.sch.multi.q", "root.sch.multi2.r"}
		st, err := sess.CreateMultiTimeseries(paths,
			[]client.TSDataType{client.INT64, client.BOOLEAN, client.FLOAT},
			[]client.TSEncoding{client.TS_2DIFF, client.RLE, client.GORILLA},
			[]client.TSCompressionType{client.SNAPPY, client.UNCOMPRESSED, client.LZ4})
		mustOK(t, "CreateMultiTimeseries", st, err)
		got := showTimeseries(t, sess, "root.sch.multi.**")
		for k, v := range showTimeseries(t, sess, "root.sch.multi2.**") {
			got[k] = v
		}
		want := map[string]string{"root.sch.multi.p": "INT64 TS_2DIFF SNAPPY", "root.sch.multi.q": "BOOLEAN RLE UNCOMPRESSED", "root.sch.multi2.r": "FLOAT GORILLA LZ4"}
		if len(got) != len(want) {
			t.Errorf("SHOW TIMESERIES root.sch.multi(2).**: %v", got)
		}
		for p, w := range want {
			if r := got[p]; r["DataType"]+" "+r["Encoding"]+" "+r["Compression"] != w {
				t.Errorf("SHOW TIMESERIES %s: %v, want %s", p, r, w)
			}
		}
		if n := queryInt64(t, *sess, "COUNT TIMESERIES root.sch.multi.**"); n != 2 {
			t.Errorf("COUNT TIMESERIES root.sch.multi.**: %d, want 2", n)
		}
		if dv := query(t, sess, "SHOW DEVICES root.sch.multi").texts(t, "IsAligned"); fmt.Sprint(dv) != "[false]" {
			t.Errorf("SHOW DEVICES root.sch.multi: IsAligned %v, want [false]", dv)
		}
		// One bad path refuses the whole call.
		st, err = sess.CreateMultiTimeseries([]string{"root.sch.multi3.ok", "root.sch.multi3.bad"},
			[]client.TSDataType{client.INT32, client.TEXT},
			[]client.TSEncoding{client.RLE, client.GORILLA},
			[]client.TSCompressionType{client.SNAPPY, client.SNAPPY})
		wantFail(t, "CreateMultiTimeseries with a TEXT/GORILLA series", st, err)
		if got := showTimeseries(t, sess, "root.sch.multi3.bad"); len(got) != 0 {
			t.Errorf("refused series exists: %v", got)
		}
	})

	t.Run("delete-timeseries", func(t *testing.T) {
		for i := range 10 {
			st, err := sess.InsertRecord("root.sch.del", []string{"x", "y"}, []client.TSDataType{client.INT64, client.DOUBLE},
				[]any{int64(i), float64(i) / 2}, int64(i))
			mustOK(t, "InsertRecord root.sch.del", st, err)
		}
		st, err := sess.DeleteTimeseries([]string{"root.sch.del.x"})
		mustOK(t, "DeleteTimeseries root.sch.del.x", st, err)
		got := showTimeseries(t, sess, "root.sch.del.**")
		if _, ok := got["root.sch.del.x"]; ok || len(got) != 1 {
			t.Errorf("SHOW TIMESERIES root.sch.del.** after deleting x: %v, want only y", got)
		}
		res := query(t, sess, "SELECT x FROM root.sch.del")
		if len(res.rows) != 0 || res.has("root.sch.del.x") {
			t.Errorf("SELECT x after DeleteTimeseries: columns %q, %d rows, want none", res.cols, len(res.rows))
		}
		if n := countOf(t, sess, "root.sch.del.y"); n != 10 {
			t.Errorf("count(y) after deleting x: %d, want 10", n)
		}
		// A re-created x with another type starts empty.
		st, err = sess.CreateTimeseries("root.sch.del.x", client.TEXT, client.PLAIN, client.SNAPPY, nil, nil)
		mustOK(t, "CreateTimeseries root.sch.del.x again", st, err)
		if res := query(t, sess, "SELECT x FROM root.sch.del"); len(res.rows) != 0 {
			t.Errorf("re-created series shows old data: %v", res.rows)
		}
		st, err = sess.DeleteTimeseries([]string{"root.sch.del.nosuch"})
		wantFail(t, "DeleteTimeseries of a missing series", st, err)
		// SQL, with a pattern.
		execOK(t, sess, "DELETE TIMESERIES root.sch.del.**")
		if got := showTimeseries(t, sess, "root.sch.del.**"); len(got) != 0 {
			t.Errorf("SHOW TIMESERIES after DELETE TIMESERIES root.sch.del.**: %v", got)
		}
		if res := query(t, sess, "SELECT * FROM root.sch.del"); len(res.rows) != 0 {
			t.Errorf("SELECT * after deleting every series: %v", res.rows)
		}
	})

	t.Run("show-devices-and-count", func(t *testing.T) {
		res := query(t, sess, "SHOW DEVICES root.sch.**")
		devs := res.texts(t, "Device")
		for _, d := range []string{"root.sch.d", "root.sch.al", "root.sch.al2", "root.sch.multi", "root.sch.multi2", "root.sch.sql"} {
			if !contains(devs, d) {
				t.Errorf("SHOW DEVICES root.sch.**: no %s in %v", d, devs)
			}
		}
		for pattern, want := range map[string]int64{"root.sch.d.**": 6, "root.sch.al.**": 3, "root.sch.d.i32": 1, "root.sch.nosuch.**": 0} {
			if n := queryInt64(t, *sess, "COUNT TIMESERIES "+pattern); n != want {
				t.Errorf("COUNT TIMESERIES %s: %d, want %d", pattern, n, want)
			}
		}
	})
}
