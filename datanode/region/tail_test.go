package region

import (
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// TestSchemaChangeAndSeries: pipe sources find the series a creation or
// alteration entry changed, and read them as they stand.
func TestSchemaChangeAndSeries(t *testing.T) {
	s1, s2 := tagged("s1", "a1", map[string]string{"k": "v"}, nil), tagged("s2", "", nil, map[string]string{"x": "y"})
	create := CreateSeriesCommand([]model.Series{s1, s2})
	alter := AlterSeriesCommand(&ast.AlterTimeseries{Path: s1.Path, Kind: ast.AlterAddTags, Pairs: map[string]string{"k2": "v2"}})
	for _, tc := range []struct {
		name  string
		cmd   []byte
		paths []model.Path
		ok    bool
	}{
		{"create", create, []model.Path{s1.Path, s2.Path}, true},
		{"alter", alter, []model.Path{s1.Path}, true},
		{"write", WriteCommand(sampleTablets(), WriteOptions{}), nil, false},
		{"delete", DeleteSeriesCommand([]model.Path{s1.Path}), nil, false},
	} {
		paths, ok, err := DecodeSchemaChange(tc.cmd)
		if err != nil || ok != tc.ok || !reflect.DeepEqual(paths, tc.paths) {
			t.Errorf("%s: DecodeSchemaChange = %v, %v, %v; want %v, %v", tc.name, paths, ok, err, tc.paths, tc.ok)
		}
	}
	if _, _, err := DecodeSchemaChange(create[:len(create)-2]); err == nil {
		t.Errorf("truncated creation decoded")
	}

	f, eng, _ := openFSM(t, t.TempDir())
	defer eng.Close()
	if _, ok := f.Series(s1.Path); ok {
		t.Fatalf("series before its creation")
	}
	for i, cmd := range [][]byte{create, alter} {
		if code := applyCode(t, f, uint64(i+1), cmd); code != status.Success {
			t.Fatalf("apply %d: %d", i, code)
		}
	}
	got, ok := f.Series(s1.Path)
	if !ok || got.Alias != "a1" || !reflect.DeepEqual(got.Tags, map[string]string{"k": "v", "k2": "v2"}) {
		t.Errorf("Series(%s) = %+v, %v", s1.Path, got, ok)
	}
	if _, ok := f.Series(s1.Path.Parent().Append("a1")); ok {
		t.Errorf("Series found the series by its alias")
	}
}
