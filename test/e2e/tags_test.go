package e2e

import (
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// The SHOW TIMESERIES header of IoTDB 1.3.
const showTimeseriesHeader = "Timeseries|Alias|Database|DataType|Encoding|Compression|Tags|Attributes|Deadband|DeadbandParameters|ViewType"

// tagsSchema creates the series of the tag tests, after IoTDB's user guide.
var tagsSchema = []string{
	"CREATE DATABASE root.turbine",
	"create timeseries root.turbine.d1.s1(temprature) with datatype=FLOAT, encoding=RLE, compression=SNAPPY tags(tag1=v1, tag2=v2) attributes(attr1=v1, attr2=v2)",
	"create timeseries root.turbine.d1.s2 with datatype=DOUBLE tags(unit=c, description='turbine this is a test1') attributes(H_Alarm=100)",
	"create timeseries root.turbine.d2.s1 INT32 tags(unit=f, description='turbine this is a test2')",
	"create aligned timeseries root.turbine.d3(lat FLOAT tags(unit=deg) attributes(src=gps), lon(longitude) DOUBLE)",
}

// tagsAlter alters root.turbine.d1.s1 with every ALTER TIMESERIES form.
var tagsAlter = []string{
	"ALTER timeseries root.turbine.d1.s1 RENAME tag1 TO newTag1",
	"ALTER timeseries root.turbine.d1.s1 SET newTag1=newV1, attr1=newV1",
	"ALTER timeseries root.turbine.d1.s1 DROP tag2, nosuch",
	"ALTER timeseries root.turbine.d1.s1 ADD TAGS tag3=v3, tag4=v4",
	"ALTER timeseries root.turbine.d1.s1 ADD ATTRIBUTES attr3=v3",
	"ALTER timeseries root.turbine.d1.s1 UPSERT ALIAS=newAlias TAGS(tag3=v33) ATTRIBUTES(attr4=v4)",
}

// tagsShown is SHOW TIMESERIES root.turbine.** after tagsSchema, tagsAlter
// and the session's createTimeseries of d4.s, checked by hand.
var tagsShown = []string{
	showTimeseriesHeader,
	`root.turbine.d1.s1|newAlias|root.turbine|FLOAT|RLE|SNAPPY|{"newTag1":"newV1","tag3":"v33","tag4":"v4"}|{"attr1":"newV1","attr2":"v2","attr3":"v3","attr4":"v4"}|null|null|BASE`,
	`root.turbine.d1.s2|null|root.turbine|DOUBLE|GORILLA|LZ4|{"description":"turbine this is a test1","unit":"c"}|{"H_Alarm":"100"}|null|null|BASE`,
	`root.turbine.d2.s1|null|root.turbine|INT32|TS_2DIFF|LZ4|{"description":"turbine this is a test2","unit":"f"}|null|null|null|BASE`,
	`root.turbine.d3.lat|null|root.turbine|FLOAT|GORILLA|LZ4|{"unit":"deg"}|{"src":"gps"}|null|null|BASE`,
	`root.turbine.d3.lon|longitude|root.turbine|DOUBLE|GORILLA|LZ4|null|null|null|null|BASE`,
	`root.turbine.d4.s|null|root.turbine|INT64|RLE|SNAPPY|{"unit":"m"}|{"owner":"ops"}|null|null|BASE`,
}

// tagsQueries are SHOW/COUNT statements with their expected tables (header
// first), checked by hand against tagsShown.
var tagsQueries = []struct {
	sql  string
	want []string
}{
	{"show timeseries root.turbine.** where TAGS(unit)=c", []string{showTimeseriesHeader, tagsShown[2]}},
	{"show timeseries where tags(description) contains 'test'", []string{showTimeseriesHeader, tagsShown[2], tagsShown[3]}},
	{"show timeseries root.turbine.** where tags(description) contains 'test' limit 1 offset 1", []string{showTimeseriesHeader, tagsShown[3]}},
	{"show timeseries root.turbine.** where timeseries contains 'D1'", []string{showTimeseriesHeader, tagsShown[1], tagsShown[2]}},
	{"show timeseries root.turbine.d3.* where datatype=FLOAT", []string{showTimeseriesHeader, tagsShown[4]}},
	{"show timeseries root.turbine.** where tags(tag3) = v33", []string{showTimeseriesHeader, tagsShown[1]}},
	{"show timeseries root.turbine.** where tags(attr1) = newV1", []string{showTimeseriesHeader}},
	{"count timeseries root.turbine.** where tags(unit)=c", []string{"count(timeseries)", "1"}},
	{"count timeseries where datatype = double", []string{"count(timeseries)", "2"}},
	{"count timeseries root.turbine.** where tags(description) contains 'test' group by level=2",
		[]string{"Column|count(timeseries)", "root.turbine.d1|1", "root.turbine.d2|1"}},
	{"count timeseries root.turbine.** group by level=2",
		[]string{"Column|count(timeseries)", "root.turbine.d1|2", "root.turbine.d2|1", "root.turbine.d3|2", "root.turbine.d4|1"}},
	{"count devices root.turbine.**", []string{"count(devices)", "4"}},
	{"show devices root.turbine.d3", []string{"Device|IsAligned|Template", "root.turbine.d3|true|null"}},
	{"select newAlias from root.turbine.d1", []string{"root.turbine.d1.s1", "1.5", "2.5"}},
	{"select newAlias from root.turbine.d1 where time = 2", []string{"root.turbine.d1.s1", "2.5"}},
	{"select count(newAlias), max_value(s1) from root.turbine.d1", []string{"count(root.turbine.d1.s1)|max_value(root.turbine.d1.s1)", "2|2.5"}},
	{"show timeseries root.turbine.*.longitude", []string{showTimeseriesHeader, tagsShown[5]}},
}

// table renders a result as lines of |-separated cells, header first.
func table(res *result) []string {
	out := []string{strings.Join(res.cols, "|")}
	for _, rw := range res.rows {
		cells := make([]string, len(rw.vals))
		for i, v := range rw.vals {
			cells[i] = textOf(v)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}

func wantTable(t testing.TB, sess *client.Session, sql string, want []string) {
	t.Helper()
	got := table(query(t, sess, sql))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got\n\t%s\nwant\n\t%s", sql, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// runTagsScenario creates, alters and filters tagged series through sess
// and checks the refusals, which must change nothing.
func runTagsScenario(t *testing.T, sess *client.Session) {
	execOK(t, sess, tagsSchema...)
	execOK(t, sess, tagsAlter...)
	st, err := sess.CreateTimeseries("root.turbine.d4.s", client.INT64, client.RLE, client.SNAPPY,
		map[string]string{"owner": "ops"}, map[string]string{"unit": "m"})
	mustOK(t, "CreateTimeseries with tags and attributes", st, err)

	for _, c := range []struct {
		sql  string
		code int32
		msg  string
	}{
		{"ALTER timeseries root.turbine.d1.s1 RENAME nosuch TO x", 507, "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [nosuch]."},
		{"ALTER timeseries root.turbine.d1.s1 RENAME newTag1 TO attr2", 507, "TimeSeries [root.turbine.d1.s1] already has a tag/attribute named [attr2]."},
		{"ALTER timeseries root.turbine.d1.s1 SET newTag1=x, nosuch=1", 507, "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [nosuch]."},
		{"ALTER timeseries root.turbine.d1.s1 ADD TAGS attr1=x", 507, "Tag and attribute shouldn't have the same property key [attr1] (series root.turbine.d1.s1)"},
		{"ALTER timeseries root.turbine.d1.s1 UPSERT ALIAS=s2", 505, "Alias [s2] for Path [root.turbine.d1.s1] already exist"},
		{"ALTER timeseries root.turbine.d1.s2 UPSERT ALIAS=newAlias TAGS(x=y)", 505, "Alias [newAlias] for Path [root.turbine.d1.s2] already exist"},
		{"create timeseries root.turbine.d1.s9(temprature2) FLOAT tags(unit=c); create timeseries root.turbine.d1.s8(newAlias) FLOAT", 505, "Alias [newAlias] for Path [root.turbine.d1.s8] already exist"},
		{"insert into root.turbine.d1(time, newAlias) values (3, 3.5)", 505, "root.turbine.d1.newAlias is the alias of root.turbine.d1.s1: write the series by its name"},
		{"ALTER timeseries root.turbine.d1.nosuch DROP a", 508, "Path [root.turbine.d1.nosuch] does not exist"},
		{"ALTER timeseries root.nodb.d.s DROP a", 508, "Path [root.nodb.d.s] does not exist"},
		{"create timeseries root.turbine.d1.s7 FLOAT tags(a=b) attributes(a=c)", 700, "line 1:63 Tag and attribute shouldn't have the same property key: 'a'"},
		{"create timeseries root.turbine.d1.s7 FLOAT tags(a=b, a=c)", 700, "line 1:53 duplicate key 'a'"},
		{"show timeseries where encoding=RLE", 700, "line 1:22 unexpected filter key 'encoding': the WHERE of SHOW TIMESERIES takes TAGS(k), TIMESERIES or DATATYPE"},
	} {
		sqls := strings.Split(c.sql, "; ")
		execOK(t, sess, sqls[:len(sqls)-1]...)
		st, err := nonQuery(sess, sqls[len(sqls)-1])
		if msg := wantCode(t, c.sql, st, err, c.code); msg != c.msg {
			t.Errorf("%s: message %q, want %q", c.sql, msg, c.msg)
		}
	}
	execOK(t, sess, "DELETE TIMESERIES root.turbine.d1.s9")
	// An alias reads its series; deletions and writes take the name only.
	execOK(t, sess, "insert into root.turbine.d1(time, s1) values (1, 1.5), (2, 2.5)")
	st, err = nonQuery(sess, "DELETE TIMESERIES root.turbine.d1.newAlias")
	wantCode(t, "DELETE TIMESERIES by alias", st, err, 508)
	checkTagsShown(t, sess)
}

// checkTagsShown checks the whole SHOW TIMESERIES table and every filter.
func checkTagsShown(t *testing.T, sess *client.Session) {
	t.Helper()
	wantTable(t, sess, "SHOW TIMESERIES root.turbine.**", tagsShown)
	for _, q := range tagsQueries {
		wantTable(t, sess, q.sql, q.want)
	}
}

// TestTagsStandalone creates, alters and filters tagged series on a
// standalone server, then restarts it: tags, attributes and aliases are
// kept.
func TestTagsStandalone(t *testing.T) {
	s := proc.StartStandalone(t)
	runTagsScenario(t, rootSession(t, s))
	s.Stop()
	s.Start()
	checkTagsShown(t, rootSession(t, s))
}

// TestTagsCluster runs the tag scenario through one DataNode of a 3 + 3
// cluster and checks that every DataNode shows the same; an ALTER through
// another DataNode is seen by all.
func TestTagsCluster(t *testing.T) {
	cl := startTestCluster(t, 1, 3)
	runTagsScenario(t, sessionTo(t, cl.DataNodes[0]))
	for _, dn := range cl.DataNodes[1:] {
		t.Run("via "+dn.Name, func(t *testing.T) { checkTagsShown(t, sessionTo(t, dn)) })
	}
	execOK(t, sessionTo(t, cl.DataNodes[2]), "ALTER timeseries root.turbine.d2.s1 UPSERT ALIAS=speed TAGS(unit=kmh)")
	want := `root.turbine.d2.s1|speed|root.turbine|INT32|TS_2DIFF|LZ4|{"description":"turbine this is a test2","unit":"kmh"}|null|null|null|BASE`
	for _, dn := range cl.DataNodes {
		wantTable(t, sessionTo(t, dn), "show timeseries root.turbine.d2.s1", []string{showTimeseriesHeader, want})
	}
}
