package datanode

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// runAlterTimeseries changes the tags, attributes or alias of one series
// through the Raft group of the region that holds it, where the change is
// validated and applied on every replica alike.
func (d *DataNode) runAlterTimeseries(ctx context.Context, user string, s *ast.AlterTimeseries) error {
	if err := d.require(user, privWriteSchema, s.Path); err != nil {
		return err
	}
	db, ok := databaseOf(d.meta.Databases(), s.Path.Parent())
	if !ok || len(s.Path) < 3 {
		return status.Errorf(status.PathNotExist, "Path [%s] does not exist", s.Path)
	}
	return d.propose(ctx, regionOf(db, s.Path.Parent()), region.AlterSeriesCommand(s))
}

// seriesMatches reports whether s passes the WHERE of SHOW/COUNT
// TIMESERIES; a nil filter passes everything. Tag values compare exactly
// and CONTAINS is case-sensitive on tags; TIMESERIES CONTAINS ignores case,
// as IoTDB's do.
func seriesMatches(f *ast.SeriesFilter, s *model.Series) bool {
	if f == nil {
		return true
	}
	switch f.Kind {
	case ast.TagEquals:
		v, ok := s.Tags[f.Key]
		return ok && v == f.Value
	case ast.TagContains:
		v, ok := s.Tags[f.Key]
		return ok && strings.Contains(v, f.Value)
	case ast.PathContains:
		return strings.Contains(strings.ToLower(s.Path.String()), strings.ToLower(f.Value))
	case ast.DataTypeEquals:
		return s.Type == f.Type
	}
	panic("BUG: unknown series filter kind")
}

// filterSeries keeps the series that pass f, in place.
func filterSeries(series []model.Series, f *ast.SeriesFilter) []model.Series {
	if f == nil {
		return series
	}
	out := series[:0]
	for _, s := range series {
		if seriesMatches(f, &s) {
			out = append(out, s)
		}
	}
	return out
}

// propertiesCell renders tags or attributes as SHOW TIMESERIES prints them:
// a JSON object with the keys sorted, or null when there are none.
func propertiesCell(m map[string]string) string {
	if len(m) == 0 {
		return nullCell
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		panic("BUG: a string map does not encode: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}
