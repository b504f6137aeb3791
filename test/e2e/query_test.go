package e2e

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/test/proc"
)

// The SQL tests work on root.sq.d1 (times 1..100, six series s1..s6 of the
// six types) and root.sq.d2 (times 1..50, s1 INT32 and s3 TEXT), written
// with SQL INSERT. sqD1 and sqD2 are the model of what was written.

var sqNames = []string{"s1", "s2", "s3", "s4", "s5", "s6"}

var sqTypes = []client.TSDataType{client.INT32, client.DOUBLE, client.TEXT, client.BOOLEAN, client.INT64, client.FLOAT}

func sqD1(t int) []any {
	return []any{int32(t*37%101 - 50), float64(t) * 0.5, "v" + strconv.Itoa(t), t%2 == 0, int64(t) * 1_000_000_000, float32(t) * 0.25}
}

func sqD2(t int) []any { return []any{int32(t), "w" + strconv.Itoa(t)} }

// sqlLiteral renders a model value as an SQL literal.
func sqlLiteral(v any) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return textOf(v)
}

// sqWant returns the model rows of d1 with times in [from, to] that pass
// keep, restricted to columns cols (indexes into sqNames).
func sqWant(from, to int, cols []int, keep func(t int, v []any) bool) map[int64][]any {
	w := map[int64][]any{}
	for t := from; t <= to; t++ {
		v := sqD1(t)
		if keep != nil && !keep(t, v) {
			continue
		}
		row := make([]any, len(cols))
		for i, c := range cols {
			row[i] = v[c]
		}
		w[int64(t)] = row
	}
	return w
}

func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// TestSQL drives the SQL surface through ExecuteNonQueryStatement,
// ExecuteQueryStatement and ExecuteStatement, plus the client's raw data,
// last data, delete data and batch calls, and paging with a tiny fetch size.
func TestSQL(t *testing.T) {
	s := proc.StartStandalone(t)
	sess := rootSession(t, s)

	execOK(t, sess,
		"CREATE DATABASE root.sq",
		"CREATE TIMESERIES root.sq.d1.s1 WITH DATATYPE=INT32, ENCODING=RLE",
		"CREATE TIMESERIES root.sq.d1.s2 WITH DATATYPE=DOUBLE, ENCODING=GORILLA",
		"CREATE TIMESERIES root.sq.d1.s3 WITH DATATYPE=TEXT, ENCODING=PLAIN",
		"CREATE TIMESERIES root.sq.d1.s4 WITH DATATYPE=BOOLEAN, ENCODING=RLE",
		"CREATE TIMESERIES root.sq.d1.s5 WITH DATATYPE=INT64, ENCODING=TS_2DIFF",
		"CREATE TIMESERIES root.sq.d1.s6 WITH DATATYPE=FLOAT, ENCODING=GORILLA",
		"CREATE TIMESERIES root.sq.d2.s1 WITH DATATYPE=INT32",
		"CREATE TIMESERIES root.sq.d2.s3 WITH DATATYPE=TEXT")
	for from := 1; from <= 100; from += 25 {
		var vals []string
		for ts := from; ts < from+25; ts++ {
			lits := []string{strconv.Itoa(ts)}
			for _, v := range sqD1(ts) {
				lits = append(lits, sqlLiteral(v))
			}
			vals = append(vals, "("+strings.Join(lits, ", ")+")")
		}
		execOK(t, sess, "INSERT INTO root.sq.d1(time, s1, s2, s3, s4, s5, s6) VALUES "+strings.Join(vals, ", "))
	}
	for ts := 1; ts <= 50; ts++ {
		v := sqD2(ts)
		execOK(t, sess, fmt.Sprintf("insert into root.sq.d2(timestamp, s1, s3) values (%d, %s, %s)", ts, sqlLiteral(v[0]), sqlLiteral(v[1])))
	}

	t.Run("select-all", func(t *testing.T) {
		checkRows(t, "SELECT * FROM root.sq.d1", query(t, sess, "SELECT * FROM root.sq.d1"), "root.sq.d1", sqNames, sqTypes,
			sqWant(1, 100, []int{0, 1, 2, 3, 4, 5}, nil))
		res := query(t, sess, "select * from root.sq.**")
		if len(res.cols) != 8 || len(res.rows) != 100 {
			t.Errorf("select * from root.sq.**: columns %q, %d rows; want 8 columns, 100 rows", res.cols, len(res.rows))
		}
		res = query(t, sess, "SELECT s1 FROM root.sq.*")
		if !res.has("root.sq.d1.s1") || !res.has("root.sq.d2.s1") || len(res.cols) != 2 || len(res.rows) != 100 {
			t.Errorf("SELECT s1 FROM root.sq.*: columns %q, %d rows", res.cols, len(res.rows))
		}
	})

	t.Run("where", func(t *testing.T) {
		cases := []struct {
			sql  string
			cols []int
			keep func(t int, v []any) bool
		}{
			{"SELECT s1, s2 FROM root.sq.d1 WHERE time >= 10 AND time < 20 AND s1 > 0", []int{0, 1},
				func(t int, v []any) bool { return t >= 10 && t < 20 && v[0].(int32) > 0 }},
			{"SELECT s3 FROM root.sq.d1 WHERE s3 = 'v15'", []int{2},
				func(t int, v []any) bool { return t == 15 }},
			{"SELECT s4 FROM root.sq.d1 WHERE s4 = true AND time > 90", []int{3},
				func(t int, v []any) bool { return t > 90 && t%2 == 0 }},
			{"SELECT s1 FROM root.sq.d1 WHERE s2 >= 45.0 OR s1 < -45", []int{0},
				func(t int, v []any) bool { return v[1].(float64) >= 45 || v[0].(int32) < -45 }},
			{"SELECT s5 FROM root.sq.d1 WHERE time > 95 OR time < 3", []int{4},
				func(t int, v []any) bool { return t > 95 || t < 3 }},
			{"SELECT s6, s1 FROM root.sq.d1 WHERE s6 > 24.0", []int{5, 0},
				func(t int, v []any) bool { return v[5].(float32) > 24 }},
			{"SELECT s1 FROM root.sq.d1 WHERE s1 != 0 AND time <= 10", []int{0},
				func(t int, v []any) bool { return t <= 10 && v[0].(int32) != 0 }},
			{"select s2 from root.sq.d1 where time = 42", []int{1},
				func(t int, v []any) bool { return t == 42 }},
			{"SELECT s1 FROM root.sq.d1 WHERE time > 1000", []int{0},
				func(t int, v []any) bool { return false }},
		}
		for _, c := range cases {
			checkRows(t, c.sql, query(t, sess, c.sql), "root.sq.d1", pick(sqNames, c.cols), pick(sqTypes, c.cols), sqWant(1, 100, c.cols, c.keep))
		}
	})

	t.Run("aggregates", func(t *testing.T) {
		var cnt, sum int64
		minV, maxV := int32(math.MaxInt32), int32(math.MinInt32)
		for t := 11; t <= 60; t++ {
			v := sqD1(t)[0].(int32)
			cnt++
			sum += int64(v)
			minV, maxV = min(minV, v), max(maxV, v)
		}
		sql := "SELECT count(s1), sum(s1), avg(s1), min_value(s1), max_value(s1), first_value(s1), last_value(s1), min_time(s1), max_time(s1) " +
			"FROM root.sq.d1 WHERE time >= 11 AND time <= 60"
		checkAggregates(t, sess, sql, []aggWant{
			{"count(root.sq.d1.s1)", client.INT64, cnt},
			{"sum(root.sq.d1.s1)", client.DOUBLE, float64(sum)},
			{"avg(root.sq.d1.s1)", client.DOUBLE, float64(sum) / float64(cnt)},
			{"min_value(root.sq.d1.s1)", client.INT32, minV},
			{"max_value(root.sq.d1.s1)", client.INT32, maxV},
			{"first_value(root.sq.d1.s1)", client.INT32, sqD1(11)[0]},
			{"last_value(root.sq.d1.s1)", client.INT32, sqD1(60)[0]},
			{"min_time(root.sq.d1.s1)", client.INT64, int64(11)},
			{"max_time(root.sq.d1.s1)", client.INT64, int64(60)},
		})
		checkAggregates(t, sess, "SELECT sum(s2), avg(s2), min_value(s2), max_value(s2), sum(s5), sum(s6), max_value(s6) FROM root.sq.d1", []aggWant{
			{"sum(root.sq.d1.s2)", client.DOUBLE, 2525.0},
			{"avg(root.sq.d1.s2)", client.DOUBLE, 25.25},
			{"min_value(root.sq.d1.s2)", client.DOUBLE, 0.5},
			{"max_value(root.sq.d1.s2)", client.DOUBLE, 50.0},
			{"sum(root.sq.d1.s5)", client.DOUBLE, 5050e9},
			{"sum(root.sq.d1.s6)", client.DOUBLE, 1262.5},
			{"max_value(root.sq.d1.s6)", client.FLOAT, float32(25)},
		})
		checkAggregates(t, sess, "SELECT count(s3), first_value(s3), last_value(s3), count(s4), first_value(s4), last_value(s4) FROM root.sq.d1", []aggWant{
			{"count(root.sq.d1.s3)", client.INT64, int64(100)},
			{"first_value(root.sq.d1.s3)", client.TEXT, "v1"},
			{"last_value(root.sq.d1.s3)", client.TEXT, "v100"},
			{"count(root.sq.d1.s4)", client.INT64, int64(100)},
			{"first_value(root.sq.d1.s4)", client.BOOLEAN, false},
			{"last_value(root.sq.d1.s4)", client.BOOLEAN, true},
		})
		res := query(t, sess, "SELECT count(*) FROM root.sq.d1")
		if len(res.cols) != 6 || len(res.rows) != 1 {
			t.Errorf("SELECT count(*) FROM root.sq.d1: columns %q, rows %v", res.cols, res.rows)
		} else {
			for i, v := range res.rows[0].vals {
				if v != int64(100) {
					t.Errorf("SELECT count(*): %s = %v, want 100", res.cols[i], v)
				}
			}
		}
		// Over no rows: count 0, the others null.
		checkAggregates(t, sess, "SELECT count(s1), sum(s1), max_value(s1), first_value(s3) FROM root.sq.d1 WHERE time > 1000", []aggWant{
			{"count(root.sq.d1.s1)", client.INT64, int64(0)},
			{"sum(root.sq.d1.s1)", client.DOUBLE, nil},
			{"max_value(root.sq.d1.s1)", client.INT32, nil},
			{"first_value(root.sq.d1.s3)", client.TEXT, nil},
		})
		// sum of TEXT is refused.
		if _, err := tryQuery(t, sess, "SELECT sum(s3) FROM root.sq.d1"); err == nil {
			t.Errorf("SELECT sum(s3) over a TEXT series succeeded, want an error")
		}
	})

	t.Run("group-by", func(t *testing.T) {
		res := query(t, sess, "SELECT count(s1), sum(s1), max_value(s2) FROM root.sq.d1 GROUP BY ([0, 140), 20ms)")
		var want []row
		for start := 0; start < 140; start += 20 {
			var cnt int64
			var sum float64
			var mx any
			for t := max(start, 1); t < start+20 && t <= 100; t++ {
				v := sqD1(t)
				cnt++
				sum += float64(v[0].(int32))
				if mx == nil || v[1].(float64) > mx.(float64) {
					mx = v[1]
				}
			}
			r := row{time: int64(start), vals: []any{cnt, sum, mx}}
			if cnt == 0 {
				r.vals[1] = nil
			}
			want = append(want, r)
		}
		checkTable(t, "GROUP BY ([0, 140), 20ms)", res, []string{"count(root.sq.d1.s1)", "sum(root.sq.d1.s1)", "max_value(root.sq.d1.s2)"}, want)

		res = query(t, sess, "SELECT count(s1) FROM root.sq.d1 WHERE s1 > 0 GROUP BY ([1, 101), 25ms)")
		want = nil
		for start := 1; start < 101; start += 25 {
			var cnt int64
			for t := start; t < start+25; t++ {
				if sqD1(t)[0].(int32) > 0 {
					cnt++
				}
			}
			want = append(want, row{time: int64(start), vals: []any{cnt}})
		}
		checkTable(t, "GROUP BY ([1, 101), 25ms) with WHERE", res, []string{"count(root.sq.d1.s1)"}, want)
	})

	t.Run("last", func(t *testing.T) {
		checkLast(t, query(t, sess, "SELECT LAST s1, s2, s3 FROM root.sq.d1"), map[string]lastWant{
			"root.sq.d1.s1": {100, sqD1(100)[0], "INT32"},
			"root.sq.d1.s2": {100, sqD1(100)[1], "DOUBLE"},
			"root.sq.d1.s3": {100, sqD1(100)[2], "TEXT"},
		})
		all := map[string]lastWant{}
		for i, n := range sqNames {
			all["root.sq.d1."+n] = lastWant{100, sqD1(100)[i], sixTypeNames()[slices.Index(sixTypes, sqTypes[i])]}
		}
		checkLast(t, query(t, sess, "SELECT LAST * FROM root.sq.d1"), all)
		checkLast(t, query(t, sess, "SELECT LAST s1 FROM root.sq.*"), map[string]lastWant{
			"root.sq.d1.s1": {100, sqD1(100)[0], "INT32"},
			"root.sq.d2.s1": {50, int32(50), "INT32"},
		})
		checkLast(t, query(t, sess, "SELECT LAST s1 FROM root.sq.d1 WHERE time > 200"), map[string]lastWant{})
		checkLast(t, query(t, sess, "SELECT LAST s3 FROM root.sq.d2 WHERE time >= 10"), map[string]lastWant{
			"root.sq.d2.s3": {50, "w50", "TEXT"},
		})
	})

	t.Run("limit-offset", func(t *testing.T) {
		cases := []struct {
			sql  string
			want []int64
		}{
			{"SELECT s1 FROM root.sq.d1 LIMIT 5 OFFSET 10", []int64{11, 12, 13, 14, 15}},
			{"SELECT s1 FROM root.sq.d1 WHERE time > 50 LIMIT 3", []int64{51, 52, 53}},
			{"SELECT s1 FROM root.sq.d1 LIMIT 5 OFFSET 200", nil},
			{"SELECT s1 FROM root.sq.d1 LIMIT 2 OFFSET 98", []int64{99, 100}},
		}
		for _, c := range cases {
			res := query(t, sess, c.sql)
			if got := res.times(); !slices.Equal(got, c.want) {
				t.Errorf("%s: times %v, want %v", c.sql, got, c.want)
			}
			for _, r := range res.rows {
				if r.vals[0] != sqD1(int(r.time))[0] {
					t.Errorf("%s: time %d s1 = %v, want %v", c.sql, r.time, r.vals[0], sqD1(int(r.time))[0])
				}
			}
		}
	})

	t.Run("order-by-time-desc", func(t *testing.T) {
		res := query(t, sess, "SELECT s1, s3 FROM root.sq.d1 ORDER BY TIME DESC LIMIT 4")
		checkTable(t, "ORDER BY TIME DESC LIMIT 4", res, []string{"root.sq.d1.s1", "root.sq.d1.s3"}, []row{
			{100, []any{sqD1(100)[0], "v100"}}, {99, []any{sqD1(99)[0], "v99"}}, {98, []any{sqD1(98)[0], "v98"}}, {97, []any{sqD1(97)[0], "v97"}}})
		res = query(t, sess, "SELECT s1 FROM root.sq.d1 WHERE time < 10 ORDER BY TIME DESC")
		if got := res.times(); !slices.Equal(got, []int64{9, 8, 7, 6, 5, 4, 3, 2, 1}) {
			t.Errorf("WHERE time < 10 ORDER BY TIME DESC: times %v", got)
		}
	})

	t.Run("align-by-device", func(t *testing.T) {
		res := query(t, sess, "SELECT s1, s3 FROM root.sq.* WHERE time <= 3 ALIGN BY DEVICE")
		var want []row
		for _, d := range []string{"root.sq.d1", "root.sq.d2"} {
			for t := 1; t <= 3; t++ {
				v := sqD1(t)
				vals := []any{d, v[0], v[2]}
				if d == "root.sq.d2" {
					v = sqD2(t)
					vals = []any{d, v[0], v[1]}
				}
				want = append(want, row{int64(t), vals})
			}
		}
		checkTable(t, "ALIGN BY DEVICE", res, []string{"Device", "s1", "s3"}, want)
		res = query(t, sess, "SELECT count(s1) FROM root.sq.* ALIGN BY DEVICE")
		if !res.has("Device") || len(res.rows) != 2 {
			t.Fatalf("SELECT count(s1) ... ALIGN BY DEVICE: columns %q rows %v", res.cols, res.rows)
		}
		got := map[string]any{}
		for _, r := range res.rows {
			got[textOf(r.vals[res.col(t, "Device")])] = r.vals[res.col(t, "count(s1)")]
		}
		if got["root.sq.d1"] != int64(100) || got["root.sq.d2"] != int64(50) {
			t.Errorf("count(s1) by device: %v, want d1 100, d2 50", got)
		}
	})

	t.Run("show-and-count", func(t *testing.T) {
		res := query(t, sess, "SHOW DEVICES root.sq.**")
		if got := fmt.Sprint(res.texts(t, "Device"), res.texts(t, "IsAligned")); got != "[root.sq.d1 root.sq.d2] [false false]" {
			t.Errorf("SHOW DEVICES root.sq.**: %s", got)
		}
		for pattern, want := range map[string]int64{"root.sq.**": 8, "root.sq.d2.*": 2, "root.sq.*.s1": 2, "root.nothing.**": 0} {
			if n := queryInt64(t, *sess, "COUNT TIMESERIES "+pattern); n != want {
				t.Errorf("COUNT TIMESERIES %s: %d, want %d", pattern, n, want)
			}
		}
		if got := showTimeseries(t, sess, "root.sq.d1.s5")["root.sq.d1.s5"]; got["DataType"] != "INT64" || got["Encoding"] != "TS_2DIFF" {
			t.Errorf("SHOW TIMESERIES root.sq.d1.s5: %v", got)
		}
	})

	t.Run("raw-data-query", func(t *testing.T) {
		var ds *client.SessionDataSet
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("client panicked: %v", r)
				}
			}()
			ds, err = sess.ExecuteRawDataQuery([]string{"root.sq.d1.s3", "root.sq.d1.s5"}, 10, 20)
		}()
		if err != nil {
			t.Fatalf("ExecuteRawDataQuery: %v", err)
		}
		res := readAll(t, "ExecuteRawDataQuery", ds)
		checkRows(t, "ExecuteRawDataQuery [10, 20)", res, "root.sq.d1", []string{"s3", "s5"}, []client.TSDataType{client.TEXT, client.INT64},
			sqWant(10, 19, []int{2, 4}, nil))
	})

	t.Run("last-data-query", func(t *testing.T) {
		raw := rawRoot(t, s)
		fs := int32(10)
		for _, c := range []struct {
			since int64
			want  map[string]lastWant
		}{
			{0, map[string]lastWant{
				"root.sq.d1.s1": {100, sqD1(100)[0], "INT32"},
				"root.sq.d2.s3": {50, "w50", "TEXT"},
			}},
			{60, map[string]lastWant{"root.sq.d1.s1": {100, sqD1(100)[0], "INT32"}}},
			{101, map[string]lastWant{}},
		} {
			resp, err := raw.ExecuteLastDataQuery(context.Background(), &rpc.TSLastDataQueryReq{
				SessionId: raw.sid, Paths: []string{"root.sq.d1.s1", "root.sq.d2.s3"}, FetchSize: &fs, Time: c.since, StatementId: raw.stmtID})
			if err != nil {
				t.Fatalf("ExecuteLastDataQuery: %v", err)
			}
			mustOK(t, "ExecuteLastDataQuery", resp.GetStatus(), nil)
			checkLast(t, readAll(t, "ExecuteLastDataQuery", raw.dataSet(resp, fs)), c.want)
		}
	})

	t.Run("ExecuteStatement", func(t *testing.T) {
		execStatement := func(sql string) (res *result, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("client panicked (response without queryId?): %v", r)
				}
			}()
			ds, err := sess.ExecuteStatement(sql)
			if err != nil {
				return nil, err
			}
			return readAll(t, sql, ds), nil
		}
		if _, err := execStatement("INSERT INTO root.exec.d(time, a) VALUES (1, 10)"); err != nil {
			t.Errorf("ExecuteStatement(INSERT): %v", err)
		}
		res, err := execStatement("SELECT a FROM root.exec.d")
		if err != nil {
			t.Fatalf("ExecuteStatement(SELECT): %v", err)
		}
		if len(res.rows) != 1 || res.rows[0].time != 1 || !numericEquals(res.rows[0].vals[0], 10) {
			t.Errorf("ExecuteStatement(SELECT a): %v, want one row at 1 with 10", res.rows)
		}
		res = query(t, sess, "SELECT a FROM root.exec.d")
		if len(res.rows) != 1 {
			t.Errorf("row written by ExecuteStatement(INSERT): %v", res.rows)
		}
	})

	t.Run("batch", func(t *testing.T) {
		st, err := sess.ExecuteBatchStatement([]string{
			"CREATE TIMESERIES root.batch.d.a WITH DATATYPE=INT32, ENCODING=RLE",
			"INSERT INTO root.batch.d(time, a) VALUES (1, 1)",
			"INSERT INTO root.batch.d(time, a) VALUES (2, 2)",
		})
		mustOK(t, "ExecuteBatchStatement", st, err)
		res := query(t, sess, "SELECT a FROM root.batch.d")
		checkTable(t, "after batch", res, []string{"root.batch.d.a"}, []row{{1, []any{int32(1)}}, {2, []any{int32(2)}}})

		st, err = sess.ExecuteBatchStatement([]string{
			"INSERT INTO root.batch.d(time, a) VALUES (3, 3)",
			"SELEC oops",
			"INSERT INTO root.batch.d(time, a) VALUES (4, 4)",
		})
		code, _ := wantFail(t, "ExecuteBatchStatement with a malformed statement", st, err)
		if code != client.MultipleError {
			t.Errorf("ExecuteBatchStatement with one bad statement: code %d, want 302 with a sub-status per statement like IoTDB (%s)", code, statusString(st))
		}
		// IoTDB runs every statement of a batch and reports the failures.
		res = query(t, sess, "SELECT a FROM root.batch.d")
		if got := res.times(); !slices.Equal(got, []int64{1, 2, 3, 4}) {
			t.Errorf("after a batch with one bad statement: times %v, want [1 2 3 4] (the good statements run)", got)
		}
	})

	t.Run("delete-data", func(t *testing.T) {
		execOK(t, sess, "DELETE FROM root.sq.d1.s1 WHERE time <= 10")
		if n := countOf(t, sess, "root.sq.d1.s1"); n != 90 {
			t.Errorf("count(s1) after DELETE ... time <= 10: %d, want 90", n)
		}
		if n := countOf(t, sess, "root.sq.d1.s2"); n != 100 {
			t.Errorf("count(s2) after deleting from s1: %d, want 100", n)
		}
		execOK(t, sess, "DELETE FROM root.sq.d1.s2 WHERE time >= 20 AND time <= 29")
		checkRows(t, "s2 after DELETE 20..29", query(t, sess, "SELECT s2 FROM root.sq.d1 WHERE time >= 15 AND time < 35"), "root.sq.d1",
			[]string{"s2"}, []client.TSDataType{client.DOUBLE}, sqWant(15, 34, []int{1}, func(t int, _ []any) bool { return t < 20 || t > 29 }))
		execOK(t, sess, "DELETE FROM root.sq.d2.* WHERE time > 40")
		checkLast(t, query(t, sess, "SELECT LAST s1, s3 FROM root.sq.d2"), map[string]lastWant{
			"root.sq.d2.s1": {40, int32(40), "INT32"},
			"root.sq.d2.s3": {40, "w40", "TEXT"},
		})
		// The client's DeleteData takes an inclusive range.
		st, err := sess.DeleteData([]string{"root.sq.d2.s3"}, 5, 7)
		mustOK(t, "DeleteData", st, err)
		res := query(t, sess, "SELECT s3 FROM root.sq.d2 WHERE time <= 10")
		if got := res.times(); !slices.Equal(got, []int64{1, 2, 3, 4, 8, 9, 10}) {
			t.Errorf("s3 after DeleteData [5, 7]: times %v", got)
		}
		if n := countOf(t, sess, "root.sq.d2.s1"); n != 40 {
			t.Errorf("count(d2.s1) after DeleteData on s3: %d, want 40", n)
		}
		checkAggregates(t, sess, "SELECT min_time(s1), count(s1) FROM root.sq.d1", []aggWant{
			{"min_time(root.sq.d1.s1)", client.INT64, int64(11)},
			{"count(root.sq.d1.s1)", client.INT64, int64(90)},
		})
	})

	t.Run("ttl", func(t *testing.T) {
		st, err := sess.SetStorageGroup("root.ttl")
		mustOK(t, "SetStorageGroup root.ttl", st, err)
		now := time.Now().UnixMilli()
		for _, ts := range []int64{now - 2*3600_000, now} {
			st, err := sess.InsertRecord("root.ttl.d", []string{"v"}, []client.TSDataType{client.INT64}, []any{ts}, ts)
			mustOK(t, "InsertRecord root.ttl.d", st, err)
		}
		execOK(t, sess, "SET TTL TO root.ttl 3600000")
		res := query(t, sess, "SHOW DATABASES")
		for i, db := range res.texts(t, "Database") {
			if db == "root.ttl" && textOf(res.rows[i].vals[res.col(t, "TTL")]) != "3600000" {
				t.Errorf("SHOW DATABASES: TTL of root.ttl is %v, want 3600000", res.rows[i].vals[res.col(t, "TTL")])
			}
		}
		res = query(t, sess, "SELECT v FROM root.ttl.d")
		if got := res.times(); !slices.Equal(got, []int64{now}) {
			t.Errorf("SELECT under a 1h TTL: times %v, want only [%d]", got, now)
		}
		st, err = sess.InsertRecord("root.ttl.d", []string{"v"}, []client.TSDataType{client.INT64}, []any{int64(1)}, now-3*3600_000)
		wantFail(t, "InsertRecord older than the TTL", st, err)
		if n := countOf(t, sess, "root.ttl.d.v"); n != 1 {
			t.Errorf("count(v) under a 1h TTL: %d, want 1", n)
		}
	})

	t.Run("paging-fetch-size-7", func(t *testing.T) {
		small := openAs(t, s, "root", "root", func(c *client.Config) { c.FetchSize = 7 })
		tb, want := sixTablet(t, "root.page.d", 1000, func(i int) int64 { return int64(i) * 10 }, true)
		st, err := small.InsertTablet(tb, true)
		mustOK(t, "InsertTablet root.page.d", st, err)
		atb, awant := sixTablet(t, "root.page.al", 1000, func(i int) int64 { return int64(i) * 10 }, true)
		st, err = small.InsertAlignedTablet(atb, true)
		mustOK(t, "InsertAlignedTablet root.page.al", st, err)

		checkRows(t, "paged SELECT * FROM root.page.d", query(t, small, "SELECT * FROM root.page.d"), "root.page.d", sixNames, sixTypes, want)
		checkRows(t, "paged SELECT * FROM root.page.al", query(t, small, "SELECT * FROM root.page.al"), "root.page.al", sixNames, sixTypes, awant)
		part := map[int64][]any{}
		for ts, v := range want {
			if ts >= 5000 {
				part[ts] = v
			}
		}
		checkRows(t, "paged SELECT ... WHERE time >= 5000", query(t, small, "SELECT * FROM root.page.d WHERE time >= 5000"), "root.page.d", sixNames, sixTypes, part)

		desc := query(t, small, "SELECT * FROM root.page.d ORDER BY TIME DESC")
		if !slices.IsSortedFunc(desc.rows, func(a, b row) int { return int(b.time - a.time) }) {
			t.Errorf("paged ORDER BY TIME DESC: times not descending")
		}
		slices.Reverse(desc.rows)
		checkRows(t, "paged ORDER BY TIME DESC", desc, "root.page.d", sixNames, sixTypes, want)

		var ds *client.SessionDataSet
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("client panicked: %v", r)
				}
			}()
			ds, err = small.ExecuteRawDataQuery([]string{"root.page.d.i32", "root.page.d.t"}, 100, 9000)
		}()
		if err != nil {
			t.Fatalf("paged ExecuteRawDataQuery: %v", err)
		}
		rawWant := map[int64][]any{}
		for ts, v := range want {
			if ts >= 100 && ts < 9000 {
				rawWant[ts] = []any{v[1], v[5]}
			}
		}
		checkRows(t, "paged ExecuteRawDataQuery", readAll(t, "raw", ds), "root.page.d", []string{"i32", "t"}, []client.TSDataType{client.INT32, client.TEXT}, rawWant)

		// The server really pages: no answer carries more than 7 rows.
		raw := rawRoot(t, s)
		seven := int32(7)
		resp, err := raw.ExecuteQueryStatement(context.Background(), &rpc.TSExecuteStatementReq{
			SessionId: raw.sid, Statement: "SELECT * FROM root.page.d", StatementId: raw.stmtID, FetchSize: &seven})
		if err != nil {
			t.Fatalf("raw ExecuteQueryStatement: %v", err)
		}
		mustOK(t, "raw ExecuteQueryStatement", resp.GetStatus(), nil)
		pages, rows := 0, 0
		qds := resp.GetQueryDataSet()
		for {
			if qds != nil {
				n := len(qds.Time) / 8
				if n > 7 {
					t.Fatalf("page %d has %d rows, fetch size 7", pages, n)
				}
				rows += n
				pages++
			}
			fr, err := raw.FetchResults(context.Background(), &rpc.TSFetchResultsReq{
				SessionId: raw.sid, Statement: "SELECT * FROM root.page.d", FetchSize: seven, QueryId: resp.GetQueryId(), IsAlign: true})
			if err != nil {
				t.Fatalf("FetchResults: %v", err)
			}
			mustOK(t, "FetchResults", fr.GetStatus(), nil)
			if !fr.HasResultSet {
				break
			}
			qds = fr.GetQueryDataSet()
		}
		if rows != 1000 || pages < 1000/7 {
			t.Errorf("raw paging: %d rows in %d pages, want 1000 rows in at least %d pages", rows, pages, 1000/7)
		}
		qid := resp.GetQueryId()
		st, err = raw.CloseOperation(context.Background(), &rpc.TSCloseOperationReq{SessionId: raw.sid, QueryId: &qid})
		mustOK(t, "CloseOperation", st, err)

		// LAST and count over both devices, whose columns end on nulls at
		// different times.
		for _, dev := range []string{"root.page.d", "root.page.al"} {
			lw := map[string]lastWant{}
			var counts []aggWant
			for c, typ := range sixTypes {
				var n int64
				for r := 999; r >= 0; r-- {
					if sampleNull(c, r) {
						continue
					}
					if n == 0 {
						lw[dev+"."+sixNames[c]] = lastWant{int64(r) * 10, sample(typ, r), sixTypeNames()[c]}
					}
					n++
				}
				counts = append(counts, aggWant{"count(" + dev + "." + sixNames[c] + ")", client.INT64, n})
			}
			checkLast(t, query(t, small, "SELECT LAST * FROM "+dev), lw)
			checkAggregates(t, small, "SELECT count(*) FROM "+dev, counts)
		}

		// Align by device over both devices, 2000 rows.
		res := query(t, small, "SELECT * FROM root.page.** ALIGN BY DEVICE")
		if len(res.rows) != 2000 {
			t.Errorf("paged ALIGN BY DEVICE: %d rows, want 2000", len(res.rows))
		}
		dcol := res.col(t, "Device")
		bad := 0
		for i, r := range res.rows {
			dev, w := "root.page.d", want
			if i < 1000 {
				dev, w = "root.page.al", awant // IoTDB orders devices by path
			}
			if r.vals[dcol] != dev || r.time != int64(i%1000)*10 {
				t.Errorf("paged ALIGN BY DEVICE row %d: device %v time %d, want %s %d", i, r.vals[dcol], r.time, dev, (i%1000)*10)
				if bad++; bad > 5 {
					break
				}
				continue
			}
			for c, n := range sixNames {
				if got := r.vals[res.col(t, n)]; got != w[r.time][c] {
					t.Errorf("paged ALIGN BY DEVICE %s time %d %s: %v, want %v", dev, r.time, n, got, w[r.time][c])
					if bad++; bad > 5 {
						break
					}
				}
			}
		}
	})
}

// aggWant is one expected aggregate column.
type aggWant struct {
	col string
	typ client.TSDataType
	val any
}

// checkAggregates runs an aggregation query and compares its single row.
// Doubles are compared with a relative tolerance of 1e-12.
func checkAggregates(t *testing.T, sess *client.Session, sql string, want []aggWant) {
	t.Helper()
	res := query(t, sess, sql)
	if len(res.rows) != 1 {
		t.Errorf("%s: %d rows, want 1 (columns %q)", sql, len(res.rows), res.cols)
		return
	}
	for _, w := range want {
		i := -1
		for j, c := range res.cols {
			if c == w.col {
				i = j
			}
		}
		if i < 0 {
			t.Errorf("%s: no column %s in %q", sql, w.col, res.cols)
			continue
		}
		if res.types[i] != w.typ {
			t.Errorf("%s: %s has type %d, want %d", sql, w.col, res.types[i], w.typ)
		}
		got := res.rows[0].vals[i]
		if !sameValue(got, w.val) {
			t.Errorf("%s: %s = %T(%v), want %T(%v)", sql, w.col, got, got, w.val, w.val)
		}
	}
}

// numericEquals reports whether v is a number equal to f, whatever its type.
func numericEquals(v any, f float64) bool {
	g, err := strconv.ParseFloat(textOf(v), 64)
	return err == nil && g == f
}

func sameValue(got, want any) bool {
	if g, ok := got.(float64); ok {
		if w, ok := want.(float64); ok {
			return g == w || math.Abs(g-w) <= 1e-12*math.Max(math.Abs(g), math.Abs(w))
		}
	}
	return got == want
}

// checkTable compares a result's rows, in order, with want over the named
// columns.
func checkTable(t *testing.T, what string, res *result, cols []string, want []row) {
	t.Helper()
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, rc := range res.cols {
			if rc == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Errorf("%s: no column %s in %q", what, c, res.cols)
			return
		}
	}
	if len(res.rows) != len(want) {
		t.Errorf("%s: %d rows, want %d: got times %v", what, len(res.rows), len(want), res.times())
	}
	for i := range min(len(res.rows), len(want)) {
		g, w := res.rows[i], want[i]
		if g.time != w.time {
			t.Errorf("%s: row %d time %d, want %d", what, i, g.time, w.time)
			continue
		}
		for k, j := range idx {
			if !sameValue(g.vals[j], w.vals[k]) {
				t.Errorf("%s: row %d (time %d) %s = %T(%v), want %T(%v)", what, i, g.time, cols[k], g.vals[j], g.vals[j], w.vals[k], w.vals[k])
			}
		}
	}
}

// lastWant is one expected row of a last query.
type lastWant struct {
	time  int64
	value any
	typ   string
}

// checkLast compares a last-query result (Time, Timeseries, Value,
// DataType) with want, keyed by series. Numeric values are compared as
// numbers, since IoTDB renders them in Java's notation.
func checkLast(t *testing.T, res *result, want map[string]lastWant) {
	t.Helper()
	if len(res.rows) != len(want) {
		t.Errorf("last query: %d rows, want %d (got %v)", len(res.rows), len(want), res.rows)
	}
	if len(res.rows) == 0 {
		return
	}
	ts, val, typ := res.col(t, "Timeseries"), res.col(t, "Value"), res.col(t, "DataType")
	for _, r := range res.rows {
		name := textOf(r.vals[ts])
		w, ok := want[name]
		if !ok {
			t.Errorf("last query: unexpected series %s", name)
			continue
		}
		got := textOf(r.vals[val])
		same := got == textOf(w.value)
		switch w.value.(type) {
		case float32, float64:
			g, err := strconv.ParseFloat(got, 64)
			wf, _ := strconv.ParseFloat(textOf(w.value), 64)
			same = err == nil && g == wf
		}
		if r.time != w.time || !same || textOf(r.vals[typ]) != w.typ {
			t.Errorf("last %s: time %d value %q type %v, want %d %q %s", name, r.time, got, r.vals[typ], w.time, textOf(w.value), w.typ)
		}
	}
}
