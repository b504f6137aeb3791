package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/sluicedb/sluice/model"
)

// Output formats, the values of --format.
const (
	formatTable = "table"
	formatCSV   = "csv"
	formatJSON  = "json"
)

// timeLayout renders timestamps as IoTDB's CLI does: ISO-8601 with
// milliseconds and the zone offset ("Z" for UTC, as Java prints it).
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// timeColumn is the header of the timestamp column.
const timeColumn = "Time"

// formatter prints result sets in one output format.
type formatter interface {
	// write prints every row of rs to w and returns how many it printed.
	// It streams: memory use does not grow with the number of rows.
	write(ctx context.Context, w io.Writer, rs rows) (int, error)
}

// newFormatter returns the formatter for one of the --format values.
// Timestamps print in loc.
func newFormatter(name string, loc *time.Location) (formatter, error) {
	switch name {
	case formatTable:
		return &tableFormatter{loc: loc, sampleRows: defaultSampleRows}, nil
	case formatCSV:
		return &csvFormatter{loc: loc}, nil
	case formatJSON:
		return &jsonFormatter{loc: loc}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want table, csv or json)", name)
}

// header returns the column names as printed, the time column first.
func header(rs rows) []string {
	cols := rs.columns()
	if !rs.hasTime() {
		return cols
	}
	return append([]string{timeColumn}, cols...)
}

// formatTime renders a millisecond timestamp in loc.
func formatTime(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format(timeLayout)
}

// formatValue renders a value as IoTDB's CLI does; null is null.
func formatValue(v any, null string) string {
	switch v := v.(type) {
	case nil:
		return null
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case float32:
		return model.FormatFloat(float64(v), 32)
	case float64:
		return model.FormatFloat(v, 64)
	}
	return fmt.Sprint(v)
}
