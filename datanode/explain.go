package datanode

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
)

// requireRead checks that user may read every path a query names.
func (d *DataNode) requireRead(user string, sel *ast.Select) error {
	for _, p := range sel.From {
		if err := d.require(user, privReadData, p); err != nil {
			return err
		}
	}
	return nil
}

// explain answers EXPLAIN (column "distribution plan") and EXPLAIN
// ANALYZE (column "Explain Analyze"), IoTDB's column names, one line of
// the plan per row.
func (d *DataNode) explain(ctx context.Context, user string, s *ast.Explain, opts query.Options) (*model.Result, error) {
	if err := d.requireRead(user, s.Query); err != nil {
		return nil, err
	}
	col := "distribution plan"
	var lines []string
	var err error
	if s.Analyze {
		col = "Explain Analyze"
		lines, err = query.ExplainAnalyze(ctx, readStore{d}, s.Query, opts, s.Verbose)
	} else {
		lines, err = query.Explain(ctx, readStore{d}, s.Query, opts)
	}
	if err != nil {
		return nil, err
	}
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l}
	}
	return textResult([]string{col}, rows), nil
}

// Locate implements query.Locator: the region owning s and the DataNode
// that leads it as this node knows it.
func (s readStore) Locate(ctx context.Context, series model.Series) (uint32, uint32, bool) {
	id, ok := s.regionOfSeries(series)
	if !ok {
		return 0, 0, false
	}
	t, err := s.d.locate(ctx, id, 0, 0)
	if err != nil {
		return id, 0, false
	}
	return id, t.node, true
}
