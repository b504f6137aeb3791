// Package cli is Sluice's command-line SQL shell, run as `sluice cli`, and
// its live view of pipes, run as `sluice top`.
//
// It behaves like Apache IoTDB's start-cli.sh: an interactive shell with
// line editing and history (~/.sluice_history) when attached to a terminal,
// a one-shot executor with -e, and a script runner when SQL is piped to
// standard input. Statements end with ';' (semicolons inside '...', "..."
// and `...` do not count); in -e and script mode the first failing
// statement ends the run with exit code 1.
//
// Output formats (--format):
//   - table (default): IoTDB's bordered table with right-aligned cells,
//     "Total line number = N" or "Empty set.", and "It costs 0.012s";
//     statements without a result print "Msg: The statement is executed
//     successfully.".
//   - csv: a header line and RFC 4180 records; null is an empty field.
//   - json: one array of row objects per result, keys in column order;
//     null, NaN and infinities are null.
//
// csv and json print result rows only, so that their output parses. In every
// format timestamps are ISO-8601 with milliseconds in the client's time zone,
// and failures print "Msg: <code>: <message>" on standard error.
//
// The shell talks to a DataNode only through the official IoTDB Go client
// module (github.com/apache/iotdb-client-go): its generated Thrift service
// client carries the requests and its SessionDataSet decodes result pages,
// so the shell doubles as a check that the server serves that client.
//
// `sluice top` runs SHOW PIPES STATISTICS every --interval and draws one
// line per pipe (state, backlog, events per second, lag, time to drain and
// a bar of how much of the largest backlog seen since it started has
// drained, with the pipe's exception under it), redrawing in place like
// top on a terminal and printing frames one after another otherwise; -n N
// stops after N frames.
package cli
