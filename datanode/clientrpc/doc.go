// Package clientrpc is the DataNode's client-facing Thrift service: it speaks
// Apache IoTDB's TSIService (framed transport, binary or compact protocol) so
// that IoTDB's official clients work against Sluice unchanged.
//
// Every request becomes one or more SQL statements (sql/ast) run through the
// DataNode's Backend: SQL text is parsed, and structured RPCs are translated
// (an InsertTablet becomes an ast.InsertTablets, a DeleteData an ast.Delete
// with a time-range condition, a raw data query an ast.Select). Query results
// stream back page by page in the TSQueryDataSet layout the clients decode.
//
// Sessions belong to the connection that opened them and end with it, as in
// IoTDB; a request naming a session its connection did not open is answered
// with NotLogin. Business failures are reported as TSStatus codes, never as
// transport errors, so that clients do not mistake them for broken
// connections and reconnect.
package clientrpc
