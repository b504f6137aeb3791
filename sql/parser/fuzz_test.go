package parser

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// fuzzSeeds cover every statement form and the lexer's corners; they run as
// ordinary tests through FuzzParse.
var fuzzSeeds = []string{
	"LOAD '/d/a.tsfile' sglevel=2, verify=false onSuccess=delete; LOAD \"/d\" WITH ('database-level'='3', 'on-success'='none',)",
	"INSERT INTO root.db.d(time, m) values (1, 1)",
	"insert into root.sg.`d.1`(timestamp, s1, `a``b`) aligned values (2017-11-01T00:00:00.123+08:00, -1.5e3, 'x''y'), (now(), null, true)",
	"SELECT ** FROM root",
	"select last s1 from root.sg.d1 where time > now() - 1d",
	"select count(*), s1 + s2 * -3 as x from root.sg.*, root.sg.d1 where (s1 > 1 or not s2 is null) and s3 not between 1 and 2 and s4 in (1, 'a') and s5 like '%a_'",
	"select count(s1) from root.sg.d1 group by ([2017-11-01, 2017-11-07T23:00:00), 1d, 1h30m) order by time desc limit 10 offset 2 slimit 3 soffset 1 align by device",
	"select avg(s1) from root.sg.d1 group by ((0, 100], 10ms)",
	"select s1, s2 from root.sg.d1 fill(previous, 2m); select s1 from root.sg.d1 fill(linear) order by time desc; select s1 from root.sg.d1 fill(-2.5e1); select s1 from root.sg.d1 fill('a') limit 2",
	"select count(s1), stddev(s1) from root.** group by time([0, 100), 10ms), level = 1, 3 having count(s1) > 1 and sum(s2) <= 2 fill(true)",
	"select count(*) from root.** group by level = 0; select max_value(s) from root.** group by level=2 having max_value(s) != 1",
	"select count_if(s1=0 & s2=0, 3), count_if(s1 = 1 | s2 != 0, keep >= 2, 'ignoreNull'='false') from root.db.d1",
	"select max_by(time, s1), min_by(s2, s1), mode(s3), time_duration(s1), var_pop(s1) from root.sg.d1 group by ([0, 10), 2ms) having max_by(s2, s1) > 0",
	"select cast(s1 as TEXT), CAST(s1 + 1 AS int32), round(s1, -1), abs(-s1), sqrt(ln(s1)) from root.sg.d1 where cast(s1 as boolean)",
	"select s1 from root.sg.d1 where time >= '2017-11-01 00:00:00' && time < 2011.12.03T10:15:30+01:00",
	"DELETE FROM root.ln.wf02.wt02.status WHERE time <= 2017-11-01T16:26:00",
	"flush root.sg1, root.sg2 true on cluster",
	"CREATE DATABASE root.ln; set storage group to root.sg; create storage group root.sg2",
	"drop database root.ln, root.sg; delete storage group root.x; show databases root.**; show storage group",
	"CREATE TIMESERIES root.ln.wf01.wt01.temperature(temp) WITH DATATYPE=FLOAT, ENCODING=RLE, COMPRESSOR=SNAPPY",
	"create timeseries root.sg.d.s INT32 encoding=RLE compression=LZ4",
	"CREATE ALIGNED TIMESERIES root.ln.wf01.GPS(latitude FLOAT encoding=PLAIN compressor=SNAPPY, longitude WITH DATATYPE=FLOAT, ENCODING=GORILLA)",
	"delete timeseries root.ln.**; drop timeseries root.a.b",
	"create timeseries root.ln.d.s(a) with datatype=FLOAT, encoding=RLE tags(unit=c, 'k 2'=-1.5) attributes(owner=`x y`, n=2)",
	"create aligned timeseries root.sg.d(s1 INT32 tags(a=b) attributes(c=d), s2(al) BOOLEAN attributes(e=f)); create timeseries root.a.b int64 tags()",
	"ALTER TIMESERIES root.a.b RENAME tag1 TO newTag1; alter timeseries root.a.b set a=1, b='x'; ALTER TIMESERIES root.a.b DROP k1, k2",
	"alter timeseries root.a.b add tags t=v, t2=v2; alter timeseries root.a.b add attributes a=b; ALTER TIMESERIES root.a.b UPSERT ALIAS=n TAGS(t=1) ATTRIBUTES(a=2)",
	"show timeseries root.** where tags(unit) = c limit 2 offset 1; show timeseries where TAGS(u) contains 'x'; show timeseries root.ln.** where timeseries contains 'wf01.wt'",
	"show timeseries where datatype = FLOAT; count timeseries root.** where tags(unit)=c group by level=1; count timeseries where dataType=int64; show timeseries where encoding=RLE",
	"show timeseries root.** limit 10 offset 5; show devices offset 1 limit 2; count timeseries root.** group by level = 2; count devices",
	"SET TTL TO root.ln 3600000; UNSET TTL TO root.ln; SHOW ALL TTL; SHOW TTL ON root.ln, root.sg; show version",
	"CREATE USER u 'pw'; DROP USER u; ALTER USER u SET PASSWORD 'x'",
	"GRANT READ_DATA, WRITE_SCHEMA ON root.** TO USER u WITH GRANT OPTION; REVOKE ALL ON root.sg FROM USER u",
	"LIST USER; LIST PRIVILEGES OF USER u; list privileges user u",
	"CREATE ROLE r1; DROP ROLE `r 1`; GRANT ROLE r1 TO u; grant role r1 to user u; REVOKE ROLE r1 FROM u",
	"GRANT READ, USE_PIPE ON root.**, root.sg.** TO ROLE r1 WITH GRANT OPTION; REVOKE ALL ON root.** FROM ROLE r1",
	"LIST ROLE; LIST ROLES; LIST ROLE OF USER u; LIST USER OF ROLE r1; LIST PRIVILEGES OF ROLE r1; list privileges role r1",
	"CREATE PIPE a2b -- comment\nWITH SOURCE (\n-- c\n'source' = 'iotdb-source',\n'source.pattern' = 'root.timecho',\n)\nWITH PROCESSOR ('processor' = 'do-nothing-processor',)\nWITH SINK ('sink' = 'iotdb-thrift-sink', 'sink.ip' = '127.0.0.1', 'sink.port' = '6667',)",
	"create pipe p with extractor () with connector (\"connector\"=\"x\")",
	"ALTER PIPE a2b MODIFY SOURCE ('source.pattern'='root.a') REPLACE PROCESSOR () MODIFY SINK ('sink.ip'='10.0.0.2'); alter pipe if exists p replace connector ('connector'='do-nothing-sink')",
	"START PIPE a2b; STOP PIPE iotdb-kafka; DROP PIPE `p q`; SHOW PIPES; SHOW PIPE a2b; SHOW PIPES WHERE SINK USED BY a2b; SHOW PIPES STATISTICS; SHOW PIPEPLUGINS",
	"SHOW CLUSTER DETAILS; SHOW CONFIGNODES; SHOW DATANODES; SHOW REGIONS; SHOW DATA REGIONS; SHOW SCHEMA REGIONS",
	"count databases root.**; count storage group; show child paths root.ln.*; show child nodes; count nodes root.**.s level=2",
	"show devices root.** with database limit 2 offset 1; show devices with storage group",
	"select s from root.sg.d where s regexp '^a\\d+$' and t not regexp 'x|y' or u not like '_%'",
	"select * from root.** order by device desc, time asc align by device; select * from root.** order by time, device align by device",
	"select last * from root.** order by timeseries desc; select s from root.d order by timestamp asc",
	"insert into root.x(time, s) values (now() - 2h + 30m, 1); insert into root.x(s, t) aligned values (1, 'a'); insert into root.x(s) values (1), (2)",
	"EXPLAIN SELECT s1 FROM root.sg.d1 WHERE s1 > 1 LIMIT 2; explain analyze verbose select count(s1) from root.** group by ([0, 10), 2ms)",
	"select substring(s1 from 2 for 3), substring(s1 FROM 1), concat(s1, s2, 'target1'='a', \"series_behind\"=\"true\"), top_k(s1, 'k'='2'), m4(s1, 'windowSize'='10'), diff(s1, 'ignoreNull'='false') from root.sg.d1",
	"show queries where ElapsedTime > 0.5 or not DataNodeId != 1 order by QueryId desc, time limit 3 offset 1; kill query '20221205_114444_00003_5'; KILL ALL QUERIES",
	"select s1 from root.sg.d1 where " + deep(250),
	"select ------1 from root", "select - - - -1 from root", "select 'unterminated", "select `", "/* open",
	"select \xff", "1e", "2017-13-45T99:99:99", "2017-11-01T00:00:00-", ";;;", "",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Parse(sql)
		if err != nil {
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if pe.Pos < 0 || pe.Pos > len(sql) || pe.Line < 1 || pe.Col < 0 || pe.Msg == "" {
				t.Fatalf("bad error position %+v for %d bytes", *pe, len(sql))
			}
			if !strings.HasPrefix(pe.Error(), "line ") {
				t.Fatalf("error %q does not start with line", pe.Error())
			}
			return
		}
		for _, st := range stmts {
			if st == nil {
				t.Fatal("nil statement")
			}
			checkInvariants(t, reflect.ValueOf(st))
		}
	})
}

var (
	pathType    = reflect.TypeOf(model.Path(nil))
	literalType = reflect.TypeOf(ast.Literal{})
)

// checkInvariants walks a parsed AST: full paths survive model.ParsePath of
// their String form, and date-time literals read with ParseDateTime.
func checkInvariants(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkInvariants(t, v.Elem())
		}
	case reflect.Slice:
		if v.Type() == pathType {
			if v.IsNil() {
				return // an absent pattern
			}
			p := v.Interface().(model.Path)
			if len(p) == 0 {
				t.Fatal("empty path")
			}
			if p[0] == "root" {
				back, err := model.ParsePath(p.String())
				if err != nil || !reflect.DeepEqual(back, p) {
					t.Fatalf("path %q does not round-trip: %q, %v", []string(p), back, err)
				}
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			checkInvariants(t, v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == literalType {
			lit := v.Interface().(ast.Literal)
			if lit.Kind == ast.DateTimeLit {
				if _, err := ParseDateTime(lit.Str, time.UTC); err != nil {
					t.Fatalf("date-time literal %q: %v", lit.Str, err)
				}
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				checkInvariants(t, v.Field(i))
			}
		}
	}
}
