package cli

import (
	"context"
	"flag"
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
