// Package parser turns Sluice's SQL (Apache IoTDB 1.3 tree-model syntax) into
// the statements of package sql/ast.
//
// The lexer and the recursive-descent parser are hand-written. Keywords are
// case-insensitive and reserved only where the grammar needs them: after a
// dot in a path any identifier is a node name, so a measurement called
// status or count needs no back-quotes. Syntax errors are *Error values that
// report the line and column as IoTDB does ("line 1:14 mismatched input
// 'FORM' expecting FROM"); Parse never panics, whatever its input.
package parser
