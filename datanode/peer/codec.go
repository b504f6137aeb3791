package peer

import (
	"fmt"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/clusterpb"
)

// encodePoints encodes a batch of points as a transfer body of one tablet
// with one column.
func encodePoints(times []int64, values model.Column) []byte {
	return transfer.EncodeTablets(transfer.Tablets{Tablets: []*model.Tablet{{
		Measurements: []string{""}, Times: times, Columns: []model.Column{values}}}})
}

// decodePoints reads what encodePoints wrote.
func decodePoints(b []byte) ([]int64, model.Column, error) {
	body, err := transfer.DecodeTablets(b)
	if err != nil {
		return nil, model.Column{}, err
	}
	if len(body.Tablets) != 1 || len(body.Tablets[0].Columns) != 1 {
		return nil, model.Column{}, fmt.Errorf("%w: points batch of %d tablets, want one of one column", transfer.ErrCorrupt, len(body.Tablets))
	}
	t := body.Tablets[0]
	return t.Times, t.Columns[0], nil
}

// encodeValue encodes v, a value of Go type matching typ or nil, as a
// one-row batch; nil becomes an empty body.
func encodeValue(typ model.DataType, v any) []byte {
	if v == nil {
		return nil
	}
	c := model.NewColumn(typ, 1)
	c.Append(v)
	return encodePoints([]int64{0}, c)
}

// decodeValue reads what encodeValue wrote.
func decodeValue(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	times, c, err := decodePoints(b)
	if err != nil {
		return nil, err
	}
	if len(times) != 1 || c.IsNull(0) {
		return nil, fmt.Errorf("%w: value batch of %d rows, want one non-null", transfer.ErrCorrupt, len(times))
	}
	return c.Value(0), nil
}

func seriesToPB(s *model.Series) *clusterpb.Series {
	return &clusterpb.Series{Path: s.Path.String(), Type: int32(s.Type), Encoding: int32(s.Encoding),
		Compressor: int32(s.Compressor), Alias: s.Alias, Aligned: s.Aligned, Database: s.Database,
		Tags: s.Tags, Attributes: s.Attributes}
}

func seriesFromPB(p *clusterpb.Series) (model.Series, error) {
	path, err := model.ParseFullPath(p.GetPath())
	if err != nil {
		return model.Series{}, err
	}
	typ := model.DataType(p.GetType())
	if int32(typ) != p.GetType() || !typ.Valid() {
		return model.Series{}, fmt.Errorf("series %s has data type %d", path, p.GetType())
	}
	return model.Series{Path: path, Type: typ, Encoding: model.Encoding(p.GetEncoding()),
		Compressor: model.Compressor(p.GetCompressor()), Alias: p.GetAlias(), Aligned: p.GetAligned(),
		Database: p.GetDatabase(), Tags: p.GetTags(), Attributes: p.GetAttributes()}, nil
}
