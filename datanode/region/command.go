package region

import (
	"fmt"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
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

// CreateSeriesCommand encodes an explicit creation of series, with their
// tags and attributes.
func CreateSeriesCommand(specs []model.Series) []byte {
	e := encoder{}
	e.byte(byte(cmdCreateTagged))
	e.uvarint(uint64(len(specs)))
	for i := range specs {
		e.taggedSpec(&specs[i])
	}
	return e.b
}

// AlterSeriesCommand encodes an ALTER TIMESERIES of the tags, attributes
// or alias of one series.
func AlterSeriesCommand(a *ast.AlterTimeseries) []byte {
	e := encoder{}
	e.byte(byte(cmdAlterSeries))
	e.path(a.Path)
	e.byte(byte(a.Kind))
	e.strMap(a.Pairs)
	e.strs(a.Keys)
	e.str(a.Alias)
	e.strMap(a.Tags)
	e.strMap(a.Attributes)
	return e.b
}

func (d *decoder) alter() *ast.AlterTimeseries {
	return &ast.AlterTimeseries{Path: d.path(), Kind: ast.AlterKind(d.byte()), Pairs: d.strMap(), Keys: d.strs(),
		Alias: d.str(), Tags: d.strMap(), Attributes: d.strMap()}
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

// ValidateCommand decodes a command whole without applying it: an error
// names a command that is not one, which a replica must never propose
// (applying an undecodable entry stops every replica).
func ValidateCommand(cmd []byte) error {
	if len(cmd) == 0 {
		return fmt.Errorf("empty region command")
	}
	d := decoder{b: cmd[1:]}
	switch cmdType(cmd[0]) {
	case cmdWrite:
		d.str()
		d.bool()
		d.str()
		d.tablets()
	case cmdCreateSeries:
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			d.spec()
		}
	case cmdCreateTagged:
		for n := d.count(1); n > 0 && d.err == nil; n-- {
			d.taggedSpec()
		}
	case cmdAlterSeries:
		d.alter()
	case cmdDeleteSeries:
		d.paths()
	case cmdDeleteData:
		d.paths()
		d.varint()
		d.varint()
	case cmdDropDatabase:
		d.str()
	default:
		return fmt.Errorf("unknown region command type %d", cmd[0])
	}
	if d.err == nil && len(d.b) > 0 {
		return fmt.Errorf("region command type %d: %d trailing bytes", cmd[0], len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("region command type %d: %w", cmd[0], d.err)
	}
	return nil
}
