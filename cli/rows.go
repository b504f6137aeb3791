package cli

import (
	"context"
	"fmt"
)

// rows is one statement's result set as the formatters read it: a fixed list
// of value columns and a forward-only cursor over rows. Implementations
// stream; the formatters never need more than one page in memory.
type rows interface {
	// columns names the value columns in order; the time column is not
	// among them.
	columns() []string
	// hasTime reports whether rows carry a timestamp to print as the first
	// column. Results such as SHOW output (IsIgnoreTimeStamp) do not.
	hasTime() bool
	// next fills r with the next row and reports whether there was one. At
	// the end of the rows it returns false and a nil error. r.values has one
	// element per column: nil for null, otherwise a bool, int32, int64,
	// float32, float64 or string.
	next(ctx context.Context, r *row) (bool, error)
	// close releases the result on the server. It is safe to call twice.
	close() error
}

// row is one result row.
type row struct {
	time   int64 // milliseconds since the Unix epoch; meaningless unless hasTime
	values []any
}

// executor runs statements in one server session. It is not safe for
// concurrent use: the shell runs one statement at a time.
type executor interface {
	// execute runs one statement. A statement that produces no result set
	// returns nil rows and a nil error; otherwise the caller closes the rows.
	// A statement the server rejected returns a *statusError.
	execute(ctx context.Context, sql string) (rows, error)
	// close ends the session.
	close() error
}

// statusError is a failure the server reported with an IoTDB status code.
type statusError struct {
	code int32
	msg  string
}

// Error renders the status as IoTDB's CLI does after its "Msg: " prefix.
func (e *statusError) Error() string { return fmt.Sprintf("%d: %s", e.code, e.msg) }
