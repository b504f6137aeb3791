// Package ast defines the syntax tree of Sluice's SQL dialect (IoTDB's tree
// model SQL): one type per statement, plus expressions for SELECT and WHERE.
// The parser in sql/parser produces it; the client service also builds
// statements directly (an RPC InsertTablet becomes an InsertTablets) so that
// every request, SQL or not, runs through the same executor.
package ast
