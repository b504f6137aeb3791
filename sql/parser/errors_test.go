package parser

import (
	"errors"
	"testing"
)

func TestErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"SELECT s1, s2 FORM root", "line 1:14 mismatched input 'FORM' expecting {',', FROM}"},
		{"selec * from root", "line 1:0 mismatched input 'selec' expecting {ALTER, COUNT, CREATE, DELETE, DROP, EXPLAIN, FLUSH, GRANT, INSERT, KILL, LIST, LOAD, REMOVE, REVOKE, SELECT, SET, SHOW, START, STOP, UNSET}"},
		{"select s1 from sg.d1", "line 1:15 path must start with root, got 'sg'"},
		{"select s1 from", "line 1:14 mismatched input '<EOF>' expecting a path"},
		{"select s1, from root.sg.d1", "line 1:11 mismatched input 'from' expecting an expression"},
		{"select s1 from root.sg.d1 fill(previous) fill(linear)", "line 1:41 duplicate FILL clause"},
		{"select s1 from root.sg.d1 limit 5 where", "line 1:34 mismatched input 'where' expecting {GROUP, HAVING, FILL, ORDER, OFFSET, SLIMIT, SOFFSET, ALIGN, ';', <EOF>}"},
		{"select s1 from root.sg.d1 limit 0", "line 1:32 LIMIT <N>: N should be greater than 0"},
		{"select s1 from root.sg.d1 limit 1 limit 2", "line 1:34 duplicate LIMIT clause"},
		{"select s1 from root.sg.d1 limit 99999999999999999999", "line 1:32 an integer 99999999999999999999 is out of range"},
		{"select s1 from root.sg.d1 where s1 in ()", "line 1:39 mismatched input ')' expecting a constant"},
		{"select s1 from root.sg.d1 where s1 like 5", "line 1:40 mismatched input '5' expecting a string literal"},
		{"select s1 from root.sg.d1 where s1 > 1mo", "line 1:37 duration '1mo' counts months or years, which have no fixed length here"},
		{"select s1 from root.sg.d1 where time > 2017-13-01", "line 1:39 invalid date-time '2017-13-01': month out of range"},
		{"select s1 from root.sg.d1 where time > 2017-02-30T00:00:00", "line 1:39 invalid date-time '2017-02-30T00:00:00': day out of range"},
		{"select s1 from root.sg.d1 where s1 > 1 @", "line 1:39 token recognition error at: '@'"},
		{"select s1 from root.sg.d1 group by ([1, 10), 500us)", "line 1:45 duration '500us' must be at least 1ms"},
		{"select s1 from root.sg.d1 group by ([1, 10], 1ms)", "line 1:42 mismatched input ']' expecting ')'"},
		{"select s1 from root.sg.d1 group by ([1, 10), 1x)", "line 1:45 bad duration '1x': unknown duration unit 'x'"},
		{"select s1 from root.sg.d1 group by level = x", "line 1:43 mismatched input 'x' expecting a level"},
		{"select s1 from root.sg.d1 group by 1d", "line 1:35 mismatched input '1d' expecting {'(', TIME, LEVEL}"},
		{"select s1 from root.sg.12", "line 1:23 path node '12' must be back-quoted: a node may not be a number"},
		{"select 'abc from root", "line 1:7 unterminated string literal"},
		{"select `abc from root", "line 1:7 unterminated back-quoted name"},
		{"select `` from root", "line 1:7 empty back-quoted name"},
		{"select s1 /* from root", "line 1:10 unterminated comment"},
		{"select 1.5e from root", "line 1:7 malformed number '1.5e'"},
		{"select s1 from root.sg.d1 select", "line 1:26 mismatched input 'select' expecting {',', WHERE, GROUP, HAVING, FILL, ORDER, LIMIT, OFFSET, SLIMIT, SOFFSET, ALIGN, ';', <EOF>}"},
		{"select s1 from root.sg.d1 where " + deep(300), "line 1:232 expression nested too deeply"},
		{"insert into root.sg.d1(s1) values(1), (2)", "line 1:38 need timestamps when insert multi rows"},
		{"insert into root.sg.d1(time, s1) values(1)", "line 1:39 row 1 has 0 values for 1 measurements"},
		{"insert into root.sg.d1(time, s1) values(1, 1), (2, 2, 3)", "line 1:47 row 2 has 2 values for 1 measurements"},
		{"insert into root.sg.d1(time) values(1)", "line 1:27 mismatched input ')' expecting ','"},
		{"insert into root.sg.*(time, s1) values(1, 1)", "line 1:20 wildcard '*' is not allowed in this path"},
		{"insert into root.sg.d1(time, s1, s1) values(1, 1, 1)", "line 1:33 duplicate measurement 's1'"},
		{"insert into root.sg.d1(time, time) values(1, 1)", "line 1:29 'time' is reserved and cannot name a measurement"},
		{"insert into root.sg.d1(time, 12) values(1, 1)", "line 1:29 path node '12' must be back-quoted: a node may not be a number"},
		{"insert into root.sg.d1(time, s1) values(1.5, 1)", "line 1:40 timestamp 1.5 must be an integer or a date-time"},
		{"insert into root.sg.d1(time, s1) values('abc', 1)", "line 1:40 'abc' is not a date-time"},
		{"insert into root.sg.d1(time, s1) values(99999999999999999999, 1)", "line 1:40 timestamp 99999999999999999999 is out of range"},
		{"insert into root.sg.d1(time, s1) values(1, s2)", "line 1:43 mismatched input 's2' expecting a constant"},
		{"insert into root.sg.d1(time, s1) values(1, 1e999)", "line 1:43 number '1e999' is out of range"},
		{"create pipe p with source ('source'='iotdb-source')", "line 1:51 missing WITH SINK clause: pipe p needs a sink"},
		{"create pipe p", "line 1:13 missing WITH SINK clause: pipe p needs a sink"},
		{"create pipe p with sink ('sink'='x') with source ('source'='y')", "line 1:42 WITH SOURCE must come before WITH SINK"},
		{"create pipe p with connector ('sink'='x') with sink ('sink'='y')", "line 1:47 duplicate WITH SINK clause"},
		{"create pipe p with sink ('sink'='x',,)", "line 1:36 mismatched input ',' expecting a quoted key"},
		{"create pipe p with sink (sink='x')", "line 1:25 mismatched input 'sink' expecting {a quoted key, ')'}"},
		{"create pipe p with sink ('sink' 'x')", "line 1:32 mismatched input ''x'' expecting '='"},
		{"create pipe p with sink ('sink'='x' 'k'='v')", "line 1:36 mismatched input ''k'' expecting {',', ')'}"},
		{"create pipe p with source ('a'='b') garbage", "line 1:36 mismatched input 'garbage' expecting WITH"},
		{"create pipe p with filter ('a'='b')", "line 1:19 mismatched input 'filter' expecting {SOURCE, EXTRACTOR, PROCESSOR, SINK, CONNECTOR}"},
		{"show pipe", "line 1:9 mismatched input '<EOF>' expecting a pipe name"},
		{"show pipes where sink used my_pipe", "line 1:27 mismatched input 'my_pipe' expecting BY"},
		{"create timeseries root.sg.d.s WITH DATATYPE=INT99", "line 1:44 unknown data type 'INT99'"},
		{"create timeseries root.sg.d.s", "line 1:29 mismatched input '<EOF>' expecting a data type"},
		{"create timeseries root.sg.d.s INT32 encoding=FOO", "line 1:45 unknown encoding 'FOO'"},
		{"create timeseries root.sg.d.s INT32 compressor=FOO", "line 1:47 unknown compressor 'FOO'"},
		{"create timeseries root.sg.d.s INT32 encoding=RLE, encoding=RLE", "line 1:50 duplicate ENCODING"},
		{"create timeseries root.sg.d.s INT32 max_point_number=2", "line 1:36 unknown timeseries attribute 'max_point_number'"},
		{"create timeseries root.sg.*.s INT32", "line 1:26 wildcard '*' is not allowed in this path"},
		{"create aligned timeseries root.sg.d(s1 INT32, s1 INT64)", "line 1:46 duplicate measurement 's1'"},
		{"create aligned timeseries root.sg.d(s1 INT32 s2 INT64)", "line 1:45 mismatched input 's2' expecting {',', ')'}"},
		{"create database root.sg.*", "line 1:24 wildcard '*' is not allowed in this path"},
		{"create database sg", "line 1:16 path must start with root, got 'sg'"},
		{"set ttl to root.sg 0", "line 1:19 TTL must be positive"},
		{"set ttl to root.sg", "line 1:18 mismatched input '<EOF>' expecting a TTL in milliseconds"},
		{"count timeseries root.** group by level = x", "line 1:42 mismatched input 'x' expecting a level"},
		{"grant read_data on root.** to group r", "line 1:30 mismatched input 'group' expecting {USER, ROLE}"},
		{"grant role r1 user u", "line 1:14 mismatched input 'user' expecting TO"},
		{"revoke role r1 to u", "line 1:15 mismatched input 'to' expecting FROM"},
		{"list role of r", "line 1:13 mismatched input 'r' expecting USER"},
		{"list user of user u", "line 1:13 mismatched input 'user' expecting ROLE"},
		{"create role 'r'", "line 1:12 mismatched input ''r'' expecting a role name"},
		{"grant read_data root.** to user u", "line 1:16 mismatched input 'root' expecting {',', ON}"},
		{"revoke read_data on root.** to user u", "line 1:28 mismatched input 'to' expecting {',', FROM}"},
		{"create user u pw", "line 1:14 mismatched input 'pw' expecting a quoted password"},
		{"list privileges on u", "line 1:16 mismatched input 'on' expecting {OF, USER, ROLE}"},
		{"show regions of database root.sg", "line 1:13 mismatched input 'of' expecting {';', <EOF>}"},
		{"flush root.sg.*", "line 1:14 wildcard '*' is not allowed in this path"},
		{"select s1 from root.sg.d1; garbage", "line 1:27 mismatched input 'garbage' expecting {ALTER, COUNT, CREATE, DELETE, DROP, EXPLAIN, FLUSH, GRANT, INSERT, KILL, LIST, LOAD, REMOVE, REVOKE, SELECT, SET, SHOW, START, STOP, UNSET}"},
		{"show version show version", "line 1:13 mismatched input 'show' expecting {';', <EOF>}"},
		// Lines count from 1, columns from 0 in characters.
		{"create pipe p\nwith sink (\n  'sink' = 'x'\n  'ip' = 'y')", "line 4:2 mismatched input ''ip'' expecting {',', ')'}"},
		{"select \"温度\" from root.sg.d1\n   where s1 > ) ", "line 2:14 mismatched input ')' expecting an expression"},
		{"insert into root.sg.温度(time, s1) values(1, 2", "line 1:44 mismatched input '<EOF>' expecting {',', ')'}"},
		{"select s1 from root.sg.d1 where s1 > 1 \xff", "line 1:39 invalid UTF-8 at byte 39"},
	})
}

// deep returns n nested parentheses around 1.
func deep(n int) string {
	s := "1"
	for range n {
		s = "(" + s + ")"
	}
	return s
}

func TestErrorType(t *testing.T) {
	_, err := Parse("select\n  s1 form root")
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is %T, want *Error", err, err)
	}
	want := Error{Pos: 12, Line: 2, Col: 5, Msg: "mismatched input 'form' expecting {',', FROM}"}
	if *pe != want {
		t.Errorf("got %+v, want %+v", *pe, want)
	}
}
