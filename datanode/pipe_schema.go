package datanode

import (
	"context"
	"slices"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// ApplySchema brings transferred series in line with the sender's, as user
// (receiver.Target). Series that originated here are already here.
func (t pipeTarget) ApplySchema(ctx context.Context, user string, series []model.Series, origin string) error {
	if origin != "" && origin == t.d.meta.ClusterID() {
		return nil
	}
	for _, s := range series {
		if err := t.d.applyPipeSeries(ctx, user, s); err != nil {
			return err
		}
	}
	return nil
}

// applyPipeSeries creates s when it is missing, and otherwise upserts its
// alias, tags and attributes, proposing nothing when they already hold, so
// that a series sent again (after a failover, or back by a pipe in the other
// direction) changes nothing. Both go through the statements' own paths:
// the same checks, privileges and Raft commands as CREATE and ALTER
// TIMESERIES.
func (d *DataNode) applyPipeSeries(ctx context.Context, user string, s model.Series) error {
	if err := d.require(user, privWriteSchema, s.Path); err != nil {
		return err
	}
	device := s.Path.Parent()
	db, err := d.resolveDatabase(ctx, device)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		have, ok, err := d.seriesAt(ctx, regionOf(db, device), s.Path)
		if err != nil {
			return err
		}
		if ok {
			return d.upsertPipeSeries(ctx, user, have, s)
		}
		spec := ast.MeasurementSpec{Name: s.Measurement(), Type: s.Type, Encoding: &s.Encoding, Compressor: &s.Compressor,
			Alias: s.Alias, Tags: s.Tags, Attributes: s.Attributes}
		err = d.runCreateTimeseries(ctx, user, device, s.Aligned, []ast.MeasurementSpec{spec})
		// A write that auto-created the series in between: upsert it.
		if status.CodeOf(err) != status.TimeseriesAlreadyExist || attempt > 0 {
			return err
		}
	}
}

// seriesAt returns the series at path (by measurement, not alias) from
// the leader of region id.
func (d *DataNode) seriesAt(ctx context.Context, id uint32, path model.Path) (model.Series, bool, error) {
	found, err := d.matchRegion(ctx, id, path)
	if err != nil {
		return model.Series{}, false, err
	}
	for _, s := range found {
		if slices.Equal(s.Path, path) {
			return s, true, nil
		}
	}
	return model.Series{}, false, nil
}

// upsertPipeSeries upserts want's alias, tags and attributes into have.
// A key that is a tag on one side and an attribute on the other is dropped
// first, so that it ends of the sender's kind.
func (d *DataNode) upsertPipeSeries(ctx context.Context, user string, have, want model.Series) error {
	if have.Type != want.Type {
		return status.Errorf(status.DataTypeMismatch, "pipe schema: series %s is %s here but %s at the sender", want.Path, have.Type, want.Type)
	}
	var flipped []string
	for k := range want.Tags {
		if _, ok := have.Attributes[k]; ok {
			flipped = append(flipped, k)
		}
	}
	for k := range want.Attributes {
		if _, ok := have.Tags[k]; ok {
			flipped = append(flipped, k)
		}
	}
	if len(flipped) > 0 {
		if err := d.runAlterTimeseries(ctx, user, &ast.AlterTimeseries{Path: want.Path, Kind: ast.AlterDrop, Keys: flipped}); err != nil {
			return err
		}
	}
	if len(flipped) == 0 && (want.Alias == "" || want.Alias == have.Alias) && holds(have.Tags, want.Tags) && holds(have.Attributes, want.Attributes) {
		return nil
	}
	return d.runAlterTimeseries(ctx, user, &ast.AlterTimeseries{Path: want.Path, Kind: ast.AlterUpsert,
		Alias: want.Alias, Tags: want.Tags, Attributes: want.Attributes})
}

// holds reports whether have has every pair of want.
func holds(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}
