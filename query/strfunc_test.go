package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// strStore holds TEXT series with nulls, spaces and characters outside
// the BMP (two UTF-16 code units each), and a numeric one.
func strStore() *fakeStore {
	f := newFakeStore()
	f.add("root.t.d.s1", model.Text, 1, "1test1", 2, "22test22", 4, "  3q3 \t", 5, "a😀b😀")
	f.add("root.t.d.s2", model.Text, 2, "2222test", 3, "x", 4, "", 5, "a😀")
	f.add("root.t.d.n", model.Int32, 1, int32(7))
	return f
}

// The expected values follow IoTDB's user guide examples and Java's String
// (positions and lengths in UTF-16 code units), worked out by hand.
func TestStringFunctions(t *testing.T) {
	runCasesOn(t, strStore, []queryCase{{
		name:  "string_contains, string_matches (whole-string match), startswith, endswith; null stays null",
		q:     sqlQ(`select string_contains(s1, 's'='test'), string_matches(s1, 'regex'='[0-9]+test[0-9]+'), startswith(s1, 'target'='1'), endswith(s1, "target"="2") from root.t.d`),
		cols:  []string{`string_contains(root.t.d.s1, "s"="test")`, `string_matches(root.t.d.s1, "regex"="[0-9]+test[0-9]+")`, `startswith(root.t.d.s1, "target"="1")`, `endswith(root.t.d.s1, "target"="2")`},
		types: []model.DataType{bln, bln, bln, bln},
		// s1 has no point at time 3: no row there.
		rows: []string{"1|true|true|true|false", "2|true|true|false|true", "4|false|false|false|false", "5|false|false|false|false"},
	}, {
		name:  "length and locate count UTF-16 code units; locate is -1 when absent",
		q:     sqlQ(`select length(s1), locate(s1, 'target'='b'), locate(s1, 'target'='😀', 'reverse'='true'), locate(s1, 'target'='1') from root.t.d where time != 3`),
		cols:  []string{"length(root.t.d.s1)", `locate(root.t.d.s1, "target"="b")`, `locate(root.t.d.s1, "target"="😀", "reverse"="true")`, `locate(root.t.d.s1, "target"="1")`},
		types: []model.DataType{i32, i32, i32, i32},
		rows:  []string{"1|6|-1|-1|0", "2|8|-1|-1|-1", "4|7|-1|-1|-1", "5|6|3|4|-1"},
	}, {
		name:  "concat skips nulls; series_behind puts the targets first",
		q:     sqlQ(`select concat(s1, s2, 'target1'='IoT', 'target2'='DB'), concat(s1, s2, 'target1'='IoT', 'target2'='DB', 'series_behind'='true') from root.t.d where time <= 3`),
		cols:  []string{`concat(root.t.d.s1, root.t.d.s2, "target1"="IoT", "target2"="DB")`, `concat(root.t.d.s1, root.t.d.s2, "target1"="IoT", "target2"="DB", "series_behind"="true")`},
		types: []model.DataType{txt, txt},
		rows:  []string{"1|1test1IoTDB|IoTDB1test1", "2|22test222222testIoTDB|IoTDB22test222222test", "3|xIoTDB|IoTDBx"},
	}, {
		name: "substr is 0-based [start, end); substring is SQL's, 1-based, both clipped",
		q:    sqlQ(`select substr(s1, 'start'='0', 'end'='3'), substr(s1, 'start'='3'), substring(s1, 2, 3), substring(s1 from 5), substring(s1 FROM 0 FOR 2) from root.t.d where time != 3`),
		cols: []string{`substr(root.t.d.s1, "start"="0", "end"="3")`, `substr(root.t.d.s1, "start"="3")`, "substring(root.t.d.s1, 2, 3)", "substring(root.t.d.s1, 5)", "substring(root.t.d.s1, 0, 2)"},
		rows: []string{"1|1te|st1|tes|t1|1", "2|22t|est22|2te|st22|2", "4|  3|q3 \t| 3q|3 \t| ", "5|a😀|b😀|😀b|😀|a"},
	}, {
		name: "upper, lower, trim (Java's: every char up to space), replace",
		q:    sqlQ(`select upper(s1), lower(upper(s1)), trim(s1), replace(s1, 'test', 'T') from root.t.d where time = 1 or time = 4`),
		cols: []string{"upper(root.t.d.s1)", "lower(upper(root.t.d.s1))", "trim(root.t.d.s1)", `replace(root.t.d.s1, "test", "T")`},
		rows: []string{"1|1TEST1|1test1|1test1|1T1", "4|  3Q3 \t|  3q3 \t|3q3|  3q3 \t"},
	}, {
		name:  "strcmp is Java's compareTo; null on either side gives null",
		q:     sqlQ(`select strcmp(s1, s2) from root.t.d`),
		cols:  []string{"strcmp(root.t.d.s1, root.t.d.s2)"},
		types: []model.DataType{i32},
		rows:  []string{"1|null", "2|66", "3|null", "4|7", "5|3"},
	}, {
		name: "string functions in WHERE",
		q:    sqlQ(`select s1 from root.t.d where string_contains(s1, 's'='test') and length(s1) > 6`),
		cols: []string{"root.t.d.s1"},
		rows: []string{"2|22test22"},
	}, {
		name: "a non-TEXT input is refused", q: sqlQ(`select upper(n) from root.t.d`),
		errCode: 701, errText: "UPPER: input series only supports data type [TEXT], got INT32",
	}, {
		name: "a required attribute is missing", q: sqlQ(`select string_contains(s1) from root.t.d`),
		errCode: 701, errText: `attribute "s" is required`,
	}, {
		name: "an unknown attribute", q: sqlQ(`select locate(s1, 'target'='a', 'from'='2') from root.t.d`),
		errCode: 701, errText: `unknown attribute "from"`,
	}, {
		name: "a bad regex", q: sqlQ(`select string_matches(s1, 'regex'='(') from root.t.d`),
		errCode: 701, errText: "invalid regex",
	}, {
		name: "a bad boolean attribute", q: sqlQ(`select locate(s1, 'target'='a', 'reverse'='yes') from root.t.d`),
		errCode: 701, errText: `"reverse" must be true or false`,
	}, {
		name: "substr end before start", q: sqlQ(`select substr(s1, 'start'='3', 'end'='1') from root.t.d`),
		errCode: 701, errText: "end 1 is before start 3",
	}, {
		name: "strcmp takes two series", q: sqlQ(`select strcmp(s1) from root.t.d`),
		errCode: 701, errText: "STRCMP: takes 2 input series, got 1",
	}, {
		name: "replace takes two strings", q: sqlQ(`select replace(s1, 'a') from root.t.d`),
		errCode: 701, errText: "replace(x, 'from', 'to')",
	}})
}
