package datanode

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// runInsertTablets writes tablets from client RPCs. Untyped tablets (string
// records) carry Text columns that are converted to their series' types.
func (d *DataNode) runInsertTablets(ctx context.Context, user string, s *ast.InsertTablets) error {
	for _, t := range s.Tablets {
		if err := d.require(user, privWriteData, t.Device.Append(model.MultiLevel)); err != nil {
			return err
		}
	}
	if s.Typed {
		return d.Insert(ctx, s.Tablets, "")
	}
	typed := make([]*model.Tablet, 0, len(s.Tablets))
	for _, t := range s.Tablets {
		cols := make([][]*ast.Literal, len(t.Columns))
		for i := range t.Columns {
			c := &t.Columns[i]
			cols[i] = make([]*ast.Literal, c.Len())
			for r := range cols[i] {
				if !c.IsNull(r) {
					cols[i][r] = inferLiteral(c.Texts[r])
				}
			}
		}
		tt, err := d.literalTablet(ctx, t.Device, t.Aligned, t.Measurements, t.Times, cols)
		if err != nil {
			return err
		}
		typed = append(typed, tt)
	}
	return d.Insert(ctx, typed, "")
}

// runInsert executes SQL INSERT INTO ... VALUES. A row without a time (the
// one row of an INSERT that names no time column) is stamped with opts.Now.
func (d *DataNode) runInsert(ctx context.Context, user string, s *ast.Insert, opts query.Options) error {
	if err := d.require(user, privWriteData, s.Device.Append(model.MultiLevel)); err != nil {
		return err
	}
	if len(s.Rows) > 1 && s.Rows[0].Time == nil {
		return status.Errorf(status.SemanticError, "need timestamps when insert multi rows")
	}
	times := make([]int64, len(s.Rows))
	cols := make([][]*ast.Literal, len(s.Measurements))
	for i := range cols {
		cols[i] = make([]*ast.Literal, len(s.Rows))
	}
	for r, row := range s.Rows {
		if row.Time == nil {
			// No time column: the server's time, in milliseconds, the one
			// timestamp precision Sluice stores.
			times[r] = opts.Now.UnixMilli()
		} else {
			t, err := query.ResolveTime(row.Time, opts)
			if err != nil {
				return status.Errorf(status.SemanticError, "row %d: %w", r+1, err)
			}
			times[r] = t
		}
		if len(row.Values) != len(s.Measurements) {
			return status.Errorf(status.SemanticError, "row %d has %d values for %d measurements", r+1, len(row.Values), len(s.Measurements))
		}
		for i, v := range row.Values {
			cols[i][r] = v
		}
	}
	t, err := d.literalTablet(ctx, s.Device, s.Aligned, s.Measurements, times, cols)
	if err != nil {
		return err
	}
	return d.Insert(ctx, []*model.Tablet{t}, "")
}

// literalTablet types literal columns by their existing series, inferring
// the type of new ones from their first non-null value.
func (d *DataNode) literalTablet(ctx context.Context, device model.Path, aligned bool, measurements []string, times []int64, cols [][]*ast.Literal) (*model.Tablet, error) {
	db, err := d.resolveDatabase(ctx, device)
	if err != nil {
		return nil, err
	}
	types, err := d.seriesTypes(ctx, db, device)
	if err != nil {
		return nil, err
	}
	t := &model.Tablet{Device: device, Aligned: aligned, Measurements: measurements, Times: times, Columns: make([]model.Column, len(cols))}
	for i, m := range measurements {
		typ, ok := types[m]
		if !ok {
			typ = model.Text
			for _, l := range cols[i] {
				if l != nil && l.Kind != ast.NullLit {
					typ = inferType(l)
					break
				}
			}
		}
		c, err := literalColumn(device.Append(m), typ, cols[i])
		if err != nil {
			return nil, err
		}
		t.Columns[i] = c
	}
	return t, nil
}
