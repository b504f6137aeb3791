package parser

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func kv(pairs ...string) map[string]string {
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

func TestTagsOnCreate(t *testing.T) {
	runParseCases(t, []parseCase{
		{"create timeseries root.turbine.d1.s1(temprature) with datatype=FLOAT, encoding=RLE, compression=SNAPPY tags(tag1=v1, tag2=v2) attributes(attr1=v1, attr2=v2)",
			&ast.CreateTimeseries{Path: fp("root.turbine.d1.s1"), Spec: ast.MeasurementSpec{
				Name: "s1", Type: model.Float, Encoding: enc(model.RLE), Compressor: comp(model.Snappy), Alias: "temprature",
				Tags: kv("tag1", "v1", "tag2", "v2"), Attributes: kv("attr1", "v1", "attr2", "v2")}}},
		{"CREATE TIMESERIES root.sg.d.s INT32 TAGS('a b'=\"c d\", `e`=-1.5, n=2)", &ast.CreateTimeseries{Path: fp("root.sg.d.s"),
			Spec: ast.MeasurementSpec{Name: "s", Type: model.Int32, Tags: kv("a b", "c d", "e", "-1.5", "n", "2")}}},
		{"create timeseries root.sg.d.s INT32 attributes(owner=x)", &ast.CreateTimeseries{Path: fp("root.sg.d.s"),
			Spec: ast.MeasurementSpec{Name: "s", Type: model.Int32, Attributes: kv("owner", "x")}}},
		{"create aligned timeseries root.sg.d(s1 INT32 tags(a=b) attributes(c=d), s2(al) BOOLEAN encoding=PLAIN attributes(e=f), s3 TEXT)",
			&ast.CreateAlignedTimeseries{Device: fp("root.sg.d"), Measurements: []ast.MeasurementSpec{
				{Name: "s1", Type: model.Int32, Tags: kv("a", "b"), Attributes: kv("c", "d")},
				{Name: "s2", Type: model.Boolean, Alias: "al", Encoding: enc(model.Plain), Attributes: kv("e", "f")},
				{Name: "s3", Type: model.Text},
			}}},
	})
}

func TestAlterTimeseries(t *testing.T) {
	p := fp("root.turbine.d1.s1")
	runParseCases(t, []parseCase{
		{"ALTER timeseries root.turbine.d1.s1 RENAME tag1 TO newTag1", &ast.AlterTimeseries{Path: p, Kind: ast.AlterRename, Keys: []string{"tag1", "newTag1"}}},
		{"alter timeseries root.turbine.d1.s1 SET newTag1=newV1, attr1=newV1", &ast.AlterTimeseries{Path: p, Kind: ast.AlterSet, Pairs: kv("newTag1", "newV1", "attr1", "newV1")}},
		{"alter timeseries root.turbine.d1.s1 DROP tag1, tag2", &ast.AlterTimeseries{Path: p, Kind: ast.AlterDrop, Keys: []string{"tag1", "tag2"}}},
		{"ALTER timeseries root.turbine.d1.s1 ADD TAGS tag3=v3, tag4=v4", &ast.AlterTimeseries{Path: p, Kind: ast.AlterAddTags, Pairs: kv("tag3", "v3", "tag4", "v4")}},
		{"ALTER timeseries root.turbine.d1.s1 ADD ATTRIBUTES attr3=v3", &ast.AlterTimeseries{Path: p, Kind: ast.AlterAddAttributes, Pairs: kv("attr3", "v3")}},
		{"ALTER timeseries root.turbine.d1.s1 UPSERT ALIAS=newAlias TAGS(tag3=v3, tag4=v4) ATTRIBUTES(attr3=v3, attr4=v4)", &ast.AlterTimeseries{Path: p,
			Kind: ast.AlterUpsert, Alias: "newAlias", Tags: kv("tag3", "v3", "tag4", "v4"), Attributes: kv("attr3", "v3", "attr4", "v4")}},
		{"alter timeseries root.turbine.d1.s1 upsert attributes(a=1)", &ast.AlterTimeseries{Path: p, Kind: ast.AlterUpsert, Attributes: kv("a", "1")}},
	})
}

func TestSeriesWhere(t *testing.T) {
	runParseCases(t, []parseCase{
		{"show timeseries root.ln.** where TAGS(unit)='c'", &ast.ShowTimeseries{Pattern: fp("root.ln.**"), Limit: -1,
			Where: &ast.SeriesFilter{Kind: ast.TagEquals, Key: "unit", Value: "c"}}},
		{"SHOW TIMESERIES WHERE tags(description) contains 'test1' limit 2 offset 1", &ast.ShowTimeseries{Limit: 2, Offset: 1,
			Where: &ast.SeriesFilter{Kind: ast.TagContains, Key: "description", Value: "test1"}}},
		{"show timeseries root.ln.** where timeseries contains 'wf01.wt'", &ast.ShowTimeseries{Pattern: fp("root.ln.**"), Limit: -1,
			Where: &ast.SeriesFilter{Kind: ast.PathContains, Value: "wf01.wt"}}},
		{"show timeseries root.ln.** where dataType=FLOAT", &ast.ShowTimeseries{Pattern: fp("root.ln.**"), Limit: -1,
			Where: &ast.SeriesFilter{Kind: ast.DataTypeEquals, Type: model.Float}}},
		{"count timeseries root.** where TAGS(unit)=c group by level = 1", &ast.CountTimeseries{Pattern: fp("root.**"), Level: 1,
			Where: &ast.SeriesFilter{Kind: ast.TagEquals, Key: "unit", Value: "c"}}},
		{"COUNT TIMESERIES WHERE DATATYPE = int64", &ast.CountTimeseries{Where: &ast.SeriesFilter{Kind: ast.DataTypeEquals, Type: model.Int64}}},
	})
}

func TestTagErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"create timeseries root.sg.d.s INT32 tags(a=b, a=c)", "line 1:46 duplicate key 'a'"},
		{"create timeseries root.sg.d.s INT32 tags(a=b) attributes(a=c)", "line 1:56 Tag and attribute shouldn't have the same property key: 'a'"},
		{"create timeseries root.sg.d.s INT32 attributes(a=c) tags(b=d)", "line 1:52 TAGS may appear once, TAGS before ATTRIBUTES"},
		{"create timeseries root.sg.d.s INT32 tags(a)", "line 1:42 mismatched input ')' expecting '='"},
		{"create timeseries root.sg.d.s INT32 tags(''=b)", "line 1:41 a key may not be empty"},
		{"alter timeseries root.sg.d.s rename a", "line 1:37 mismatched input '<EOF>' expecting TO"},
		{"alter timeseries root.sg.d.s upsert", "line 1:35 mismatched input '<EOF>' expecting {ALIAS, TAGS, ATTRIBUTES}"},
		{"alter timeseries root.sg.d.* drop a", "line 1:27 wildcard '*' is not allowed in this path"},
		{"alter timeseries root.sg.d.s add a=b", "line 1:33 mismatched input 'a' expecting {TAGS, ATTRIBUTES}"},
		{"show timeseries where encoding=RLE", "line 1:22 unexpected filter key 'encoding': the WHERE of SHOW TIMESERIES takes TAGS(k), TIMESERIES or DATATYPE"},
		{"show timeseries where datatype=INT99", "line 1:31 unsupported datatype: INT99"},
		{"show timeseries where tags(a) contains b", "line 1:39 mismatched input 'b' expecting a string literal"},
		{"show timeseries where tags(a) > 1", "line 1:30 mismatched input '>' expecting {'=', CONTAINS}"},
	})
}
