package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/apache/iotdb-client-go/rpc"
)

// ConnFlags are the connection flags of `sluice cli` (-h -p -u -pw -usessl
// -ts) for other client tools (import-tsfile, export-tsfile).
type ConnFlags struct {
	flags connFlags
	conf  connConfig
}

// Register adds the flags to fs.
func (f *ConnFlags) Register(fs *flag.FlagSet) {
	f.conf = connConfig{connectTimeout: connectTimeout, fetchSize: fetchSize, loc: time.Local}
	f.flags.register(fs, &f.conf)
}

// SetFetchSize sets how many rows one result page carries (default 1024);
// call it after Register.
func (f *ConnFlags) SetFetchSize(n int32) { f.conf.fetchSize = n }

// Addr is the server address the flags name.
func (f *ConnFlags) Addr() string { return f.conf.addr() }

// Dial checks the parsed flags, connects and logs in. Cancelling ctx later
// closes the connection.
func (f *ConnFlags) Dial(ctx context.Context) (*Conn, error) {
	if err := f.flags.apply(&f.conf); err != nil {
		return nil, err
	}
	ex, err := dialSession(ctx, f.conf)
	if err != nil {
		return nil, err
	}
	s := ex.(*session)
	return &Conn{Service: s.svc, SessionID: s.id, StatementID: s.stmtID, s: s}, nil
}

// Conn is a logged-in Thrift client session, for tools that make their own
// calls (insertTablets, paged queries through client.NewSessionDataSet).
type Conn struct {
	Service     *rpc.TSIServiceClient
	SessionID   int64
	StatementID int64
	s           *session
}

// Close closes the session and the connection.
func (c *Conn) Close() error { return c.s.close() }

// CheckStatus turns a non-success status into an error with IoTDB's code
// and message.
func CheckStatus(st *rpc.TSStatus) error { return checkStatus(st) }

// Query runs a statement that returns rows and streams them; a failed page
// fetch is an error, never a silent end. The caller closes the Rows.
func (c *Conn) Query(ctx context.Context, sql string) (*Rows, error) {
	rs, err := c.s.execute(ctx, sql)
	if err != nil {
		return nil, err
	}
	r, ok := rs.(*remoteRows)
	if !ok || r == nil {
		return nil, fmt.Errorf("%s: the statement returned no result set", sql)
	}
	return &Rows{r: r}, nil
}

// Rows is a streamed query result.
type Rows struct {
	r   *remoteRows
	row row
}

// Columns names the value columns (the time column is not among them).
func (r *Rows) Columns() []string { return r.r.names }

// Types are the columns' IoTDB type names (BOOLEAN, INT32, ...).
func (r *Rows) Types() []string { return r.r.types }

// Next advances to the next row; false and a nil error at the end.
func (r *Rows) Next(ctx context.Context) (bool, error) { return r.r.next(ctx, &r.row) }

// Time is the current row's timestamp.
func (r *Rows) Time() int64 { return r.row.time }

// Values are the current row's values, one per column: nil for null, else
// a bool, int32, int64, float32, float64 or string. The slice is reused by
// Next.
func (r *Rows) Values() []any { return r.row.values }

// Close releases the result on the server.
func (r *Rows) Close() error { return r.r.close() }
