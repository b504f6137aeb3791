package parser

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func TestDatabaseStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{"CREATE DATABASE root.ln", &ast.CreateDatabase{Path: fp("root.ln")}},
		{"set storage group to root.sg", &ast.CreateDatabase{Path: fp("root.sg")}},
		{"create storage group root.sg.`a-b`", &ast.CreateDatabase{Path: model.Path{"root", "sg", "a-b"}}},
	})
	runParseCases(t, []parseCase{
		{"DROP DATABASE root.ln, root.sg.**", &ast.DropDatabase{Paths: fps("root.ln", "root.sg.**")}},
		{"delete storage group root.sg", &ast.DropDatabase{Paths: fps("root.sg")}},
		{"delete database root.sg", &ast.DropDatabase{Paths: fps("root.sg")}},
		{"SHOW DATABASES", &ast.ShowDatabases{}},
		{"show databases root.**", &ast.ShowDatabases{Pattern: fp("root.**")}},
		{"show storage group root.sg", &ast.ShowDatabases{Pattern: fp("root.sg")}},
		{"SHOW STORAGE GROUPS", &ast.ShowDatabases{}},
	})
}

func TestTimeseriesStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{"CREATE TIMESERIES root.ln.wf01.wt01.status WITH DATATYPE=BOOLEAN, ENCODING=PLAIN", &ast.CreateTimeseries{
			Path: fp("root.ln.wf01.wt01.status"),
			Spec: ast.MeasurementSpec{Name: "status", Type: model.Boolean, Encoding: enc(model.Plain)}}},
		{"create timeseries root.ln.wf01.wt01.temperature with datatype=FLOAT, encoding=RLE, compressor=SNAPPY", &ast.CreateTimeseries{
			Path: fp("root.ln.wf01.wt01.temperature"),
			Spec: ast.MeasurementSpec{Name: "temperature", Type: model.Float, Encoding: enc(model.RLE), Compressor: comp(model.Snappy)}}},
		{"CREATE TIMESERIES root.sg.d.s WITH DATATYPE='INT64' COMPRESSION=\"ZSTD\" ENCODING==TS_2DIFF", &ast.CreateTimeseries{
			Path: fp("root.sg.d.s"),
			Spec: ast.MeasurementSpec{Name: "s", Type: model.Int64, Encoding: enc(model.TS2Diff), Compressor: comp(model.ZSTD)}}},
		{"create timeseries root.sg.d.s INT32", &ast.CreateTimeseries{
			Path: fp("root.sg.d.s"), Spec: ast.MeasurementSpec{Name: "s", Type: model.Int32}}},
		{"create timeseries root.sg.d.s text encoding=plain compressor=lz4", &ast.CreateTimeseries{
			Path: fp("root.sg.d.s"),
			Spec: ast.MeasurementSpec{Name: "s", Type: model.Text, Encoding: enc(model.Plain), Compressor: comp(model.LZ4)}}},
		{"create timeseries root.sg.d.temperature(temp) with datatype=DOUBLE", &ast.CreateTimeseries{
			Path: fp("root.sg.d.temperature"),
			Spec: ast.MeasurementSpec{Name: "temperature", Type: model.Double, Alias: "temp"}}},
		{"create timeseries root.sg.d.`1` DOUBLE", &ast.CreateTimeseries{
			Path: model.Path{"root", "sg", "d", "1"}, Spec: ast.MeasurementSpec{Name: "1", Type: model.Double}}},
		{"CREATE ALIGNED TIMESERIES root.ln.wf01.GPS(latitude FLOAT encoding=PLAIN compressor=SNAPPY, longitude FLOAT encoding=PLAIN compressor=SNAPPY)",
			&ast.CreateAlignedTimeseries{Device: fp("root.ln.wf01.GPS"), Measurements: []ast.MeasurementSpec{
				{Name: "latitude", Type: model.Float, Encoding: enc(model.Plain), Compressor: comp(model.Snappy)},
				{Name: "longitude", Type: model.Float, Encoding: enc(model.Plain), Compressor: comp(model.Snappy)},
			}}},
		{"create aligned timeseries root.sg.d(s1 WITH DATATYPE=INT32, ENCODING=RLE, s2 BOOLEAN, s3(alias) TEXT, encoding INT64)",
			&ast.CreateAlignedTimeseries{Device: fp("root.sg.d"), Measurements: []ast.MeasurementSpec{
				{Name: "s1", Type: model.Int32, Encoding: enc(model.RLE)},
				{Name: "s2", Type: model.Boolean},
				{Name: "s3", Type: model.Text, Alias: "alias"},
				{Name: "encoding", Type: model.Int64},
			}}},
		{"DELETE TIMESERIES root.ln.wf01.wt01.status, root.ln.*.*.temperature", &ast.DeleteTimeseries{
			Patterns: fps("root.ln.wf01.wt01.status", "root.ln.*.*.temperature")}},
		{"drop timeseries root.ln.**", &ast.DeleteTimeseries{Patterns: fps("root.ln.**")}},
		{"SHOW TIMESERIES", &ast.ShowTimeseries{Limit: -1}},
		{"show timeseries root.ln.** limit 10 offset 5", &ast.ShowTimeseries{Pattern: fp("root.ln.**"), Limit: 10, Offset: 5}},
		{"show timeseries offset 5", &ast.ShowTimeseries{Limit: -1, Offset: 5}},
		{"SHOW DEVICES", &ast.ShowDevices{Limit: -1}},
		{"show devices root.ln.* LIMIT 2", &ast.ShowDevices{Pattern: fp("root.ln.*"), Limit: 2}},
		{"COUNT TIMESERIES", &ast.CountTimeseries{}},
		{"count timeseries root.ln.** group by level = 2", &ast.CountTimeseries{Pattern: fp("root.ln.**"), Level: 2}},
		{"COUNT DEVICES", &ast.CountDevices{}},
		{"count devices root.ln.**", &ast.CountDevices{Pattern: fp("root.ln.**")}},
	})
}

func TestTTLStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{"SET TTL TO root.ln 3600000", &ast.SetTTL{Path: fp("root.ln"), TTL: 3600000}},
		{"set ttl to root.sg.** 1", &ast.SetTTL{Path: fp("root.sg.**"), TTL: 1}},
		{"UNSET TTL TO root.ln", &ast.UnsetTTL{Path: fp("root.ln")}},
		{"SHOW ALL TTL", &ast.ShowTTL{}},
		{"show ttl", &ast.ShowTTL{}},
		{"SHOW TTL ON root.ln, root.sg", &ast.ShowTTL{Paths: fps("root.ln", "root.sg")}},
		{"show version", &ast.ShowVersion{}},
	})
}

func TestClusterStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{"SHOW CLUSTER", &ast.ShowCluster{}},
		{"show cluster details", &ast.ShowCluster{Details: true}},
		{"SHOW CONFIGNODES", &ast.ShowConfigNodes{}},
		{"remove confignode 2", &ast.RemoveConfigNode{NodeID: 2}},
		{"show datanodes", &ast.ShowDataNodes{}},
		{"SHOW REGIONS", &ast.ShowRegions{}},
		{"show data regions", &ast.ShowRegions{Kind: "DATA"}},
		{"Show Schema Regions", &ast.ShowRegions{Kind: "SCHEMA"}},
	})
}
