package clientrpc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"
	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func TestStorageGroups(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	r, err := s.SetStorageGroup("root.sg1")
	wantCode(t, r, err, status.Success)
	r, err = s.DeleteStorageGroup("root.sg1")
	wantCode(t, r, err, status.Success)
	r, err = s.DeleteStorageGroups("root.sg2", "root.`a.b`", "root.x.**")
	wantCode(t, r, err, status.Success)
	wantStatements(t, e.be.take(),
		&ast.CreateDatabase{Path: path(t, "root.sg1")},
		&ast.DropDatabase{Paths: []model.Path{path(t, "root.sg1")}},
		&ast.DropDatabase{Paths: []model.Path{path(t, "root.sg2"), {"root", "a.b"}, path(t, "root.x.**")}})

	r, err = s.SetStorageGroup("root.sg.*")
	wantCode(t, r, err, status.IllegalPath)
	r, err = s.SetStorageGroup("sg")
	wantCode(t, r, err, status.IllegalPath)

	// Backend failures come back with their code and message.
	e.be.setHook(func(context.Context, ast.Statement) (*model.Result, error) {
		return nil, status.Errorf(status.DatabaseAlreadyExists, "root.sg1 has already been created as database")
	})
	r, err = s.SetStorageGroup("root.sg1")
	wantCode(t, r, err, status.DatabaseAlreadyExists)
	if r.GetMessage() != "root.sg1 has already been created as database" {
		t.Fatalf("message %q", r.GetMessage())
	}
}

func TestCreateTimeseries(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	r, err := s.CreateTimeseries("root.sg.d1.s1", client.INT64, client.TS_2DIFF, client.SNAPPY, map[string]string{"owner": "x"}, map[string]string{"unit": "C"})
	wantCode(t, r, err, status.Success)
	r, err = s.CreateAlignedTimeseries("root.sg.d2", []string{"a", "`b-1`"},
		[]client.TSDataType{client.FLOAT, client.TEXT}, []client.TSEncoding{client.GORILLA, client.PLAIN},
		[]client.TSCompressionType{client.LZ4, client.ZSTD}, []string{"alias_a", ""})
	wantCode(t, r, err, status.Success)
	r, err = s.CreateMultiTimeseries([]string{"root.sg.d3.x", "root.sg.d3.y"},
		[]client.TSDataType{client.BOOLEAN, client.DOUBLE}, []client.TSEncoding{client.RLE, client.GORILLA},
		[]client.TSCompressionType{client.UNCOMPRESSED, client.GZIP})
	wantCode(t, r, err, status.Success)

	enc := func(e model.Encoding) *model.Encoding { return &e }
	cmp := func(c model.Compressor) *model.Compressor { return &c }
	wantStatements(t, e.be.take(),
		&ast.CreateTimeseries{Path: path(t, "root.sg.d1.s1"), Spec: ast.MeasurementSpec{Name: "s1", Type: model.Int64, Encoding: enc(model.TS2Diff), Compressor: cmp(model.Snappy),
			Tags: map[string]string{"unit": "C"}, Attributes: map[string]string{"owner": "x"}}},
		&ast.CreateAlignedTimeseries{Device: path(t, "root.sg.d2"), Measurements: []ast.MeasurementSpec{
			{Name: "a", Type: model.Float, Encoding: enc(model.Gorilla), Compressor: cmp(model.LZ4), Alias: "alias_a"},
			{Name: "b-1", Type: model.Text, Encoding: enc(model.Plain), Compressor: cmp(model.ZSTD)},
		}},
		&ast.CreateTimeseries{Path: path(t, "root.sg.d3.x"), Spec: ast.MeasurementSpec{Name: "x", Type: model.Boolean, Encoding: enc(model.RLE), Compressor: cmp(model.Uncompressed)}},
		&ast.CreateTimeseries{Path: path(t, "root.sg.d3.y"), Spec: ast.MeasurementSpec{Name: "y", Type: model.Double, Encoding: enc(model.Gorilla), Compressor: cmp(model.Gzip)}},
	)

	// Bad inputs never reach the backend.
	r, err = s.CreateTimeseries("root.sg.d1.*", client.INT64, client.PLAIN, client.SNAPPY, nil, nil)
	wantCode(t, r, err, status.IllegalPath)
	r, err = s.CreateTimeseries("root.sg.d1.s9", client.TSDataType(9), client.PLAIN, client.SNAPPY, nil, nil)
	wantCode(t, r, err, status.IllegalParameter)
	r, err = s.CreateTimeseries("root.sg.d1.s9", client.INT32, client.TSEncoding(99), client.SNAPPY, nil, nil)
	wantCode(t, r, err, status.IllegalParameter)
	r, err = s.CreateAlignedTimeseries("root.sg.d2", []string{"a", "b"}, []client.TSDataType{client.FLOAT}, nil, nil, nil)
	wantCode(t, r, err, status.IllegalParameter)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("backend ran %s", dump(got))
	}

	// Multi: each series on its own, failures reported per series.
	e.be.setHook(func(_ context.Context, stmt ast.Statement) (*model.Result, error) {
		if ct := stmt.(*ast.CreateTimeseries); ct.Spec.Name == "y" {
			return nil, status.Errorf(status.TimeseriesAlreadyExist, "timeseries root.sg.d3.y already exists")
		}
		return nil, nil
	})
	r, err = s.CreateMultiTimeseries([]string{"root.sg.d3.x", "root.sg.d3.y", "root.sg.d3.*"},
		[]client.TSDataType{client.BOOLEAN, client.DOUBLE, client.INT32}, []client.TSEncoding{client.RLE, client.GORILLA, client.RLE},
		[]client.TSCompressionType{client.SNAPPY, client.SNAPPY, client.SNAPPY})
	wantCode(t, r, err, status.MultipleError)
	var codes []int32
	for _, sub := range r.SubStatus {
		codes = append(codes, sub.Code)
	}
	if want := []int32{200, 503, 509}; !equalInts(codes, want) {
		t.Fatalf("sub-status codes %v, want %v", codes, want)
	}
	verr := client.VerifySuccess(r)
	var be *client.BatchError
	if !errors.As(verr, &be) || !strings.Contains(verr.Error(), "already exists") {
		t.Fatalf("client sees %v", verr)
	}
	if got := len(e.be.take()); got != 2 {
		t.Fatalf("backend ran %d statements, want 2 (the bad path is rejected before)", got)
	}
}

func equalInts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeleteTimeseriesAndData(t *testing.T) {
	e := newEnv(t)
	s := e.session(t, 0)
	r, err := s.DeleteTimeseries([]string{"root.sg.d1.s1", "root.sg.**"})
	wantCode(t, r, err, status.Success)
	r, err = s.DeleteData([]string{"root.sg.d1.s1", "root.sg.d2.*"}, 100, 200)
	wantCode(t, r, err, status.Success)
	lit := func(v int64, raw string) *ast.Literal { return &ast.Literal{Kind: ast.IntLit, Int: v, Raw: raw} }
	wantStatements(t, e.be.take(),
		&ast.DeleteTimeseries{Patterns: []model.Path{path(t, "root.sg.d1.s1"), path(t, "root.sg.**")}},
		&ast.Delete{
			Paths: []model.Path{path(t, "root.sg.d1.s1"), path(t, "root.sg.d2.*")},
			Where: &ast.Binary{Op: "AND",
				L: &ast.Binary{Op: ">=", L: &ast.TimeExpr{}, R: lit(100, "100")},
				R: &ast.Binary{Op: "<=", L: &ast.TimeExpr{}, R: lit(200, "200")}},
		})
	r, err = s.DeleteTimeseries(nil)
	wantCode(t, r, err, status.IllegalParameter)
	r, err = s.DeleteData([]string{"root..x"}, 0, 1)
	wantCode(t, r, err, status.IllegalPath)
}

// TestCreateMultiTimeseriesTags: createMultiTimeseries hands each series its
// own tags and attributes (an empty map is none), and refuses lists whose
// length is not one per series.
func TestCreateMultiTimeseriesTags(t *testing.T) {
	e := newEnv(t)
	c := e.raw(t)
	req := &rpc.TSCreateMultiTimeseriesReq{SessionId: c.sid, Paths: []string{"root.sg.d.a", "root.sg.d.b"},
		DataTypes: []int32{int32(client.FLOAT), int32(client.INT32)}, Encodings: []int32{int32(client.PLAIN), int32(client.RLE)},
		Compressors: []int32{int32(client.SNAPPY), int32(client.SNAPPY)},
		TagsList:    []map[string]string{{"unit": "c"}, {}}, AttributesList: []map[string]string{{}, {"owner": "x"}}}
	st, err := c.CreateMultiTimeseries(context.Background(), req)
	wantCode(t, st, err, status.Success)
	enc := func(e model.Encoding) *model.Encoding { return &e }
	cmp := func(c model.Compressor) *model.Compressor { return &c }
	wantStatements(t, e.be.take(),
		&ast.CreateTimeseries{Path: path(t, "root.sg.d.a"), Spec: ast.MeasurementSpec{Name: "a", Type: model.Float, Encoding: enc(model.Plain),
			Compressor: cmp(model.Snappy), Tags: map[string]string{"unit": "c"}}},
		&ast.CreateTimeseries{Path: path(t, "root.sg.d.b"), Spec: ast.MeasurementSpec{Name: "b", Type: model.Int32, Encoding: enc(model.RLE),
			Compressor: cmp(model.Snappy), Attributes: map[string]string{"owner": "x"}}})

	req.TagsList = req.TagsList[:1]
	st, err = c.CreateMultiTimeseries(context.Background(), req)
	wantCode(t, st, err, status.IllegalParameter)
	if got := e.be.take(); len(got) != 0 {
		t.Fatalf("backend ran %s", dump(got))
	}
}
