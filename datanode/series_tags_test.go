package datanode

import (
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

func TestSeriesMatches(t *testing.T) {
	s := model.Series{Path: model.Path{"root", "ln", "wf01", "WT01", "temperature"}, Type: model.Float,
		Tags: map[string]string{"unit": "c", "description": "test1 sensor"}, Attributes: map[string]string{"owner": "x"}}
	cases := []struct {
		f    *ast.SeriesFilter
		want bool
	}{
		{nil, true},
		{&ast.SeriesFilter{Kind: ast.TagEquals, Key: "unit", Value: "c"}, true},
		{&ast.SeriesFilter{Kind: ast.TagEquals, Key: "unit", Value: "C"}, false},
		{&ast.SeriesFilter{Kind: ast.TagEquals, Key: "owner", Value: "x"}, false}, // attributes are not filterable
		{&ast.SeriesFilter{Kind: ast.TagEquals, Key: "nope", Value: ""}, false},
		{&ast.SeriesFilter{Kind: ast.TagContains, Key: "description", Value: "test1"}, true},
		{&ast.SeriesFilter{Kind: ast.TagContains, Key: "description", Value: "TEST1"}, false},
		{&ast.SeriesFilter{Kind: ast.TagContains, Key: "description", Value: ""}, true},
		{&ast.SeriesFilter{Kind: ast.TagContains, Key: "nope", Value: ""}, false},
		{&ast.SeriesFilter{Kind: ast.PathContains, Value: "wf01.wt01"}, true},
		{&ast.SeriesFilter{Kind: ast.PathContains, Value: "wf02"}, false},
		{&ast.SeriesFilter{Kind: ast.DataTypeEquals, Type: model.Float}, true},
		{&ast.SeriesFilter{Kind: ast.DataTypeEquals, Type: model.Double}, false},
	}
	for _, c := range cases {
		if got := seriesMatches(c.f, &s); got != c.want {
			t.Errorf("seriesMatches(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
}

func TestPropertiesCell(t *testing.T) {
	for _, c := range []struct {
		m    map[string]string
		want string
	}{
		{nil, nullCell},
		{map[string]string{}, nullCell},
		{map[string]string{"unit": "c"}, `{"unit":"c"}`},
		{map[string]string{"b": "2", "a": "<&>", "q": `"x"`}, `{"a":"<&>","b":"2","q":"\"x\""}`},
	} {
		if got := propertiesCell(c.m); got != c.want {
			t.Errorf("propertiesCell(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}
