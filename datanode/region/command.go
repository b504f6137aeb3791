package region

import (
	"github.com/sluicedb/sluice/model"
)

// WriteOptions qualify a write command.
type WriteOptions struct {
	// Database owns every device of the command; auto-created series
	// record it.
	Database string
	// AutoCreate creates missing series with the tablet's types instead of
	// refusing the write.
	AutoCreate bool
	// Origin is the id of the cluster a pipe received the write from, empty
	// for writes from clients. Sources skip writes that came from their sink's
	// cluster so that bidirectional pipes do not loop.
	Origin string
}

// WriteCommand encodes tablets (all owned by one region) as a log entry.
func WriteCommand(tablets []*model.Tablet, opts WriteOptions) []byte {
	size := 64
	for _, t := range tablets {
		size += len(t.Times)*8 + len(t.Columns)*(len(t.Times)*9+16)
	}
	e := encoder{b: make([]byte, 0, size)}
	e.byte(byte(cmdWrite))
	e.str(opts.Database)
	e.bool(opts.AutoCreate)
	e.str(opts.Origin)
	e.tablets(tablets)
	return e.b
}

// CreateSeriesCommand encodes an explicit creation of series.
func CreateSeriesCommand(specs []model.Series) []byte {
	e := encoder{}
	e.byte(byte(cmdCreateSeries))
	e.uvarint(uint64(len(specs)))
	for i := range specs {
		e.spec(&specs[i])
	}
	return e.b
}

// DeleteSeriesCommand encodes the deletion of the series matching patterns,
// with their data.
func DeleteSeriesCommand(patterns []model.Path) []byte {
	e := encoder{}
	e.byte(byte(cmdDeleteSeries))
	e.paths(patterns)
	return e.b
}

// DeleteDataCommand encodes the deletion of points in [minTime, maxTime] of
// the series matching patterns.
func DeleteDataCommand(patterns []model.Path, minTime, maxTime int64) []byte {
	e := encoder{}
	e.byte(byte(cmdDeleteData))
	e.paths(patterns)
	e.varint(minTime)
	e.varint(maxTime)
	return e.b
}

// DropDatabaseCommand encodes the removal of every series of database db
// held by the region.
func DropDatabaseCommand(db string) []byte {
	e := encoder{}
	e.byte(byte(cmdDropDatabase))
	e.str(db)
	return e.b
}
